import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import type { KubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { kubeKit, recordingSandboxClient } from './kube-kit';

jest.setTimeout(60_000);

/**
 * A plan whose caller gave up (a pull request's plan past its deadline) sends no further dry run,
 * and says so in its own words, not a lost Lease's, against the real kube-apiserver.
 */
describe('a dry run skipped because its plan was abandoned', () => {
  const kit = kubeKit('abandoned');
  afterAll(() => kit.cleanup());

  it('is skipped unsent, worded for what happened', async () => {
    // Given a plan of three new objects, one request at a time, whose caller gives up as the
    // first dry run goes out
    const { client: recording, requests } = recordingSandboxClient();
    const abandoned = new AbortController();
    const client: KubeClient = {
      ...recording,
      request: (req) => {
        if (req.method === 'PATCH' && req.query?.dryRun === 'All') abandoned.abort();
        return recording.request(req);
      },
    };
    const namespace = kit.name('ns');
    const applier = createKubeApplier(
      { env: 'abandoned', repository: 'https://git.example.com/platform/abandoned.git' },
      kit.target(namespace, { concurrency: 1 }),
      silentLog(),
      { client },
    );
    const manifests = await applier.load(
      await kit.workspace({
        'cm.yaml': ['a', 'b', 'c']
          .map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\ndata: {a: "1"}`)
          .join('\n---\n'),
      }),
    );

    // When it is planned
    const plan = await applier.plan(manifests, { signal: abandoned.signal });

    // Then one dry run went out, and the two not sent say the plan was abandoned, not a Lease
    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    const skipped = plan.changes.filter((c) => c.action === 'skipped');
    expect(skipped.map((c) => c.reason)).toEqual([
      'not planned: the plan was abandoned',
      'not planned: the plan was abandoned',
    ]);
    expect(JSON.stringify(plan)).not.toContain('Lease');
    await applier.close();
    recording.close();
  });
});
