/**
 * The raw server-side-apply floor of the 1,000-object benchmark (10 Namespaces + 990 ConfigMaps):
 * the same objects as kube-bench's tree, applied with no client logic at all (bodies prepared
 * beforehand) over FLOOR_CONNECTIONS keep-alive connections. kube-bench and cli-bench measure it in
 * their own process; floor-process.ts runs it as a whole process of its own. Kept apart from
 * kube-bench so that the process imports nothing else.
 */
import { createKubeClient, type KubeClient } from '../../controller/kube/kube-client';

export const NAMESPACES = 10;
export const CONFIGMAPS_PER_NS = 99;
export const FLOOR_CONNECTIONS = 50;

/**
 * The floor's client: FLOOR_CONNECTIONS keep-alive connections (twice the concurrency), the same
 * for the in-process floor, the floor as a process and the floor on another Node.
 */
export function floorClient(kubeconfig: string, context?: string): KubeClient {
  return createKubeClient({
    kubeconfig,
    ...(context ? { context } : {}),
    concurrency: FLOOR_CONNECTIONS / 2,
  });
}

/** Wall time of `fn`, in whole ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return Math.round(performance.now() - started);
}

/** Raw server-side apply of every object over `connections` keep-alive sockets: the floor (cli-bench and floor-process use it too). */
export async function floor(client: KubeClient, prefix: string): Promise<number> {
  const bodies: { path: string; body: string }[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `${prefix}-${n}`;
    for (let i = 0; i < CONFIGMAPS_PER_NS; i++) {
      bodies.push({
        path: `/api/v1/namespaces/${ns}/configmaps/cm-${i}`,
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, namespace: ns, labels: { app: 'bench' } },
          data: { index: String(i), version: '0', payload: 'x'.repeat(200) },
        }),
      });
    }
  }
  const send = (path: string, body: string) =>
    client.request({
      method: 'PATCH',
      path,
      query: { fieldManager: 'floor', force: 'true' },
      body,
      contentType: 'application/apply-patch+yaml',
    });
  return timed(async () => {
    await Promise.all(
      Array.from({ length: NAMESPACES }, (_, n) =>
        send(
          `/api/v1/namespaces/${prefix}-${n}`,
          JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${prefix}-${n}` } }),
        ),
      ),
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: FLOOR_CONNECTIONS }, async () => {
        while (next < bodies.length) {
          const { path, body } = bodies[next++]!;
          const res = await send(path, body);
          if (res.status !== 200 && res.status !== 201) throw new Error(`floor apply: HTTP ${res.status}`);
        }
      }),
    );
  });
}
