import { kubeKit } from './kube-kit';
import { kindOf } from '../../helpers/changes';
import type { KubeObject } from '../../../controller/kube/types';

/**
 * Health waits against the sandbox's real controllers: the controller-manager rolls workloads out
 * and runs Jobs, the scheduler places their pods, and kwok's node runs them (pods become Ready,
 * Job pods complete). Nothing in these tests writes a status.
 */
const kit = kubeKit('health');
afterAll(() => kit.cleanup());

const nsDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
/** A pod spec no node can take: the sandbox's one node is not labelled `pool: gpu`. */
const nowhere = 'nodeSelector: {pool: gpu}';
const podSpec = (extra = '') => `{containers: [{name: c, image: "nginx:1.27"}]${extra ? `, ${extra}` : ''}}`;
const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: ${podSpec()}\n`;
const statefulSet = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: 2\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: ${podSpec()}\n`;
const job = (extraSpec: string, pod = '') =>
  `apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n${extraSpec}  template:\n    spec: ${podSpec(`restartPolicy: Never${pod ? `, ${pod}` : ''}`)}\n`;

const list = async (path: string) =>
  ((await kit.client.request({ method: 'GET', path })).body as { items: KubeObject[] }).items;

describe('kube applier: health against the real controllers', () => {
  it('waits for a Deployment to roll out through a real ReplicaSet and kwok pods', async () => {
    // given a Deployment of two replicas
    const ns = kit.name('rollout');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 60_000 }));
    const manifests = await applier.load(await kit.workspace({ 'ns.yaml': nsDoc(ns), 'd.yaml': deployment }));

    // when applied
    const result = await applier.apply(manifests);

    // then the apply succeeded only once the controller reported both replicas available,
    // through a ReplicaSet the Deployment owns and two Running pods on the kwok node
    expect(result.failure).toBeUndefined();
    const live = await kit.get(`/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(live?.status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2 });
    const [replicaSet, ...more] = await list(`/apis/apps/v1/namespaces/${ns}/replicasets`);
    expect(more).toEqual([]);
    expect(replicaSet?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', controller: true }),
    ]);
    const pods = await list(`/api/v1/namespaces/${ns}/pods`);
    expect(
      pods.map((p) => [(p.spec as { nodeName?: string }).nodeName, (p.status as { phase?: string }).phase]),
    ).toEqual([
      ['kwok-node-0', 'Running'],
      ['kwok-node-0', 'Running'],
    ]);
  });

  it.each([
    {
      name: 'a StatefulSet whose pods become ready is healthy',
      workload: statefulSet,
      ok: true,
      error: undefined,
      live: { path: 'apis/apps/v1/namespaces/NS/statefulsets/db', status: { readyReplicas: 2 } },
    },
    {
      name: 'a Deployment that cannot progress fails at its progress deadline, terminally, with the condition',
      workload: deployment
        .replace('replicas: 2', 'replicas: 2\n  progressDeadlineSeconds: 2')
        .replace(podSpec(), podSpec(nowhere)),
      ok: false,
      error: {
        code: 'kube.rollout-failed',
        phase: 'verify',
        retryable: false,
        message: expect.stringMatching(
          /^Deployment\/[^/]+\/web: failed: ProgressDeadlineExceeded: ReplicaSet "web-[a-z0-9]+" has timed out progressing/,
        ),
      },
    },
    {
      name: 'a Job that completes is healthy',
      workload: job(''),
      ok: true,
      error: undefined,
      live: { path: 'apis/batch/v1/namespaces/NS/jobs/migrate', status: { succeeded: 1 } },
    },
    {
      name: 'a Job that fails is reported with its reason, at once and as terminal',
      // Its pod can never be scheduled, so the Job controller fails it when its deadline passes.
      workload: job('  activeDeadlineSeconds: 2\n  backoffLimit: 0\n', nowhere),
      ok: false,
      error: {
        code: 'kube.rollout-failed',
        phase: 'verify',
        retryable: false,
        message: expect.stringMatching(
          /^Job\/[^/]+\/migrate: failed: DeadlineExceeded: Job was active longer than specified deadline/,
        ),
      },
    },
  ])('$name', async ({ workload, ok, error, live }) => {
    // given the workload in its own namespace, and a health timeout far beyond what it needs
    const ns = kit.name('wl');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 60_000 }));
    const manifests = await applier.load(
      await kit.workspace({ 'ns.yaml': nsDoc(ns), 'workload.yaml': workload }),
    );

    // when applied
    const started = Date.now();
    const result = await applier.apply(manifests);

    // then it is healthy, or failed with the controller's reason long before the timeout
    expect(result.failure === undefined).toBe(ok);
    if (error) expect(result.failure).toMatchObject(error);
    else expect(result.failure).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(45_000);
    if (live) expect((await kit.get(`/${live.path.replace('NS', ns)}`))?.status).toMatchObject(live.status);
  });

  it('times out, retryably, on a Job that cannot start, naming what it waited for', async () => {
    // given a Job whose pod no node can take, and a short health timeout
    const ns = kit.name('job');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 2000 }));
    const manifests = await applier.load(
      await kit.workspace({ 'ns.yaml': nsDoc(ns), 'j.yaml': job('', nowhere) }),
    );

    // when applied
    const result = await applier.apply(manifests);

    // then the Job outcome and the error say it ran out of time, and a retry may help
    expect(result.failure).toBeDefined();
    expect(result.changes.find((c) => kindOf(c) === 'Job')).toMatchObject({
      action: 'created',
      reason: expect.stringMatching(/not healthy after 2s: the job has not completed/),
    });
    expect(result.failure).toMatchObject({ code: 'kube.unhealthy', phase: 'verify', retryable: true });
  });
});
