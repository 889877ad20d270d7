import { ownerOf } from '../../../controller/kube/identity';
import { createInventory } from '../../../controller/kube/inventory';
import type { KubeClient, KubeRequest, KubeResponse } from '../../../controller/kube/kube-client';

const WEBHOOK = 'policy.example.com: label "team" is not set';
const NAMESPACE_WEBHOOK = 'policy.example.com: namespace "apps" has no owner annotation';

/**
 * A server without the default namespace yet: the first create answers 404, the namespace's apply
 * and the create again go through, each with `warnings` (or none) as an admission webhook adds them.
 */
function freshServer(warn: boolean): KubeClient {
  let creates = 0;
  const answer = (status: number, warning: string): KubeResponse => ({
    status,
    body: { metadata: { resourceVersion: '7' } },
    ...(warn ? { warnings: [warning] } : {}),
  });
  return {
    server: 'https://127.0.0.1:1',
    async request(req: KubeRequest): Promise<KubeResponse> {
      if (req.method === 'PATCH') return answer(201, NAMESPACE_WEBHOOK);
      creates += 1;
      return creates === 1 ? { status: 404, body: {} } : answer(201, WEBHOOK);
    },
    close: () => undefined,
  };
}

describe("an inventory write's warnings from the API server", () => {
  it.each([
    { warn: true, told: [[NAMESPACE_WEBHOOK], [WEBHOOK]] },
    { warn: false, told: [] },
  ])(
    'tells onWarnings what each of its requests was warned about (warned: $warn)',
    async ({ warn, told }) => {
      // Given a fresh environment's inventory, on a server that warns (or does not)
      const inventory = createInventory(
        freshServer(warn),
        'dev',
        ownerOf({ env: 'dev', repository: 'https://git.example/p.git' }),
        'apps',
      );
      const heard: (readonly string[])[] = [];

      // When its first write makes the namespace, then the record
      const version = await inventory.write([], { onWarnings: (w) => heard.push(w) });

      // Then the write landed, and each warning was told, none where there were none
      expect(version).toBe('7');
      expect(heard).toEqual(told);
    },
  );
});
