#!/usr/bin/env bash
# What one phase leaves for a later one (docs/phase-contract.md): S3 keys in the artifact bucket,
# Secrets Manager ids and the previous phase's exported variables. Sourced, never executed.

# Where the terraform phase publishes `terraform output -json` of this run.
terraform_outputs_key() {
  printf '%s/runs/%s/terraform-outputs.json' "$(environment_prefix)" "${SLIPWAY_RUN_ID}"
}

# The secret that holds this environment's admin kubeconfig (written by the ansible phase).
kubeconfig_secret_id() {
  printf 'slipway/%s/kubeconfig' "$(environment_prefix)"
}

# One variable a previous phase exported (SLIPWAY_PREVIOUS_OUTPUTS, JSON); fails unless it is a
# non-empty string.
previous_output() {
  jq -er --arg name "$1" '.[$name] | select(type == "string" and length > 0)' <<<"${SLIPWAY_PREVIOUS_OUTPUTS}"
}
