#!/usr/bin/env bash
# Shared helpers for the phase scripts. Sourced, never executed: every script that sources it
# has already set `set -euo pipefail`, so a failing command fails the build.

info() { printf 'INFO - %s\n' "$*"; }
error() { printf 'ERROR - %s\n' "$*" >&2; }

# Fails the build with a message naming the missing variable, instead of a bare "unbound variable".
require_env() {
  local name
  for name in "$@"; do
    if [[ -z "${!name:-}" ]]; then
      error "required environment variable ${name} is not set"
      exit 1
    fi
  done
}

# Fails the build when a command the step needs is not on PATH.
require_cmd() {
  local cmd
  for cmd in "$@"; do
    if ! command -v "${cmd}" >/dev/null 2>&1; then
      error "required command ${cmd} is not installed"
      exit 1
    fi
  done
}

# Reads one field of the environment spec (SLIPWAY_SPEC, JSON) with a jq filter.
spec_get() {
  jq -er "$1" <<<"${SLIPWAY_SPEC}"
}

# The S3 prefix under which every artifact of this environment lives.
environment_prefix() {
  printf '%s/%s' "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
}
