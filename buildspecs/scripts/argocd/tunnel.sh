#!/usr/bin/env bash
# The SSM port-forwarding session to the internal API load balancer. Sourced by bootstrap.sh, which
# opens it once and closes it on exit: CodeBuild runs outside any VPC and the API has no public
# endpoint, so this session is the phase's only way to the cluster.

TUNNEL_PID=""

open_tunnel() {
  local instance_id api_host region
  instance_id="$(jq -er '.control_plane_instance_ids.value[0]' "$(tf_outputs_file)")"
  api_host="$(tf_output api_endpoint)"
  api_host="${api_host#https://}"
  api_host="${api_host%%:*}"
  region="$(tf_output region)"
  info "opening SSM port forwarding 127.0.0.1:$(tunnel_port) -> ${api_host}:6443 via ${instance_id}"
  # The log exists before the session starts: the background job opens it only after the fork, and
  # wait_for_listener must not race it to the file.
  : >"${PHASE_DIR}/ssm-session.log"
  aws ssm start-session \
    --region "${region}" \
    --target "${instance_id}" \
    --document-name AWS-StartPortForwardingSessionToRemoteHost \
    --parameters "host=${api_host},portNumber=6443,localPortNumber=$(tunnel_port)" \
    >>"${PHASE_DIR}/ssm-session.log" 2>&1 &
  TUNNEL_PID=$!
  wait_for_listener 120
  wait_for_api_server
}

# session-manager-plugin prints "Waiting for connections..." once the local port listens. Block on
# that line (tail --pid stops when the session dies, timeout bounds the wait) instead of polling.
wait_for_listener() {
  local timeout="$1" log="${PHASE_DIR}/ssm-session.log"
  if grep -q -m1 'Waiting for connections' < <(timeout "${timeout}" tail -n +1 -f --pid "${TUNNEL_PID}" "${log}"); then
    info "SSM session listening on 127.0.0.1:$(tunnel_port)"
    return 0
  fi
  error "the SSM session did not start listening within ${timeout}s: $(tail -n 5 "${log}")"
  return 1
}

# Ready means the API server answers /readyz through the tunnel with our credentials, not merely
# that the local port is open. Each attempt is bounded by the request timeout, and attempts are
# READYZ_DELAY seconds apart: a refused or reset connection fails at once, and without a pause every
# attempt would be spent within a second while the session is still settling. Worst case:
# READYZ_ATTEMPTS x (20 s + READYZ_DELAY).
READYZ_ATTEMPTS="${ARGOCD_READYZ_ATTEMPTS:-6}"
READYZ_DELAY="${ARGOCD_READYZ_DELAY:-5}"

# Blocks for SECONDS (a timed read on a pipe nobody writes to; the read's timeout status is expected).
pause() {
  local status=0
  read -r -t "$1" <> <(:) || status=$?
  ((status > 128))
}

wait_for_api_server() {
  local attempt
  for ((attempt = 1; attempt <= READYZ_ATTEMPTS; attempt++)); do
    if kube get --raw /readyz --request-timeout 20s >/dev/null; then
      info "API server ready through the SSM tunnel (attempt ${attempt})"
      return 0
    fi
    if ((attempt < READYZ_ATTEMPTS)); then
      info "API server not ready through the tunnel (attempt ${attempt}/${READYZ_ATTEMPTS}); next attempt in ${READYZ_DELAY}s"
      pause "${READYZ_DELAY}"
    fi
  done
  error "the API server did not answer /readyz through the tunnel after ${READYZ_ATTEMPTS} attempts"
  return 1
}

close_tunnel() {
  if [[ -n "${TUNNEL_PID}" ]] && kill -0 "${TUNNEL_PID}" 2>/dev/null; then
    info "closing the SSM session"
    kill "${TUNNEL_PID}"
    # A session ended by our signal exits non-zero: record the status, it is expected.
    local status=0
    wait "${TUNNEL_PID}" 2>/dev/null || status=$?
    info "SSM session closed (status ${status})"
  fi
}
