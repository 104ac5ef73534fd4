#!/usr/bin/env bash
# install phase: puts the pinned Terraform on PATH. CodeBuild images ship without it; a binary
# that already has the pinned version (a custom image, local mode) is kept.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TERRAFORM_VERSION="${TERRAFORM_VERSION:-1.11.4}"
TF_INSTALL_DIR="${TF_INSTALL_DIR:-/usr/local/bin}"
RELEASES_URL="https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}"

installed_version() {
  if command -v terraform >/dev/null 2>&1; then
    terraform version -json | jq -r '.terraform_version'
  fi
}

release_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) printf 'amd64' ;;
    aarch64 | arm64) printf 'arm64' ;;
    *)
      error "no Terraform release for machine type $(uname -m)"
      return 1
      ;;
  esac
}

# Downloads the release zip and HashiCorp's SHA256SUMS over HTTPS and refuses a zip whose digest
# differs. TERRAFORM_SHA256, when set, pins the digest in the build definition instead.
download_release() {
  local workdir="$1" zip="$2" expected actual
  curl -fsSL --retry 3 -o "${workdir}/${zip}" "${RELEASES_URL}/${zip}"
  if [[ -n "${TERRAFORM_SHA256:-}" ]]; then
    expected="${TERRAFORM_SHA256}"
  else
    curl -fsSL --retry 3 -o "${workdir}/SHA256SUMS" "${RELEASES_URL}/terraform_${TERRAFORM_VERSION}_SHA256SUMS"
    expected="$(awk -v file="${zip}" '$2 == file { print $1 }' "${workdir}/SHA256SUMS")"
  fi
  if [[ -z "${expected}" ]]; then
    error "no checksum published for ${zip}"
    return 1
  fi
  actual="$(sha256sum "${workdir}/${zip}" | awk '{ print $1 }')"
  if [[ "${actual}" != "${expected}" ]]; then
    error "checksum mismatch for ${zip}: expected ${expected}, got ${actual}"
    return 1
  fi
  info "verified ${zip} (sha256 ${actual})"
}

install_terraform() {
  local current arch zip workdir
  current="$(installed_version)"
  if [[ "${current}" == "${TERRAFORM_VERSION}" ]]; then
    info "terraform ${TERRAFORM_VERSION} already installed at $(command -v terraform)"
    return 0
  fi
  require_cmd curl unzip sha256sum awk
  arch="$(release_arch)"
  zip="terraform_${TERRAFORM_VERSION}_linux_${arch}.zip"
  workdir="$(mktemp -d)"
  download_release "${workdir}" "${zip}"
  unzip -q -o "${workdir}/${zip}" terraform -d "${workdir}"
  install -m 0755 "${workdir}/terraform" "${TF_INSTALL_DIR}/terraform"
  rm -rf "${workdir}"
  info "installed terraform $("${TF_INSTALL_DIR}/terraform" version -json | jq -r '.terraform_version') to ${TF_INSTALL_DIR}"
}

main() {
  require_cmd jq
  install_terraform
}

main "$@"
