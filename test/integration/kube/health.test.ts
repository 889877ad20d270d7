import { kubeKit } from './kube-kit';

const kit = kubeKit('health');
afterAll(() => kit.cleanup());

const nsDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n`;
const job = `apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n`;

describe('kube applier: health', () => {
  it('waits for a Deployment to roll out before it reports success', async () => {
    // given a Deployment that a controller rolls out after a moment
    const ns = kit.name('rollout');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 10_000 }));
    const manifests = await applier.load(await kit.workspace({ 'ns.yaml': nsDoc(ns), 'd.yaml': deployment }));
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
    const rollout = (async () => {
      await new Promise((r) => setTimeout(r, 400));
      await kit.rollOut(path, 2);
    })();

    // when applied
    const started = Date.now();
    const result = await applier.apply(manifests);
    await rollout;

    // then the apply waited for the status and succeeded
    expect(result.failure).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it.each([
    {
      name: 'times out on a Job that never completes',
      status: undefined,
      message: /not healthy after 1s: the job has not completed/,
    },
    {
      name: 'fails on a Job that failed',
      status: {
        failed: 1,
        conditions: ['FailureTarget', 'Failed'].map((type) => ({
          type,
          status: 'True',
          reason: 'BackoffLimitExceeded',
        })),
      },
      message: /job failed: BackoffLimitExceeded/,
    },
  ])('$name', async ({ status, message }) => {
    // given a Job whose status says it never completes, or failed
    const ns = kit.name('job');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 1000 }));
    const manifests = await applier.load(await kit.workspace({ 'ns.yaml': nsDoc(ns), 'j.yaml': job }));
    const path = `/apis/batch/v1/namespaces/${ns}/jobs/migrate`;
    const writer = status
      ? (async () => {
          for (let i = 0; i < 40 && !(await kit.get(path)); i++) await new Promise((r) => setTimeout(r, 25));
          await kit.writeStatus(path, { ...status, startTime: new Date().toISOString() });
        })()
      : Promise.resolve();

    // when applied
    const [result] = await Promise.all([applier.apply(manifests), writer]);

    // then it is not ok, the Job carries the reason, and the error names it
    expect(result.changes.find((c) => c.subject.startsWith('Job/'))?.action).toBe('created');
    expect(result.failure).toMatchObject({
      code: 'kube.unhealthy',
      phase: 'verify',
      subject: `Job/${ns}/migrate`,
    });
    expect(result.failure?.message).toMatch(message);
    expect(result.failure?.message).toMatch(/^Job\/.*\/migrate \(k8s-resources\/j\.yaml\): not healthy/);
  });
});
