#!/usr/bin/env bash
# npm's pretest: the tools the tests run for real. Installs the Debian ones when missing (as root,
# the way this project's machines and CI run), and fails naming every tool still missing: a test
# that needs a tool never skips silently.
set -euo pipefail

info() { printf 'INFO - %s\n' "$*"; }
fail() { printf 'ERROR - %s\n' "$*" >&2; exit 1; }

# Debian package → a command it provides.
declare -A APT=(
  [ansible]=ansible-playbook
  [ansible-lint]=ansible-lint
  [yamllint]=yamllint
  [shellcheck]=shellcheck
  [jq]=jq
  [git]=git
  [prometheus-alertmanager]=amtool
  [prometheus]=promtool
)
# Tools of the machine image that no registry here offers.
IMAGE_TOOLS=(terraform kubectl)

missing=()
for pkg in "${!APT[@]}"; do
  command -v "${APT[${pkg}]}" >/dev/null 2>&1 || missing+=("${pkg}")
done
if ((${#missing[@]} > 0)); then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    info "installing Debian packages the tests need: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    fail "the tests need these Debian packages: ${missing[*]} (apt-get install ${missing[*]}, as root)"
  fi
fi

absent=()
for pkg in "${!APT[@]}"; do
  command -v "${APT[${pkg}]}" >/dev/null 2>&1 || absent+=("${APT[${pkg}]} (Debian package ${pkg})")
done
for tool in "${IMAGE_TOOLS[@]}"; do
  command -v "${tool}" >/dev/null 2>&1 || absent+=("${tool} (not in Debian: terraform 1.11 and kubectl 1.32 come with the machine image)")
done
((${#absent[@]} == 0)) || fail "required tools are missing: ${absent[*]}"
