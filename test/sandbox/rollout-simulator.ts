import { AppsV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';

/**
 * The sandbox runs no controller-manager, scheduler or nodes, so nothing rolls Deployments out.
 * This plays the Deployment controller's part for the tests and the demo: it writes the status a finished rollout has, the way
 * the real controller would, for every Deployment in the given namespaces.
 */
export function simulateRollouts(
  kubeconfigPath: string,
  namespaces: () => readonly string[],
  intervalMs = 150,
): { stop(): void } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const apps = kc.makeApiClient(AppsV1Api);
  let stopped = false;
  const tick = async () => {
    for (const namespace of namespaces()) {
      const list = await apps.listNamespacedDeployment({ namespace }).catch(() => undefined);
      for (const d of list?.items ?? [])
        if (needsStatus(d)) await writeRolledOut(apps, d).catch(() => undefined);
    }
  };
  const loop = async () => {
    while (!stopped) {
      await tick();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
    },
  };
}

function needsStatus(d: V1Deployment): boolean {
  return (
    d.status?.observedGeneration !== d.metadata?.generation ||
    d.status?.updatedReplicas !== (d.spec?.replicas ?? 1)
  );
}

async function writeRolledOut(apps: AppsV1Api, d: V1Deployment): Promise<void> {
  const replicas = d.spec?.replicas ?? 1;
  const now = new Date();
  await apps.replaceNamespacedDeploymentStatus({
    name: d.metadata!.name!,
    namespace: d.metadata!.namespace!,
    body: {
      ...d,
      status: {
        observedGeneration: d.metadata?.generation ?? 1,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            lastUpdateTime: now,
            lastTransitionTime: now,
          },
          {
            type: 'Progressing',
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            lastUpdateTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
  });
}
