#!/usr/bin/env bash
# Shared helpers for the phase scripts. Sourced, never executed: every script that sources it
# has already set `set -euo pipefail`, so a failing command fails the build.

# Without this, bash turns errexit off inside command substitution: in `value="$(check)"` a
# failing command in the middle of `check` would not stop it, and `check` would print a made-up
# value that the caller then reports. Every script sources this file right after `set -euo
# pipefail`, so every `$(...)` of every phase script stops at its first failing command.
shopt -s inherit_errexit

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

# Fails unless FILE holds exactly one JSON document for which the jq FILTER is true: the shape a
# step is about to read, checked before any field of it is trusted. WHAT names the document in the
# error. (--slurp: jq 1.6 -e exits 0 on an empty file, which would pass for a valid document.)
require_json() {
  local file="$1" filter="$2" what="$3"
  if ! jq -e --slurp "length == 1 and (.[0] | ${filter})" "${file}" >/dev/null; then
    error "${file} is not ${what}"
    return 1
  fi
}

# Reads one field of the environment spec (SLIPWAY_SPEC, JSON) with a jq filter.
spec_get() {
  jq -er "$1" <<<"${SLIPWAY_SPEC}"
}

# The S3 prefix under which every artifact of this environment lives.
environment_prefix() {
  printf '%s/%s' "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
}
