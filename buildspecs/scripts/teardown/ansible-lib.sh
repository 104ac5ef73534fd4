#!/usr/bin/env bash
# Shared by the ansible teardown scripts. Sourced, never executed, after scripts/ansible/lib.sh.

# The step name in TEARDOWN_SKIPPED.
reset_step() { printf 'cluster-reset'; }

# The nodes cluster-reset.yml runs on (SSM online), one instance id per line; written in pre_build.
reset_nodes_file() { printf '%s/reset-nodes' "${PHASE_DIR}"; }
