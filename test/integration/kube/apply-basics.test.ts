import { changeNamed, kindOf, kubeKit, yamlDocs } from './kube-kit';

const kit = kubeKit('basics');
afterAll(() => kit.cleanup());

const configMap = (name: string, data: Record<string, string>, ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data: ${JSON.stringify(data)}\n`;

describe('kube applier: create, update, unchanged', () => {
  it('creates, then leaves an unchanged object untouched, then updates a changed one', async () => {
    // given a fresh namespace and a commit with one ConfigMap that names no namespace
    const ns = kit.name('cru');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const v1 = await applier.load(
      await kit.workspace({
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
        'app/cm.yaml': configMap('settings', { a: '1' }),
      }),
    );

    // when it is applied twice, then changed
    const first = await applier.apply(v1);
    const before = await kit.get(`/api/v1/namespaces/${ns}/configmaps/settings`);
    const second = await applier.apply(v1);
    const after = await kit.get(`/api/v1/namespaces/${ns}/configmaps/settings`);
    const v2 = await applier.load(
      await kit.workspace({
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
        'app/cm.yaml': configMap('settings', { a: '2' }),
      }),
    );
    const plan = await applier.plan(v2);
    const third = await applier.apply(v2);

    // then the first creates both (default namespace filled in), the second changes nothing, the third updates
    expect(first.failure).toBeUndefined();
    expect(first.changes.map((c) => [c.subject, c.action])).toEqual([
      [`Namespace/${ns}`, 'created'],
      [`ConfigMap/${ns}/settings`, 'created'],
    ]);
    expect(first.changes[1]!.file).toBe('k8s-resources/app/cm.yaml');
    expect(second.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(changeNamed(plan, 'settings')).toMatchObject({
      action: 'configured',
      diff: expect.stringContaining('+   a: "2"'),
    });
    expect(changeNamed(third, 'settings')?.action).toBe('configured');
    expect((await kit.get(`/api/v1/namespaces/${ns}/configmaps/settings`))?.data).toEqual({ a: '2' });
  });

  it('creates a Namespace before the objects inside it, from one commit listing them the other way round', async () => {
    // given a file that lists a Deployment and a ConfigMap before the Namespace they live in
    const ns = kit.name('order');
    const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n`;
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const manifests = await applier.load(
      await kit.workspace({
        'all.yaml': yamlDocs(
          deploy,
          configMap('c', { k: 'v' }, ns),
          `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`,
        ),
      }),
    );

    // when applied (the sandbox's controller-manager rolls the Deployment out)
    const result = await applier.apply(manifests);

    // then the namespace went first and everything was created
    expect(result.changes.map((c) => `${kindOf(c)}:${c.action}`)).toEqual([
      'Namespace:created',
      'ConfigMap:created',
      'Deployment:created',
    ]);
    expect(result.failure).toBeUndefined();
  });

  it('reports a manifest the API rejects as failed, naming the object and the file, without throwing', async () => {
    // given a ConfigMap with an invalid data key next to a valid one
    const ns = kit.name('reject');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const manifests = await applier.load(
      await kit.workspace({
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
        'bad.yaml': yamlDocs(configMap('good', { a: '1' }), configMap('bad', { 'not valid!': 'x' })),
      }),
    );

    // when applied
    const result = await applier.apply(manifests);

    // then only the bad one failed, and the failure leads with Kind/namespace/name (file)
    expect(result.failure).toMatchObject({
      code: 'kube.rejected',
      phase: 'apply-kubernetes',
      retryable: false,
      subject: `ConfigMap/${ns}/bad`,
    });
    expect(changeNamed(result, 'bad')).toMatchObject({ action: 'skipped', reason: 'failed' });
    expect(result.failure?.message).toMatch(
      new RegExp(
        `^ConfigMap/${ns}/bad \\(k8s-resources/bad.yaml\\): the API server refused it \\(HTTP 422\\)`,
      ),
    );
    expect(changeNamed(result, 'good')?.action).toBe('created');
  });

  it('never shows Secret values in the plan, the outcomes or the logs', async () => {
    // given a Secret with data and stringData
    const ns = kit.name('secret');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const secret = (pw: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: ${pw}}\ndata: {token: ${Buffer.from(pw + '-tok').toString('base64')}}\n`;
    const ws = (pw: string) =>
      kit.workspace({
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
        's.yaml': secret(pw),
      });

    // when it is planned, created and then changed
    const plan1 = await applier.plan(await applier.load(await ws('hunter2-first')));
    const created = await applier.apply(await applier.load(await ws('hunter2-first')));
    const plan2 = await applier.plan(await applier.load(await ws('hunter2-second')));
    const updated = await applier.apply(await applier.load(await ws('hunter2-second')));

    // then the diffs name the changed keys but no value appears anywhere
    const text = JSON.stringify([plan1, created, plan2, updated]) + kit.logs.join('');
    expect(text).not.toMatch(/hunter2/);
    expect(text).not.toContain(Buffer.from('hunter2-first').toString('base64'));
    expect(text).not.toContain(Buffer.from('hunter2-second-tok').toString('base64'));
    expect(changeNamed(plan2, 'creds')?.diff).toContain('[redacted, changed]');
    expect(changeNamed(updated, 'creds')?.action).toBe('configured');
  });

  it('never quotes a Secret value the API server refuses for its type, in the plan, the outcome or the logs', async () => {
    // given Secrets whose values YAML reads as a number, a list, and a text where a map is due (one
    // spanning lines, imitating a second error), all refused by the server's type check
    const ns = kit.name('secret-type');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const secret = (name: string, body: string) =>
      `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\n${body}\n`;
    const manifests = await applier.load(
      await kit.workspace({
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
        'pin.yaml': secret('pin', 'stringData: {pin: 73916482, code: [hunter2-list]}'),
      }),
    );

    // when they are planned and applied
    const plan = await applier.plan(manifests);
    const applied = await applier.apply(manifests);
    const scalar = await applier.apply(
      await applier.load(
        await kit.workspace({
          'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
          'scalar.yaml': secret('scalar', 'stringData: |\n  hunter2-line1\n  .data.x: hunter2-line2'),
        }),
      ),
    );

    // then each failure names the field, and no value appears anywhere
    for (const result of [plan, applied])
      expect(result.failure?.message).toMatch(/\.stringData\.(pin|code): expected string, got \[redacted\]/);
    expect(scalar.failure?.message).toMatch(/\.stringData: expected map, got \[redacted\]/);
    expect(JSON.stringify([plan, applied, scalar]) + kit.logs.join('')).not.toMatch(/73916482|hunter2/);
    // and the refusal (a 500 from the server) is terminal: the same object fails the same way until
    // a commit fixes it, so it is not retried
    for (const result of [plan, applied, scalar])
      expect(result.failure).toMatchObject({ code: 'kube.rejected', retryable: false });
  });
});
