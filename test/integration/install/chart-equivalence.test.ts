import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../helpers/cli';
import { helmBinary } from '../../helpers/helm';
import { repoRoot } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

const helm = helmBinary();
const chart = join(repoRoot, 'controller', 'install', 'chart');

type Obj = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

/** The objects of a YAML stream keyed by Kind/namespace/name: formatting, order and comments do not count. */
function objects(text: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const o = doc.toJS() as Obj | null;
    if (!o) continue;
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(out.has(key)).toBe(false);
    out.set(key, o);
  }
  return out;
}

/**
 * `helm template` of the chart equals `cairn install --export`, object by object (both parsed), for
 * the defaults and for a set of non-default flags with the matching values.
 */
describe('the Helm chart renders the same objects as cairn install --export', () => {
  it.each([
    { name: 'defaults', flags: [], values: [] },
    {
      name: 'another namespace, one replica, cluster-admin, no synth runner, other images',
      flags: [
        '--namespace',
        'ops',
        '--replicas',
        '1',
        '--cluster-admin',
        '--no-synth-runner',
        '--image',
        'r.example/c:1',
        '--runner-image',
        'r.example/s:1',
      ],
      values: [
        '--set',
        'namespace=ops,replicas=1,clusterAdmin=true,synthRunner=false,image=r.example/c:1,runnerImage=r.example/s:1',
      ],
    },
  ])('$name', async ({ flags, values }) => {
    const exported = await runCli(['install', '--export', ...flags]);
    expect(exported.code).toBe(0);
    const rendered = execFileSync(helm, ['template', 'cairn', chart, ...values], { encoding: 'utf8' });
    const want = objects(exported.stdout);
    const got = objects(rendered);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, object] of want) expect([key, got.get(key)]).toEqual([key, object]);
  });

  it('embeds a given config the same way (--config and --set-file config=)', async () => {
    const file = join(repoRoot, 'test', 'fixtures', 'install', 'cairn.yaml');
    const exported = await runCli(['install', '--export', '--config', file]);
    expect(exported.code).toBe(0);
    const rendered = execFileSync(
      helm,
      [
        'template',
        'cairn',
        chart,
        '--set-file',
        `config=${file}`,
        '--set',
        'secretEnv={FIXTURE_GIT_TOKEN,FIXTURE_WEBHOOK_SECRET}',
      ],
      { encoding: 'utf8' },
    );
    const want = objects(exported.stdout);
    const got = objects(rendered);
    expect(got.get('ConfigMap/cairn/cairn-config')).toEqual(want.get('ConfigMap/cairn/cairn-config'));
    expect(got.get('Deployment/cairn/cairn')).toEqual(want.get('Deployment/cairn/cairn'));
    expect(JSON.stringify(want.get('Deployment/cairn/cairn'))).toContain('FIXTURE_WEBHOOK_SECRET');
  });
});
