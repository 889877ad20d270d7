import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Assembly } from '../../../cdk/types';
import type { EnvironmentConfig } from '../../../controller/config/types';
import type { KubeApplier, KubeLoadOptions, Manifest } from '../../../controller/kube/types';
import { SECRET_VALUE } from '../../../controller/kube/aws-bindings';
import { parseManifestFile } from '../../../controller/kube/parse-manifests';
import {
  checkBindings,
  hideBoundValues,
  hideSecretValues,
  OUTPUT_VALUE,
  plannedBindings,
} from '../../../controller/reconcile/bind-outputs';
import { FakeAws } from '../../helpers/reconcile-fakes';

/** A KubeApplier whose load runs the transform over fixed files, as readManifests does. */
class TextKube implements KubeApplier {
  constructor(private readonly files: Readonly<Record<string, string>>) {}
  async load(_dir: string, options: KubeLoadOptions = {}): Promise<readonly Manifest[]> {
    for (const [file, text] of Object.entries(this.files)) options.transform?.(file, text);
    return [];
  }
  plan(): never {
    throw new Error('not used');
  }
  apply(): never {
    throw new Error('not used');
  }
  async drifted() {
    return [];
  }
  async close() {}
}

/** A KubeApplier whose load runs the transform and parses the files, as readManifests does. */
class ParsingKube extends TextKube {
  constructor(private readonly texts: Readonly<Record<string, string>>) {
    super(texts);
  }
  override async load(_dir: string, options: KubeLoadOptions = {}): Promise<readonly Manifest[]> {
    return Object.entries(this.texts).flatMap(([file, text]) =>
      parseManifestFile(options.transform?.(file, text) ?? text, file),
    );
  }
}

const env = (order: EnvironmentConfig['order'] = 'aws-first'): EnvironmentConfig => ({
  name: 'dev',
  branch: 'dev',
  order,
  driftIntervalMs: 0,
});
const FILE = 'k8s-resources/queue.yaml';
const kube = new TextKube({ [FILE]: 'a: 1\nurl: ${aws:dev-data.QueueUrl}\n' });

let dir: string;
let assembly: Assembly;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-bind-'));
  const templateFile = join(dir, 'dev-data.template.json');
  writeFileSync(templateFile, JSON.stringify({ Resources: {}, Outputs: { Other: { Value: 'x' } } }));
  assembly = {
    dir,
    stacks: [
      {
        stackName: 'dev-data',
        id: 'Data',
        templateFile,
        dependencies: [],
        tags: {},
        terminationProtection: false,
        assetManifests: [],
      },
    ],
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkBindings (before anything is applied)', () => {
  it('refuses an environment that applies Kubernetes first', async () => {
    await expect(
      checkBindings(env('kubernetes-first'), kube, dir, new FakeAws(), undefined),
    ).rejects.toMatchObject({
      code: 'config.order',
      message: expect.stringContaining('k8s-resources/queue.yaml:2'),
    });
  });

  it("fails an output this commit's stack does not declare, without asking CloudFormation", async () => {
    const aws = new FakeAws();
    await expect(checkBindings(env(), kube, dir, aws, assembly)).rejects.toMatchObject({
      code: 'aws.output-missing',
      subject: `${FILE}:2`,
      message: expect.stringContaining('declares no output QueueUrl'),
    });
    expect(aws.calls.filter((c) => c.startsWith('outputs'))).toEqual([]);
  });

  it('binds a live stack of this environment, and refuses one the environment does not hold (bounds)', async () => {
    const aws = new FakeAws();
    // The applier answers only this environment's stacks: another environment's is absent.
    await expect(checkBindings(env(), kube, dir, aws, undefined)).rejects.toMatchObject({
      code: 'aws.output-missing',
      message: expect.stringContaining("nor among this environment's live stacks"),
    });
    aws.live.set('dev-data', new Map([['QueueUrl', 'http://q']]));
    const checked = await checkBindings(env(), kube, dir, aws, undefined);
    expect(checked.refs).toEqual([{ file: FILE, line: 2, stackName: 'dev-data', outputKey: 'QueueUrl' }]);
  });
});

