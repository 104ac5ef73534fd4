# The outputs a mock-provider run of the environment root produced (input: `terraform output
# -json` shape), with the values only AWS assigns replaced (terraform-ids.jq): the mock provider
# gives every instance of a resource the same id (tests/mocks.tfmock.hcl), which would make the
# Ansible inventory list one host N times. Every other output (names, versions, CIDRs, the ports)
# and every list's length is the run's own. $vars: [the root's tfvars]; $ids: simulated_ids.
include "terraform-ids";

aws_assigned($vars[0]; $ids) as $assigned
| with_entries(
    .key as $name
    | if $assigned | has($name) then .value.value = $assigned[$name] else . end
  )
