import { ownerOf } from '../../../controller/kube/identity';
import { createInventory } from '../../../controller/kube/inventory';
import type { KubeClient, KubeRequest, KubeResponse } from '../../../controller/kube/kube-client';
import { isCairnError } from '../../../controller/model';

// A 403 exactly as the kube-apiserver's RBAC authorizer answers a create it does not allow.
const forbiddenCreate: KubeResponse = {
  status: 403,
  body: {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message:
      'configmaps is forbidden: User "system:serviceaccount:cairn:cairn" cannot create resource "configmaps" in API group "" in the namespace "apps"',
    reason: 'Forbidden',
    details: { kind: 'configmaps' },
    code: 403,
  },
} as KubeResponse;

/** A server whose RBAC lets cairn's identity read its inventory by name but not create one (an older Role). */
function olderRole(): KubeClient & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    server: 'https://127.0.0.1:1',
    sent,
    async request(req: KubeRequest): Promise<KubeResponse> {
      sent.push(req.method);
      return req.method === 'POST' ? forbiddenCreate : ({ status: 404, body: {} } as KubeResponse);
    },
    close: () => undefined,
  };
}

describe("an inventory's first write refused by an older Role", () => {
  it('says to apply the identity export again, not to widen --kinds', async () => {
    // Given a Role exported before the first write became a create (get and patch by name only)
    const client = olderRole();
    const inventory = createInventory(
      client,
      'dev',
      ownerOf({ env: 'dev', repository: 'https://git.example/p.git' }),
      'apps',
    );

    // When the first write goes out
    const refused = await inventory.write([]).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Then it was a create, refused as forbidden, with the hint for cairn's own Role
    expect(client.sent).toContain('POST');
    expect(isCairnError(refused) && refused.code).toBe('kube.forbidden');
    const hint = (refused as { hint?: string }).hint ?? '';
    expect(hint).toContain('cairn install --export');
    expect(hint).toContain('cairn-inventory:');
    expect(hint).not.toContain('--kinds');
  });
});
