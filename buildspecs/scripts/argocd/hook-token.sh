#!/usr/bin/env bash
# The hook token of one environment's cluster. Sourced, never executed.
#
# Slipway never stores a cluster's token: it derives it, and the API's hooks derive the same value
# to check what a cluster sends (POST /v1/hooks/argocd/<org>/<env>, /v1/hooks/alertmanager/<org>/<env>):
#
#   token = lower-case hex of HMAC-SHA256(key = the deployment's hook secret of that source - the
#           `argocd` or `alertmanager` value of the slipway/webhooks secret -, message = "<org>/<env>")
#
# So one cluster's leaked token forges nothing for another environment, and rotating the secret
# rotates every token. node computes it (the phase's runtime has it; openssl -hmac would put the
# key on a command line): the key reaches node through its environment only, never argv or a log.

# hook_token KEY MESSAGE: prints the token (64 hex characters, no newline).
#
# The key is trimmed first - leading and trailing whitespace and line terminators, with
# JavaScript's String.prototype.trim, the very function the API's hooks trim their secrets with
# (functions/domain/hook-token.ts): a secret stored with a trailing newline (`--secret-string
# file://...` of a file ending in one) gives the cluster the token the hooks expect. A key that is
# only whitespace is refused, as an empty one is.
hook_token() {
  local key="$1" message="$2"
  if [[ -z "${key}" || -z "${message}" ]]; then
    error "hook_token needs a key and a message"
    return 1
  fi
  SLIPWAY_HOOK_KEY="${key}" node -e '
    const { createHmac } = require("node:crypto");
    const key = (process.env.SLIPWAY_HOOK_KEY ?? "").trim();
    if (key === "") {
      process.stderr.write("ERROR - hook_token needs a key and a message (the key is only whitespace)\n");
      process.exit(1);
    }
    process.stdout.write(createHmac("sha256", key).update(process.argv[1], "utf8").digest("hex"));
  ' "${message}"
}

# The message a cluster's token is derived from: "<org>/<env>".
hook_token_message() {
  printf '%s/%s' "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
}
