#!/usr/bin/env python3
"""Builds the Ansible inventory of one environment from its `terraform output -json` document.

Every node is reached through AWS Systems Manager (community.aws.aws_ssm), never SSH: CodeBuild
runs outside the environment's VPC, and the nodes have no inbound port 22. Hosts are keyed by
EC2 instance id because that is the SSM session target.

Usage: from-terraform.py --outputs terraform-outputs.json --inventory hosts.json

The inventory is written as JSON, which Ansible's `yaml` inventory plugin reads (JSON is YAML);
python3's standard library is enough to produce it, so CodeBuild needs no extra package.
Exit status: 0 on success, 2 when the outputs are missing or malformed (message on stderr).
"""

import argparse
import json
import re
import sys

SSM_CONNECTION = "community.aws.aws_ssm"

# community.aws 5.5's aws_ssm waits ssm_timeout seconds (default 60) for each command's output,
# then kills the session and, through its reconnection retries, sends the same command again.
# Every task that can run long is async in the roles (its commands are a short launch and short
# polls), so no command should get near this ceiling; it leaves room for fact gathering and file
# transfers on a slow first boot. test/gitops/ansible/ssm-ceiling.test.ts keeps the two in step.
SSM_TIMEOUT_SECONDS = 300
# Retries still cover a session that fails to start; the commands a retry could repeat are
# idempotent or guarded by a marker on the node (kubeadm init and join refuse a second start).
SSM_RECONNECTION_RETRIES = 2

# Names of the role keys Terraform may use in its `ansible_inventory` output, mapped to the
# inventory groups the playbooks target. Unknown keys are refused so a renamed role can never
# silently drop nodes from the cluster.
ROLE_GROUPS = {
    "control_plane": "control_plane",
    "control-plane": "control_plane",
    "controlplane": "control_plane",
    "workers": "workers",
    "worker": "workers",
}

INSTANCE_ID = re.compile(r"^i-[0-9a-f]{8,17}$")
# An S3 bucket name (3-63 chars, lowercase, digits, dots and hyphens).
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


class OutputsError(Exception):
    """The Terraform outputs cannot describe a cluster."""


def output_value(outputs, name):
    """Returns the `value` of one `terraform output -json` entry."""
    entry = outputs.get(name)
    if not isinstance(entry, dict) or "value" not in entry:
        raise OutputsError(f"terraform output '{name}' is missing")
    return entry["value"]


def optional_output_value(outputs, name):
    entry = outputs.get(name)
    if isinstance(entry, dict) and "value" in entry:
        return entry["value"]
    return None


def matching_string(value, pattern, what):
    if not isinstance(value, str) or not pattern.match(value):
        raise OutputsError(f"{what} is not valid: {value!r}")
    return value


def instance_ids(value, what):
    if not isinstance(value, list):
        raise OutputsError(f"{what} must be a list of EC2 instance ids")
    ids = [matching_string(item, INSTANCE_ID, f"instance id in {what}") for item in value]
    if len(set(ids)) != len(ids):
        raise OutputsError(f"{what} lists an instance id twice")
    return ids


def nodes_by_group(outputs):
    """Instance ids per inventory group, in Terraform's order (the first control plane inits)."""
    by_role = optional_output_value(outputs, "ansible_inventory")
    groups = {"control_plane": [], "workers": []}
    if by_role is not None:
        if not isinstance(by_role, dict):
            raise OutputsError("terraform output 'ansible_inventory' must be an object of role -> instance ids")
        for role, ids in by_role.items():
            group = ROLE_GROUPS.get(role)
            if group is None:
                raise OutputsError(f"unknown role '{role}' in terraform output 'ansible_inventory'")
            groups[group].extend(instance_ids(ids, f"ansible_inventory.{role}"))
    else:
        groups["control_plane"] = instance_ids(
            output_value(outputs, "control_plane_instance_ids"), "control_plane_instance_ids"
        )
        groups["workers"] = instance_ids(output_value(outputs, "worker_instance_ids"), "worker_instance_ids")
    if not groups["control_plane"]:
        raise OutputsError("the cluster has no control-plane node")
    if set(groups["control_plane"]) & set(groups["workers"]):
        raise OutputsError("an instance cannot be both a control-plane node and a worker")
    return groups


def build_inventory(outputs):
    if not isinstance(outputs, dict):
        raise OutputsError("terraform outputs must be a JSON object")
    groups = nodes_by_group(outputs)
    region = matching_string(output_value(outputs, "region"), REGION, "region")
    bucket = matching_string(output_value(outputs, "ssm_transfer_bucket"), BUCKET_NAME, "ssm_transfer_bucket")
    endpoint = matching_string(output_value(outputs, "api_endpoint"), HOSTNAME, "api_endpoint")
    cluster_name = output_value(outputs, "cluster_name")
    if not isinstance(cluster_name, str) or not cluster_name:
        raise OutputsError("cluster_name must be a non-empty string")
    return {
        "all": {
            "vars": {
                "ansible_connection": SSM_CONNECTION,
                "ansible_aws_ssm_region": region,
                "ansible_aws_ssm_bucket_name": bucket,
                "ansible_aws_ssm_timeout": SSM_TIMEOUT_SECONDS,
                "ansible_aws_ssm_retries": SSM_RECONNECTION_RETRIES,
                # Virtual-hosted S3 URLs work whatever the bucket's region (path style does not).
                "ansible_aws_ssm_s3_addressing_style": "virtual",
                "slipway_cluster_name": cluster_name,
                "slipway_api_endpoint": endpoint,
            },
            "children": {
                "k8s_cluster": {
                    "children": {
                        "control_plane": {"hosts": {node: {} for node in groups["control_plane"]}},
                        "workers": {"hosts": {node: {} for node in groups["workers"]}},
                    }
                }
            },
        }
    }


def main(argv):
    parser = argparse.ArgumentParser(description="Ansible inventory from terraform output -json")
    parser.add_argument("--outputs", required=True, help="file written by `terraform output -json`")
    parser.add_argument("--inventory", required=True, help="inventory file to write (JSON, read as YAML)")
    args = parser.parse_args(argv)
    try:
        with open(args.outputs, encoding="utf-8") as handle:
            outputs = json.load(handle)
        inventory = build_inventory(outputs)
    except (OSError, ValueError, OutputsError) as err:
        print(f"ERROR - {err}", file=sys.stderr)
        return 2
    with open(args.inventory, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)
        handle.write("\n")
    nodes = inventory["all"]["children"]["k8s_cluster"]["children"]
    print(
        f"INFO - inventory {args.inventory}: {len(nodes['control_plane']['hosts'])} control-plane node(s),"
        f" {len(nodes['workers']['hosts'])} worker(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
