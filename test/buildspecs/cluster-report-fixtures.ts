/**
 * What the cluster report of the ansible phase reads, shaped as the real tools print it:
 * `kubectl get nodes -o json` and `cilium status -o json` (field names from cilium-cli).
 */

/** The node count of the fixture cluster (3 control-plane + 3 workers). */
export const NODE_COUNT = 6;

function node(name: string, ready: boolean) {
  return {
    metadata: { name },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'KubeletReady' : 'KubeletNotReady',
        },
      ],
    },
  };
}

/** `kubectl get nodes -o json` with `ready` of `total` nodes Ready. */
export function nodes(ready: number, total = NODE_COUNT) {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: Array.from({ length: total }, (_, index) =>
      node(`ip-10-20-0-${10 + index}.eu-west-1.compute.internal`, index < ready),
    ),
  };
}

/** `cilium status -o json` of a healthy installation on NODE_COUNT nodes. */
export const healthyCilium = {
  pod_state: {
    cilium: {
      Type: 'DaemonSet',
      Desired: NODE_COUNT,
      Ready: NODE_COUNT,
      Available: NODE_COUNT,
      Unavailable: 0,
    },
    'cilium-operator': { Type: 'Deployment', Desired: 2, Ready: 2, Available: 2, Unavailable: 0 },
  },
  errors: {},
};
