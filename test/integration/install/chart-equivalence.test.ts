import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { planInstall } from '../../../controller/cli/commands/install';
import { validateConfigFile } from '../../../controller/config/load-config';
import { renderYaml } from '../../../controller/install/manifests';
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

  describe('with environments bound to ServiceAccounts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-chart-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const server = { host: '0.0.0.0', apiTokens: [{ file: '/etc/cairn/secrets/api-token' }] };
    // What the command's validation needs besides the environments (the cases about the sidecar's server).
    const sound = {
      repository: { url: 'https://git.example.com/platform/infra.git' },
      audit: { dir: '/var/lib/cairn/state/audit' },
    };
    const mixed = {
      // Credentials and a trailing slash: the owner id is of the URL without them.
      repository: { url: 'https://user:secret@git.example.com/platform/Infra.git/' },
      environments: [
        {
          name: 'shop',
          instance: 'Shop_Prod',
          // Its hosts listed: the others, without, get the note saying their hosts are unchecked.
          kubernetes: { namespace: 'shop', serviceAccount: 'tenants/shop', hosts: ['shop.example.com'] },
        },
        {
          name: 'a-very-long-environment-name-that-does-not-fit-a-label',
          kubernetes: {
            namespace: 'long',
            serviceAccount: 'tenants/long',
            namespaces: ['shop', 'batch-*', 'long-extra'],
            clusterResources: ['example.com/Widget', 'core/Policy', 'StorageClass'],
          },
        },
        { name: 'Legacy_Env', kubernetes: { serviceAccount: 'legacy/cairn' } },
        // Its ServiceAccount in its own namespace: the note saying so is in both.
        { name: 'own', kubernetes: { namespace: 'own', serviceAccount: 'own/cairn-own' } },
        { name: 'unbound', kubernetes: { namespace: 'free' } },
      ],
      sharding: { enabled: true },
      server,
    };
    const allBound = { ...mixed, environments: mixed.environments.slice(0, 3) };

    it.each([
      {
        name: 'the two-environment fixture',
        file: join(repoRoot, 'test', 'fixtures', 'install', 'two-environments.yaml'),
        flags: [] as string[],
      },
      {
        name: 'instances, long names, a shared namespace, globs, one unbound, 3 replicas',
        config: mixed,
        flags: ['--set', 'replicas=3'],
      },
      {
        name: 'every environment bound, in another namespace, with cluster-admin',
        config: allBound,
        flags: ['--set', 'namespace=ops,clusterAdmin=true'],
      },
      {
        name: 'every environment bound, other kinds',
        config: allBound,
        flags: [
          '--set',
          'kinds[0].group=,kinds[0].resources={configmaps,namespaces},kinds[1].group=apiextensions.k8s.io,kinds[1].resources={customresourcedefinitions}',
        ],
      },
    ])('$name', ({ file, config, flags }) => {
      const path = file ?? join(dir, 'cairn.yaml');
      if (config) writeFileSync(path, stringify(config));
      const text = readFileSync(path, 'utf8');
      const values = new Map<string, string>();
      for (const pair of flags
        .filter((_, i) => i % 2 === 1)
        .join(',')
        .split(/,(?![^{]*})/)) {
        const [k, v] = pair.split('=');
        if (k) values.set(k, v ?? '');
      }
      const kinds =
        values.get('kinds[0].group') !== undefined
          ? ['core/configmaps', 'core/namespaces', 'apiextensions.k8s.io/customresourcedefinitions']
          : undefined;
      const plan = planInstall(
        {
          namespace: values.get('namespace') ?? 'cairn',
          synthRunner: true,
          replicas: values.get('replicas') ?? '1',
          clusterAdmin: values.get('clusterAdmin') === 'true',
          ...(kinds ? { kinds } : {}),
        },
        text,
        path,
        () => undefined,
      );
      if (plan === 2) throw new Error('refused');
      const exported = plan.notes.map((n) => `# ${n}\n`).join('') + renderYaml(plan.objects);
      const secretEnv = text.includes('FIXTURE') ? '{FIXTURE_GIT_TOKEN,FIXTURE_WEBHOOK_SECRET}' : 'null';
      const rendered = execFileSync(
        helm,
        [
          'template',
          'cairn',
          chart,
          '--set-file',
          `config=${path}`,
          '--set',
          `secretEnv=${secretEnv}`,
          ...flags,
        ],
        { encoding: 'utf8' },
      );
      const want = objects(exported);
      const got = objects(rendered);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, object] of want) expect([key, got.get(key)]).toEqual([key, object]);
      // The comments on a glob RBAC cannot grant, on a ServiceAccount in its own namespace and on
      // hosts left unchecked, are in both.
      for (const note of plan.notes) expect(rendered).toContain(`# ${note}`);
    });

    it.each([
      {
        name: 'more than one replica without sharding.enabled',
        config: { environments: [] },
        set: 'replicas=2',
        message: /replicas 2: more than one replica needs sharding.enabled: true/,
      },
      {
        name: 'a ServiceAccount in kube-system',
        config: {
          environments: [{ name: 'x', kubernetes: { namespace: 'x', serviceAccount: 'kube-system/x' } }],
        },
        set: 'replicas=1',
        message: /environment x would be granted namespace "kube-system"/,
      },
      {
        name: 'an unbound environment with kubernetes.requireServiceAccount',
        config: {
          kubernetes: { requireServiceAccount: true },
          environments: [{ name: 'x', kubernetes: { namespace: 'x' } }],
        },
        set: 'replicas=1',
        message: /kubernetes.requireServiceAccount: true, but environment x has no kubernetes.serviceAccount/,
      },
      {
        name: "a namespace in cairn's own",
        config: { environments: [{ name: 'x', kubernetes: { namespace: 'cairn', serviceAccount: 'x/x' } }] },
        set: 'replicas=1',
        message: /would be granted namespace "cairn"/,
      },
      {
        name: 'a sidecar render without an API token',
        config: {
          ...sound,
          environments: [{ name: 'x', kubernetes: { render: { isolation: 'sidecar' } } }],
        },
        server: { host: '0.0.0.0' },
        set: 'replicas=1',
        message:
          /server\.apiTokens: none is configured, but environments\[0\] \(x\) has kubernetes\.render\.isolation: sidecar, and the code/,
      },
      {
        name: 'a sidecar synth with /metrics open',
        config: {
          ...sound,
          environments: [
            {
              name: 'x',
              aws: { region: 'eu-west-1', account: '111111111111', synth: { isolation: 'sidecar' } },
            },
          ],
        },
        server: { host: '0.0.0.0', apiTokens: [{ file: '/etc/cairn/secrets/api-token', scopes: ['read'] }] },
        set: 'replicas=1',
        message:
          /server\.metricsAuth: is not true, but environments\[0\] \(x\) has aws\.synth\.isolation: sidecar, and the code/,
      },
    ])('refuses $name, as the command does', ({ config, server: own, set, message }) => {
      const path = join(dir, 'refused.yaml');
      writeFileSync(path, stringify({ ...config, server: own ?? server }));
      const res = spawnSync(
        helm,
        ['template', 'cairn', chart, '--set-file', `config=${path}`, '--set', set],
        {
          encoding: 'utf8',
        },
      );
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(message);
      let err = '';
      const replicas = /replicas=(\d+)/.exec(set)![1]!;
      const run = () =>
        planInstall(
          { namespace: 'cairn', synthRunner: true, replicas },
          readFileSync(path, 'utf8'),
          path,
          (t) => (err += t),
        );
      let said: string;
      try {
        // The command validates the config first (validateConfigFile), then plans the install.
        const checked = validateConfigFile(path);
        said = run() === 2 ? err : checked.ok ? 'accepted' : checked.errors.join('; ');
      } catch (error) {
        said = (error as Error).message;
      }
      expect(said).toMatch(message);
    });
  });
});
