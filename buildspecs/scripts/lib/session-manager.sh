#!/usr/bin/env bash
# AWS's session-manager-plugin, which `aws ssm start-session` needs (the ansible connection and the
# argocd-bootstrap tunnel). Sourced by the phases' install.sh, never executed.
#
# Pinned: one release, and the package is installed only if its SHA-256 equals the digest recorded
# for that release and platform in session-manager-plugin.sha256 (sha256sum format, next to this
# file) or given as SESSION_MANAGER_PLUGIN_SHA256 on the project. No recorded digest, no install:
# the build fails naming what is missing instead of trusting whatever the download returns.

SESSION_MANAGER_PLUGIN_VERSION="${SESSION_MANAGER_PLUGIN_VERSION:-1.2.707.0}"
SESSION_MANAGER_PLUGIN_BASE_URL="${SESSION_MANAGER_PLUGIN_BASE_URL:-https://s3.amazonaws.com/session-manager-downloads/plugin}"
SESSION_MANAGER_PLUGIN_CHECKSUMS="${SESSION_MANAGER_PLUGIN_CHECKSUMS:-$(dirname "${BASH_SOURCE[0]}")/session-manager-plugin.sha256}"

# The digest recorded for "<version>/<platform>/session-manager-plugin.rpm", or nothing.
session_manager_plugin_digest() {
  local path="$1"
  if [[ -n "${SESSION_MANAGER_PLUGIN_SHA256:-}" ]]; then
    printf '%s' "${SESSION_MANAGER_PLUGIN_SHA256}"
    return 0
  fi
  [[ -r "${SESSION_MANAGER_PLUGIN_CHECKSUMS}" ]] || return 0
  awk -v path="${path}" 'length($1) == 64 && $1 ~ /^[0-9a-f]+$/ && $2 == path { print $1; exit }' "${SESSION_MANAGER_PLUGIN_CHECKSUMS}"
}

install_session_manager_plugin() {
  if command -v session-manager-plugin >/dev/null 2>&1; then
    info "session-manager-plugin already installed"
    return 0
  fi
  local platform path expected actual workdir package
  case "$(uname -m)" in
    x86_64) platform="linux_64bit" ;;
    aarch64) platform="linux_arm64" ;;
    *)
      error "no session-manager-plugin build for $(uname -m)"
      return 1
      ;;
  esac
  path="${SESSION_MANAGER_PLUGIN_VERSION}/${platform}/session-manager-plugin.rpm"
  expected="$(session_manager_plugin_digest "${path}")"
  if [[ ! "${expected}" =~ ^[0-9a-f]{64}$ ]]; then
    error "no pinned SHA-256 for ${path} in ${SESSION_MANAGER_PLUGIN_CHECKSUMS} (or SESSION_MANAGER_PLUGIN_SHA256); record the official package's sha256sum there before running the phase"
    return 1
  fi
  workdir="$(mktemp -d)"
  package="${workdir}/session-manager-plugin.rpm"
  info "installing session-manager-plugin ${SESSION_MANAGER_PLUGIN_VERSION} (${platform})"
  curl --fail --silent --show-error --location --retry 3 --output "${package}" \
    "${SESSION_MANAGER_PLUGIN_BASE_URL}/${path}"
  actual="$(sha256sum "${package}" | awk '{ print $1 }')"
  if [[ "${actual}" != "${expected}" ]]; then
    rm -rf "${workdir}"
    error "checksum mismatch for ${path}: expected ${expected}, got ${actual}; not installing it"
    return 1
  fi
  info "verified ${path} (sha256 ${actual})"
  dnf install --assumeyes --quiet "${package}"
  rm -rf "${workdir}"
}
