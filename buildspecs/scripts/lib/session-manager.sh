#!/usr/bin/env bash
# AWS's session-manager-plugin, which `aws ssm start-session` needs (the ansible connection and the
# argocd-bootstrap tunnel). Sourced by the phases' install.sh, never executed.

SESSION_MANAGER_PLUGIN_BASE_URL="https://s3.amazonaws.com/session-manager-downloads/plugin/latest"

install_session_manager_plugin() {
  if command -v session-manager-plugin >/dev/null 2>&1; then
    info "session-manager-plugin already installed"
    return 0
  fi
  local platform package
  case "$(uname -m)" in
    x86_64) platform="linux_64bit" ;;
    aarch64) platform="linux_arm64" ;;
    *)
      error "no session-manager-plugin build for $(uname -m)"
      return 1
      ;;
  esac
  package="$(mktemp -d)/session-manager-plugin.rpm"
  info "installing session-manager-plugin (${platform})"
  curl --fail --silent --show-error --location --output "${package}" \
    "${SESSION_MANAGER_PLUGIN_BASE_URL}/${platform}/session-manager-plugin.rpm"
  dnf install --assumeyes --quiet "${package}"
  rm -f "${package}"
}
