#!/usr/bin/env bash
# Helpers of the teardown scripts (buildspecs/teardown/*.yml). Sourced, never executed, right after
# the lib.sh of the phase being torn down, which provides record_export and exports_file.
#
# Every teardown phase exports TEARDOWN_STATUS (DONE, or SKIPPED when the phase found nothing to
# tear down) and TEARDOWN_SKIPPED (the comma-separated steps it skipped, each with an INFO line in
# the log saying why). Each script runs in its own process, so the skipped steps are kept in a
# file beside the exports file.

skipped_steps_file() { printf '%s.skipped' "$(exports_file)"; }

# Starts the phase's exports: nothing skipped, no status yet. Called by the first script of a phase.
start_teardown_exports() {
  : >"$(exports_file)"
  : >"$(skipped_steps_file)"
  record_export TEARDOWN_STATUS ""
  record_export TEARDOWN_SKIPPED ""
}

# Skips STEP, saying why in the log: a teardown never leaves a step out silently.
skip_step() {
  local step="$1" reason="$2"
  info "skipping ${step}: ${reason}"
  printf '%s\n' "${step}" >>"$(skipped_steps_file)"
  record_export TEARDOWN_SKIPPED "$(paste -s -d, "$(skipped_steps_file)")"
}

# True when STEP was skipped by an earlier script of this phase.
step_skipped() {
  grep -q -x -F "$1" "$(skipped_steps_file)"
}

# SLIPWAY_PREVIOUS_OUTPUTS decides which steps have something to tear down, so it must be a JSON
# object (`{}` when no phase ever succeeded): garbage must fail the phase, not read as "nothing
# was provisioned" and skip every step.
require_previous_outputs() {
  require_env SLIPWAY_PREVIOUS_OUTPUTS
  if ! jq -e 'type == "object"' <<<"${SLIPWAY_PREVIOUS_OUTPUTS}" >/dev/null 2>&1; then
    error "SLIPWAY_PREVIOUS_OUTPUTS is not a JSON object"
    return 1
  fi
}

# CodeBuild exports the SLIPWAY_KUBECONFIG override (and the push credential, see
# protect_push_credential) to every command of the build. Each argocd teardown script calls this
# first: from then on the admin kubeconfig is a plain shell variable, inherited by no tool the script
# starts; prepare writes it to a 0600 file, which is all kubectl reads.
protect_kubeconfig() {
  export -n SLIPWAY_KUBECONFIG
}
