#!/usr/bin/env bash
# install phase: puts the pinned Terraform on PATH. CodeBuild images ship without it; a binary
# that already has the pinned version (a custom image, local mode) is kept.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TERRAFORM_VERSION="${TERRAFORM_VERSION:-1.11.4}"
TF_INSTALL_DIR="${TF_INSTALL_DIR:-/usr/local/bin}"
RELEASES_URL="${TERRAFORM_RELEASES_URL:-https://releases.hashicorp.com/terraform}/${TERRAFORM_VERSION}"

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

# HashiCorp signs every release's SHA256SUMS with this key (security@hashicorp.com); the key is
# fetched at build time, but only a key with exactly this fingerprint is accepted. The fingerprint is
# the one HashiCorp publishes on https://www.hashicorp.com/trust/security (C874 011F 0AB4 0511 0D02
# 1055 3436 5D94 72D7 468F), as HashiCorp's own Dockerfiles and provider tooling pin it.
HASHICORP_KEY_URL="${HASHICORP_KEY_URL:-https://www.hashicorp.com/.well-known/pgp-key.txt}"
HASHICORP_KEY_FINGERPRINT="${HASHICORP_KEY_FINGERPRINT:-C874011F0AB405110D02105534365D9472D7468F}"

# Verifies SHA256SUMS against its detached signature in a throwaway keyring, and accepts the
# signature only if gpg reports it valid AND made by the pinned key (VALIDSIG's primary-key
# fingerprint, so a signing subkey of it counts): a key file that carries HashiCorp's key next to
# another key cannot slip in a SHA256SUMS signed by the other one.
verify_sums_signature() {
  local workdir="$1" sums="$2" keyring fingerprints status signer
  keyring="${workdir}/gnupg"
  mkdir -m 0700 "${keyring}"
  curl -fsSL --retry 3 -o "${workdir}/hashicorp.asc" "${HASHICORP_KEY_URL}"
  GNUPGHOME="${keyring}" gpg --batch --quiet --import "${workdir}/hashicorp.asc" 2>/dev/null
  fingerprints="$(GNUPGHOME="${keyring}" gpg --batch --with-colons --fingerprint | awk -F: '$1 == "fpr" { print $10 }')"
  if ! grep -qx "${HASHICORP_KEY_FINGERPRINT}" <<<"${fingerprints}"; then
    error "the key from ${HASHICORP_KEY_URL} is not HashiCorp's release key ${HASHICORP_KEY_FINGERPRINT}"
    return 1
  fi
  if ! status="$(GNUPGHOME="${keyring}" gpg --batch --quiet --trust-model always --status-fd 1 \
    --verify "${workdir}/${sums}.sig" "${workdir}/${sums}" 2>/dev/null)"; then
    error "${sums} does not carry a valid signature of HashiCorp's release key"
    return 1
  fi
  # [GNUPG:] VALIDSIG <signing key fpr> <date> <timestamp> <expiry> <version> <reserved> <pk algo>
  #          <hash algo> <class> <primary key fpr>
  signer="$(awk '$1 == "[GNUPG:]" && $2 == "VALIDSIG" { print $NF }' <<<"${status}")"
  if [[ "${signer}" != "${HASHICORP_KEY_FINGERPRINT}" ]]; then
    error "${sums} is signed by ${signer:-no valid key}, not by HashiCorp's release key ${HASHICORP_KEY_FINGERPRINT}"
    return 1
  fi
  info "verified the signature of ${sums} (key ${HASHICORP_KEY_FINGERPRINT})"
}

# Downloads the release zip, HashiCorp's SHA256SUMS and its signature over HTTPS, checks the
# signature (verify_sums_signature), then refuses a zip whose digest differs from the signed one.
# TERRAFORM_SHA256, when set, pins the digest in the build definition instead.
download_release() {
  local workdir="$1" zip="$2" sums expected actual
  sums="terraform_${TERRAFORM_VERSION}_SHA256SUMS"
  curl -fsSL --retry 3 -o "${workdir}/${zip}" "${RELEASES_URL}/${zip}"
  if [[ -n "${TERRAFORM_SHA256:-}" ]]; then
    expected="${TERRAFORM_SHA256}"
  else
    curl -fsSL --retry 3 -o "${workdir}/${sums}" "${RELEASES_URL}/${sums}"
    curl -fsSL --retry 3 -o "${workdir}/${sums}.sig" "${RELEASES_URL}/${sums}.sig"
    verify_sums_signature "${workdir}" "${sums}"
    expected="$(awk -v file="${zip}" '$2 == file { print $1 }' "${workdir}/${sums}")"
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
  [[ -n "${TERRAFORM_SHA256:-}" ]] || require_cmd gpg
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