describe('plannedBindings (what cairn plan shows)', () => {
  const URL = 'http://localhost:5000/123456789012/jobs';
  const TOKEN = 'db-password-from-an-output';
  const secretFile = (where: string) =>
    [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db',
      ...(where === 'annotation' ? ['  annotations:', '    note: ${aws:dev-data.Token}'] : []),
      ...(where === 'stringData' ? ['stringData:', '  password: ${aws:dev-data.Token}'] : []),
      '---',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: { name: queue }',
      'data:',
      '  url: ${aws:dev-data.QueueUrl}',
    ].join('\n');

  it.each(['stringData', 'annotation'])(
    'shows a value bound into a Secret (%s) as (secret), and one in a ConfigMap of the same file',
    async (where) => {
      // Given a file binding one output into a Secret and another into a ConfigMap
      const kube = new ParsingKube({ [FILE]: secretFile(where) });
      const aws = new FakeAws();
      aws.live.set(
        'dev-data',
        new Map([
          ['QueueUrl', URL],
          ['Token', TOKEN],
        ]),
      );
      const checked = await checkBindings(env(), kube, dir, aws, undefined);
      // When the plan reads the values
      const planned = await plannedBindings(kube, dir, aws, checked, undefined);
      // Then the Secret's value is hidden, the ConfigMap's shown, and the dry run gets both
      expect(planned.bindings.map((b) => [b.key, b.value])).toEqual([
        ['dev-data.Token', SECRET_VALUE],
        ['dev-data.QueueUrl', URL],
      ]);
      expect(JSON.stringify(planned.bindings)).not.toContain(TOKEN);
      expect(planned.secretValues).toEqual([TOKEN]);
      expect([...planned.liveValues].sort()).toEqual([TOKEN, URL].sort());
      expect(JSON.stringify(planned.manifests)).toContain(TOKEN);
    },
  );

  it("a pull request's plan shows no live output value: in any object's diff, subject or reason, any spelling, nor its failure", () => {
    const plan = hideBoundValues(
      {
        changes: [
          {
            target: 'kubernetes',
            subject: `ConfigMap/apps/${TOKEN}`,
            action: 'configured',
            diff: `+   u: ${TOKEN}\n+   j: "${JSON.stringify(`"${TOKEN}`).slice(1, -1)}"\n+   s: short`,
            reason: `refused: ${encodeURIComponent(TOKEN)}`,
            warnings: [`webhook: value "${TOKEN}" looks odd`],
          },
        ],
        failure: {
          code: 'kube.invalid',
          phase: 'plan',
          retryable: false,
          subject: `Service/apps/${TOKEN}`,
          message: `spec.type: Unsupported value: "${TOKEN}"`,
        },
      },
      [TOKEN, 'short'],
    );
    expect(JSON.stringify(plan)).not.toContain(TOKEN);
    expect(plan.changes[0]).toMatchObject({
      subject: `ConfigMap/apps/${OUTPUT_VALUE}`,
      reason: `refused: ${OUTPUT_VALUE}`,
      warnings: [`webhook: value "${OUTPUT_VALUE}" looks odd`],
    });
    // (a value under six characters is left: hiding it would hide ordinary words of every diff)
    expect(plan.changes[0]!.diff).toContain('+   s: short');
    expect(plan.failure).toMatchObject({ message: `spec.type: Unsupported value: "${OUTPUT_VALUE}"` });
  });

  it("hides a Secret's bound values in its diff and warnings, and leaves other objects' alone", () => {
    const plan = hideSecretValues(
      {
        changes: [
          {
            target: 'kubernetes',
            subject: 'Secret/apps/db',
            action: 'configured',
            diff: `+     note: ${TOKEN}`,
            warnings: [`webhook saw ${TOKEN}`],
          },
          {
            target: 'kubernetes',
            subject: 'ConfigMap/apps/q',
            action: 'configured',
            diff: `+   u: ${TOKEN}`,
          },
        ],
      },
      [TOKEN],
    );
    expect(plan.changes.map((c) => c.diff)).toEqual([`+     note: ${SECRET_VALUE}`, `+   u: ${TOKEN}`]);
    expect(plan.changes[0]!.warnings).toEqual([`webhook saw ${SECRET_VALUE}`]);
  });
});
