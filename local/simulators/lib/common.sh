#!/usr/bin/env bash
# Helpers of the local-mode simulators (local/simulators). Sourced, never executed; this folder is
# not on PATH, only its parent is. Every simulator says on stderr what it stands in for, so a build
# log never passes a simulated step off as a real one.

SIMULATORS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# One "[simulated] <what>" line on stderr (stdout stays the tool's own output).
simulated() {
  printf '[simulated] %s\n' "$*" >&2
}

# A subcommand the simulator does not know: fail clearly rather than pretend it worked.
not_simulated() {
  printf '[simulated] %s: not simulated in local mode (local/simulators/%s); nothing was done\n' \
    "$*" "$(basename "$0")" >&2
  exit 64
}

# Whether simulators may hand commands that work offline to the real tool. Local mode sets
# SLIPWAY_LOCAL_REAL_TOOLS=none for a fast, fully simulated run.
real_tools_allowed() {
  [[ "${SLIPWAY_LOCAL_REAL_TOOLS:-all}" != "none" ]]
}

# Prints the real NAME found on PATH after the simulators' folder; fails when there is none.
real_tool() {
  local name="$1" dir
  local -a dirs
  IFS=':' read -r -a dirs <<<"${PATH}"
  for dir in "${dirs[@]}"; do
    if [[ -z "${dir}" || "${dir}" == "${SIMULATORS_DIR}" ]]; then
      continue
    fi
    if [[ -f "${dir}/${name}" && -x "${dir}/${name}" ]]; then
      printf '%s/%s' "${dir}" "${name}"
      return 0
    fi
  done
  return 1
}

# Prints the real NAME when simulators may use it and it is installed.
usable_real_tool() {
  real_tools_allowed && real_tool "$1"
}

# The local data folder (simulated S3, secret store, cluster state).
data_dir() {
  printf '%s' "${SLIPWAY_DATA_DIR:?SLIPWAY_DATA_DIR is not set: simulators run inside local builds}"
}

# First N (default 12) hex digits of the SHA-256 of TEXT: deterministic ids and names.
digest() {
  printf '%s' "$1" | sha256sum | cut -c "1-${2:-12}"
}

# The value following option NAME in the remaining arguments (`--name value` or `--name=value`).
option_value() {
  local name="$1"
  shift
  while (($# > 0)); do
    case "$1" in
      "${name}")
        if (($# > 1)); then
          printf '%s' "$2"
          return 0
        fi
        return 1
        ;;
      "${name}="*)
        printf '%s' "${1#*=}"
        return 0
        ;;
    esac
    shift
  done
  return 1
}

# Whether flag NAME is among the remaining arguments.
has_flag() {
  local name="$1"
  shift
  local arg
  for arg in "$@"; do
    if [[ "${arg}" == "${name}" ]]; then
      return 0
    fi
  done
  return 1
}

# The simulated cluster of the environment this build provisions (per organization/environment).
cluster_dir() {
  local dir
  dir="$(data_dir)/clusters/${SLIPWAY_ORGANIZATION:-local}-${SLIPWAY_ENVIRONMENT:-local}"
  mkdir -p "${dir}"
  printf '%s' "${dir}"
}
