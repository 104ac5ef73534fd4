#!/usr/bin/env bash
# install: the controller side of the ansible phase - ansible-core and ansible-lint (pinned to the
# releases the repository's tests run), the Python libraries the SSM connection and the CIDR checks
# need, the collections in requirements.yml and AWS's session-manager-plugin.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/session-manager.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/session-manager.sh"

ANSIBLE_CORE_VERSION="2.14.18"
ANSIBLE_LINT_VERSION="6.13.1"

install_python_tools() {
  if command -v ansible-playbook >/dev/null 2>&1 && command -v ansible-lint >/dev/null 2>&1 \
    && python3 -c 'import boto3, botocore, netaddr' >/dev/null 2>&1; then
    info "ansible $(ansible --version | head -n 1) already installed"
    return 0
  fi
  require_cmd python3
  info "installing ansible-core ${ANSIBLE_CORE_VERSION} and ansible-lint ${ANSIBLE_LINT_VERSION}"
  python3 -m pip install --quiet --no-cache-dir \
    "ansible-core==${ANSIBLE_CORE_VERSION}" \
    "ansible-lint==${ANSIBLE_LINT_VERSION}" \
    "boto3>=1.28,<2" "botocore>=1.31,<2" "netaddr>=0.8,<2"
}

install_collections() {
  info "installing the collections of ${ANSIBLE_DIR}/requirements.yml"
  ansible-galaxy collection install \
    --requirements-file "${ANSIBLE_DIR}/requirements.yml" \
    --collections-path "${ANSIBLE_DIR}/collections"
}

main() {
  require_cmd jq curl
  install_python_tools
  install_collections
  install_session_manager_plugin
  require_cmd ansible-playbook ansible-lint session-manager-plugin
}

main "$@"
