#!/usr/bin/env bash
# The values a phase hands CodeBuild to export. Sourced, never executed. A script runs in its own
# process and cannot export into the buildspec's shell, so the values CodeBuild must export are
# appended to the phase's exports file (`exports_file`, defined by the phase's lib.sh) and the
# buildspec sources that file afterwards.

record_export() {
  local name="$1" value="$2"
  printf 'export %s=%q\n' "${name}" "${value}" >>"$(exports_file)"
}
