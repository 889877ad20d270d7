import { silentLog } from '../../../controller/log';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { shardLost } from '../../../controller/shard/lease';
import { kubeKit, recordingSandboxClient } from './kube-kit';

const kit = kubeKit('objfence');
afterAll(() => kit.cleanup());

/**
 * The write fence inside one object's settle, on the sandbox's kube-apiserver: a drifted object
 * is dry-run first and applied only when the answer differs, so it takes two requests. The fence
 * stands for the replica's Lease and reports it lost once the dry run has been sent (the replica
 * was paused while it was in flight, and another took over): the real apply must not follow.
 */
describe('the Kubernetes write fence within one object', () => {
  it('does not send the apply that repairs drift once the Lease was lost during its dry run', async () => {
    // given a ConfigMap applied by the environment, then edited by hand (drift)
    const { client, requests } = recordingSandboxClient();
    const namespace = kit.name('ns');
    const env = 'objfence';
    const applier = createKubeApplier(
      { env, repository: 'https://git.example.com/platform/objfence.git' },
      kit.target(namespace),
      silentLog(),
      { client },
    );
    const ws = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}',
    });
    const manifests = await applier.load(ws);
    expect((await applier.apply(manifests)).failure).toBeUndefined();
    const path = `/api/v1/namespaces/${namespace}/configmaps/settings`;
    await kit.edit(path, { data: { a: 'by-hand' } });

    // when it is applied again, and the Lease is lost once the dry run of the ConfigMap was sent
    const writes = (from: number, dryRun: boolean) =>
      requests
        .slice(from)
        .filter((r) => r.method === 'PATCH' && r.path === path && Boolean(r.query?.dryRun) === dryRun);
    const from = requests.length;
    const fence = () => {
      if (writes(from, true).length > 0)
        throw shardLost(
          env,
          'no successful renewal for 12500 ms (the bound is 12000 ms)',
          'apply-kubernetes',
        );
    };
    const result = await applier.apply(manifests, { fence });

    // then the dry run went out and the apply did not: the hand edit stays, and the apply stops with shard.lost
    expect(writes(from, true).length).toBeGreaterThan(0);
    expect(writes(from, false)).toHaveLength(0);
    expect((await kit.get(path))?.data).toEqual({ a: 'by-hand' });
    expect(result.failure?.code).toBe('shard.lost');
    await applier.close();
    client.close();
  });
});
