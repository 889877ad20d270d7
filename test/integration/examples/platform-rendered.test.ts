import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { makePlatformRepo, type PlatformRepo } from '../../../examples/make-platform-repo';
import { writeDemoConfig } from '../../../examples/write-demo-config';
import { nameOf } from '../../helpers/changes';
import { runCli } from '../../helpers/cli';
import { kubeKit } from '../kube/kube-kit';
import { sandboxDir } from '../../sandbox/sandbox-env';
import { git, tempDir } from './example-fixtures';

/**
 * The example platform's Kustomize overlay (k8s-resources/worker/) and Helm chart
 * (k8s-resources/cache/) reach the sandbox's kube-apiserver through `cairn sync` as a child
 * process: the repository makePlatformRepo builds, the config writeDemoConfig writes (with the
 * sandbox's kustomize v5.8.2 and helm v3.22, run under bubblewrap), one sync per environment.
 * The AWS half of each environment is left out of the config here: the demo e2e test syncs it, and
 * this test is about the rendered folders. Without it the manifests' `${aws:…}` references could
 * not be bound, so each branch first escapes them (`$${aws:…}`, kept as literal text).
 */
jest.setTimeout(300_000);

interface Deployment {
  readonly metadata: { readonly labels?: Record<string, string> };
  readonly spec: {
    readonly replicas: number;
    readonly template: { readonly spec: { readonly containers: readonly { readonly args?: string[] }[] } };
  };
}

const WORKER = 'k8s-resources/worker (kustomize)';
const CACHE = 'k8s-resources/cache (helm chart)';

describe('the example platform rendered through cairn sync', () => {
  const tmp = tempDir('rendered');
  const kit = kubeKit('examples');
  const prefix = `exk${kit.id.slice(-6)}`;
  const configFile = join(tmp.dir, 'cairn.yaml');
  let repo: PlatformRepo;

  beforeAll(async () => {
    repo = await makePlatformRepo(join(tmp.dir, 'platform'), { prefix, envs: ['dev', 'prod'] });
    for (const env of ['dev', 'prod']) escapeBindings(repo.dir, env);
    writeDemoConfig({
      sandboxEnvFile: join(sandboxDir, 'env.json'),
      repoUrl: repo.dir,
      outFile: configFile,
      auditDir: join(tmp.dir, 'audit'),
      prefix,
    });
    const doc = parseDocument(readFileSync(configFile, 'utf8'));
    const envs = doc.get('environments');
    for (const env of isSeq(envs) ? envs.items : []) {
      if (!isMap(env)) continue;
      env.delete('aws');
      env.delete('order');
    }
    writeFileSync(configFile, doc.toString());
    for (const env of ['dev', 'prod']) kit.track(`/api/v1/namespaces/${prefix}-${env}`);
  });
  afterAll(async () => {
    tmp.remove();
    await kit.cleanup();
  });

  /** Commits, on `branch`, every `${aws:` of k8s-resources/ turned into its escape `$${aws:`. */
  function escapeBindings(dir: string, branch: string): void {
    git(dir, 'checkout', '-q', branch);
    for (const file of git(dir, 'grep', '-lF', '${aws:', '--', 'k8s-resources').split('\n')) {
      const path = join(dir, file);
      // A function, because in a replacement string `$$` is itself the escape of one `$`.
      writeFileSync(
        path,
        readFileSync(path, 'utf8').replaceAll('${aws:', () => '$${aws:'),
      );
    }
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-q', '-am', 'no AWS half here');
  }

  const sync = async (env: string) => {
    const result = await runCli(['sync', '--config', configFile, '--env', env, '--json']);
    if (result.code !== 0)
      throw new Error(`cairn sync ${env} exited ${String(result.code)}: ${result.stderr}`);
    return JSON.parse(result.stdout) as AuditEntry;
  };
  const rendered = (entry: AuditEntry) =>
    entry.changes
      .filter((c) => c.target === 'kubernetes' && (c.file === WORKER || c.file === CACHE || !c.file))
      .map((c) => `${nameOf(c)}:${c.action}:${c.file ?? ''}`)
      .sort();
  const deployment = async (env: string, name: string) =>
    (await kit.get(`/apis/apps/v1/namespaces/${prefix}-${env}/deployments/${name}`)) as unknown as
      Deployment | undefined;

  it.each([
    { env: 'dev', workers: 1, tier: 'scratch', caches: 1, memory: '32' },
    { env: 'prod', workers: 2, tier: 'critical', caches: 2, memory: '256' },
  ])(
    'applies the $env overlay and chart: $workers worker(s), $caches cache(s) of $memory MiB',
    async ({ env, workers, tier, caches, memory }) => {
      // Given the environment's branch of the example platform (beforeAll)
      // When cairn syncs it
      const entry = await sync(env);

      // Then the overlay's and the chart's objects are created, each naming its folder
      expect(entry.outcome).toBe('succeeded');
      expect(rendered(entry)).toEqual(
        [`shop-worker:created:${WORKER}`, `cache:created:${CACHE}`, `cache:created:${CACHE}`].sort(),
      );
      // And the cluster holds them with this environment's replicas, labels and values
      const worker = await deployment(env, 'shop-worker');
      expect(worker?.spec.replicas).toBe(workers);
      expect(worker?.metadata.labels).toMatchObject({
        'cairn.dev/environment': env,
        'shop.example/tier': tier,
      });
      const cache = await deployment(env, 'cache');
      expect(cache?.spec.replicas).toBe(caches);
      expect(cache?.spec.template.spec.containers[0]?.args).toEqual(['-m', memory]);
      expect(await kit.get(`/api/v1/namespaces/${prefix}-${env}/services/cache`)).toBeDefined();
    },
  );

  it('changes the dev overlay and prunes the chart when the next dev commit removes it', async () => {
    // Given a dev commit that gives the worker two replicas and removes the cache chart
    git(repo.dir, 'checkout', '-q', 'dev');
    const overlay = join(repo.dir, 'k8s-resources', 'worker', 'kustomization.yaml');
    writeFileSync(overlay, readFileSync(overlay, 'utf8').replace('count: 1', 'count: 2'));
    rmSync(join(repo.dir, 'k8s-resources', 'cache'), { recursive: true });
    git(repo.dir, 'add', '-A');
    git(
      repo.dir,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@x',
      'commit',
      '-q',
      '-m',
      'dev: 2 workers, no cache',
    );

    // When dev is planned, then synced
    const plan = await runCli(['plan', '--config', configFile, '--env', 'dev', '--json']);
    const entry = await sync('dev');

    // Then the plan and the sync agree: the worker is configured through its overlay, and the
    // chart's objects are pruned
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { kubernetes: { changes: AuditEntry['changes'] } };
    expect(rendered({ changes: planned.kubernetes.changes } as AuditEntry)).toEqual(rendered(entry));
    expect(rendered(entry)).toEqual(
      [`shop-worker:configured:${WORKER}`, 'cache:deleted:', 'cache:deleted:'].sort(),
    );
    expect((await deployment('dev', 'shop-worker'))?.spec.replicas).toBe(2);
    expect(await deployment('dev', 'cache')).toBeUndefined();
    // And prod, on its own branch, keeps its cache
    expect((await deployment('prod', 'cache'))?.spec.replicas).toBe(2);
  });
});
