#!/usr/bin/env bash
# install: the tools of the argocd-bootstrap phase that the CodeBuild image lacks - kubectl (pinned,
# checksum verified; its built-in kustomize builds the manifests) and AWS's session-manager-plugin
# (the SSM port-forwarding session to the API server). node, git, jq and aws come with the image.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/session-manager.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/session-manager.sh"

KUBECTL_VERSION="${KUBECTL_VERSION:-v1.32.4}"

architecture() {
  case "$(uname -m)" in
    x86_64) printf 'amd64' ;;
    aarch64) printf 'arm64' ;;
    *)
      error "unsupported architecture $(uname -m)"
      return 1
      ;;
  esac
}

install_kubectl() {
  if command -v kubectl >/dev/null 2>&1 && [[ "$(kubectl version --client -o json | jq -r '.clientVersion.gitVersion')" == "${KUBECTL_VERSION}" ]]; then
    info "kubectl ${KUBECTL_VERSION} already installed"
    return 0
  fi
  local arch workdir url
  arch="$(architecture)"
  workdir="$(mktemp -d)"
  url="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"
  info "installing kubectl ${KUBECTL_VERSION} (${arch})"
  curl --fail --silent --show-error --location --output "${workdir}/kubectl" "${url}"
  curl --fail --silent --show-error --location --output "${workdir}/kubectl.sha256" "${url}.sha256"
  printf '%s  %s\n' "$(<"${workdir}/kubectl.sha256")" "${workdir}/kubectl" | sha256sum --check --quiet
  install -m 0755 "${workdir}/kubectl" /usr/local/bin/kubectl
  rm -rf "${workdir}"
}

main() {
  protect_push_credential
  require_cmd curl jq sha256sum
  install_kubectl
  install_session_manager_plugin
  require_cmd kubectl session-manager-plugin node git aws
  info "kubectl $(kubectl version --client -o json | jq -r '.clientVersion.gitVersion'), node $(node --version)"
}

main "$@"
