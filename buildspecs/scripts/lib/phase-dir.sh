#!/usr/bin/env bash
# The run-time working directory of a phase that runs after terraform (ansible, argocd-bootstrap).
# Sourced, never executed, after the phase's lib.sh has set PHASE_DIR. The kubeconfig passes
# through here, mode 0600, so the directory is private to the build user.

tf_outputs_file() { printf '%s/terraform-outputs.json' "${PHASE_DIR}"; }
kubeconfig_file() { printf '%s/kubeconfig' "${PHASE_DIR}"; }
exports_file() { printf '%s/exports.env' "${PHASE_DIR}"; }

ensure_phase_dir() {
  mkdir -p "${PHASE_DIR}"
  chmod 0700 "${PHASE_DIR}"
}
