import { dump } from 'js-yaml';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { createKubeClient, type KubeClient, type KubeRequest } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { crd } from '../../helpers/crd-bundle';
import { kubeKit } from './kube-kit';

jest.setTimeout(300_000);

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** A request and the size of its answer's JSON. */
interface Seen {
  readonly req: KubeRequest;
  readonly bytes: number;
}

/**
 * A bundle of large CustomResourceDefinitions (issue 29), against the real kube-apiserver: each new
 * CRD is sent once (no dry run before it), an unchanged bundle sends nothing, and the CRDs of other
 * tenants in the cluster are never read with their schemas.
 */
describe('a bundle of large CRDs', () => {
  const kit = kubeKit('large');
  afterAll(() => kit.cleanup());

  it('sends each new CRD once, sends nothing when unchanged, and never reads another tenant’s schema', async () => {
    // Given another tenant's 300 KB CRD in the cluster, and an applier whose requests are recorded
    const group = `${kit.id}.cairn.test`;
    const foreign = crd(`other.${group}`, 'Foreign', 300 * 1024);
    const foreignPath = `${CRDS}/${(foreign.metadata as { name: string }).name}`;
    kit.track(foreignPath);
    const put = await kit.client.request({
      method: 'PATCH',
      path: foreignPath,
      query: { fieldManager: 'other-tenant', force: 'true' },
      body: JSON.stringify(foreign),
      contentType: 'application/apply-patch+yaml',
    });
    expect(put.status).toBe(201);
    const sandbox = sandboxEnv();
    const real = createKubeClient({ ...sandbox.kubernetes, concurrency: 4 });
    const seen: Seen[] = [];
    const client: KubeClient = {
      server: real.server,
      request: async (req) => {
        const res = await real.request(req);
        seen.push({ req, bytes: JSON.stringify(res.body ?? '').length });
        return res;
      },
      close: () => real.close(),
    };
    const bundle = Array.from({ length: 6 }, (_, i) => crd(group, `Big${i}`, 120 * 1024));
    for (const c of bundle) kit.track(`${CRDS}/${(c.metadata as { name: string }).name}`);
    const namespace = kit.name('ns');
    const applier = createKubeApplier(
      { env: 'large', repository: 'https://git.example.com/platform/large.git' },
      kit.target(namespace, {
        clusterResources: ['Namespace', 'CustomResourceDefinition'],
        // a loaded machine's apiserver can take a while to establish six large CRDs
        healthTimeoutMs: 240_000,
      }),
      silentLog(),
      { client },
    );
    const ws = await kit.workspace({
      'crds.yaml': bundle.map((c) => dump(c, { lineWidth: -1 })).join('---\n'),
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'thing.yaml': `apiVersion: ${group}/v1\nkind: Big0\nmetadata: {name: one}\nspec: {}`,
    });

    // When the bundle is applied to a cluster that has none of it
    const fresh = await applier.apply(await applier.load(ws));

    // Then every object was created, each CRD with exactly one request that wrote it and no dry run
    expect(fresh.failure).toBeUndefined();
    expect(fresh.changes.map((c) => c.action)).toEqual(Array(8).fill('created'));
    const patches = seen.filter((s) => s.req.method === 'PATCH' && s.req.path.startsWith(CRDS));
    expect(patches).toHaveLength(6);
    expect(patches.filter((s) => s.req.query?.dryRun)).toEqual([]);
    // and a real apply keeps no whole-object diff of a created object (Git has it at this commit)
    expect(fresh.changes.filter((c) => c.diff)).toEqual([]);
    // and the CRD collection was read as metadata only: the other tenant's schema never came back
    const lists = seen.filter((s) => s.req.method === 'GET' && s.req.path === CRDS);
    expect(lists.length).toBeGreaterThan(0);
    for (const l of lists) {
      expect(l.req.accept).toMatch(/as=PartialObjectMetadataList/);
      expect(l.bytes).toBeLessThan(100 * 1024);
    }

    // When the same tree is applied again, and checked for drift
    seen.length = 0;
    const again = await applier.apply(await applier.load(ws));
    const drifted = await applier.drifted();

    // Then no object is written (the inventory may record the versions the CRDs' status moved to),
    // and no CRD body is read but those of its own CRDs (their health)
    expect(again.failure).toBeUndefined();
    expect(again.changes.map((c) => c.action)).toEqual(Array(8).fill('unchanged'));
    expect(
      seen.filter((s) => s.req.method !== 'GET' && !s.req.path.includes('/configmaps/cairn-inventory-')),
    ).toEqual([]);
    expect(seen.filter((s) => s.req.path === foreignPath)).toEqual([]);
    expect(drifted).toEqual([]);

    // And a CRD edited by hand is found as drift, from its metadata
    const edited = `${CRDS}/${(bundle[2]!.metadata as { name: string }).name}`;
    await kit.edit(edited, { metadata: { labels: { edited: 'by-hand' } } });
    expect(await applier.drifted()).toEqual([
      `CustomResourceDefinition/${(bundle[2]!.metadata as { name: string }).name}`,
    ]);
    // and the next apply checks it against its body (a dry run), leaving the hand-made label alone
    seen.length = 0;
    const repaired = await applier.apply(await applier.load(ws));
    expect(repaired.failure).toBeUndefined();
    expect(repaired.changes.map((c) => c.action)).toEqual(Array(8).fill('unchanged'));
    expect(seen.filter((s) => s.req.method === 'GET' && s.req.path === edited && !s.req.accept)).not.toEqual(
      [],
    );
    expect(seen.filter((s) => s.req.method === 'PATCH').map((s) => s.req.query?.dryRun)).toContain('All');
    await applier.close();
    real.close();
  });
});
