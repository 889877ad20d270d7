import { CairnError } from '../model/errors';
import { forbiddenOf, refusalOf } from '../kube/api-errors';
import { createDiscovery } from '../kube/discovery';
import { createKubeClient } from '../kube/kube-client';
import { applyRequest } from '../kube/object-ops';
import { refOf, subjectOf } from '../kube/object-ref';
import type { KubeObject } from '../kube/types';
import type { ManifestObject } from './manifests';

/** The field manager of `cairn install`: the install owns these objects, not an environment. */
export const INSTALL_FIELD_MANAGER = 'cairn-install';

/** Where `cairn install` applies: a kubeconfig and context, or the default loading rules. */
export interface InstallTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/**
 * Applies the install's objects server-side, in order, with cairn's own Kubernetes client, and
 * reports each as it goes. Stops at the first refusal, naming the object and, for a 403, the
 * identity that lacks the right (installing RBAC needs an administrator).
 */
export async function applyInstall(
  objects: readonly ManifestObject[],
  target: InstallTarget,
  report: (line: string) => void,
): Promise<void> {
  const client = createKubeClient({
    ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}),
    ...(target.context ? { context: target.context } : {}),
    concurrency: 4,
  });
  try {
    const discovery = createDiscovery(client);
    for (const raw of objects) {
      const object = raw as unknown as KubeObject;
      const ref = refOf(object);
      const subject = subjectOf(ref);
      const info = await discovery.lookup(ref.apiVersion, ref.kind);
      if (!info) {
        throw new CairnError(`the cluster does not serve ${ref.apiVersion} ${ref.kind}`, {
          code: 'install.apply',
          subject,
          hint: 'cairn needs Kubernetes 1.25 or newer (policy/v1 PodDisruptionBudget)',
        });
      }
      const res = await applyRequest(client, { ref, info }, object, {
        force: true,
        fieldManager: INSTALL_FIELD_MANAGER,
      });
      if (res.status !== 200 && res.status !== 201) {
        const who = res.status === 403 ? forbiddenOf(res.body).user : undefined;
        throw new CairnError(refusalOf(res.status, res.body, ref.kind), {
          code: res.status === 403 ? 'kube.forbidden' : 'install.apply',
          subject,
          hint:
            res.status === 403
              ? `installing creates RBAC and a Namespace: run it as a cluster administrator${who ? `, not as "${who}"` : ''}, or pipe \`cairn install --export\` to kubectl apply`
              : 'nothing after this object was applied; fix the cause and run it again (it is idempotent)',
        });
      }
      report(`${subject} ${res.status === 201 ? 'created' : 'applied'}`);
    }
  } finally {
    client.close();
  }
}
