import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { makePlatformRepo, type PlatformRepo } from '../../../examples/make-platform-repo';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { branchObjects, fakeOutputValues, fakeOutputs, git, tempDir } from './example-fixtures';

const ENVS = ['dev', 'staging', 'prod'] as const;

describe('the example platform repository', () => {
  const tmp = tempDir('repo');
  const prefix = `exr${Math.random().toString(36).slice(2, 7)}`;
  let repo: PlatformRepo;

  beforeAll(async () => {
    repo = await makePlatformRepo(join(tmp.dir, 'platform'), { prefix });
  });
  afterAll(() => tmp.remove());

  it('has one branch per environment, each one commit by the demo author above a shared root', () => {
    // Given the repository makePlatformRepo built (beforeAll)
    // When its branches and commits are listed with git
    const branches = git(repo.dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n');

    // Then dev, staging and prod exist beside main, each one commit ahead of main
    expect(branches.sort()).toEqual(['dev', 'main', 'prod', 'staging']);
    expect(repo.branches).toEqual([...ENVS]);
    for (const env of ENVS) {
      expect(git(repo.dir, 'rev-parse', env)).toBe(repo.heads[env]);
      expect(git(repo.dir, 'rev-list', '--count', `main..${env}`)).toBe('1');
      expect(git(repo.dir, 'log', '-1', '--format=%an <%ae>|%s', env)).toBe(
        `cairn demo <demo@cairn.local>|${env}: the ${prefix} platform for the ${env} environment`,
      );
    }
    // And the working tree is left on the first environment
    expect(git(repo.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('dev');
  });

  it('holds the same aws-resources/ on every branch and a different k8s-resources/ on each', () => {
    // When the two folders' tree hashes are read per branch
    const tree = (env: string, folder: string) => git(repo.dir, 'rev-parse', `${env}:${folder}`);

    // Then the CDK app is shared (sizes come from the context) and the manifests differ pairwise
    expect(new Set(ENVS.map((env) => tree(env, 'aws-resources'))).size).toBe(1);
    expect(new Set(ENVS.map((env) => tree(env, 'k8s-resources'))).size).toBe(3);
  });

  const PLAIN = ['ConfigMap', 'Deployment', 'Namespace', 'Service', 'ServiceAccount'];
  it.each([
    {
      env: 'dev',
      plain: PLAIN,
      replicas: 1,
      logLevel: 'debug',
      workers: 1,
      tier: 'scratch',
      cache: [1, '32'],
    },
    {
      env: 'staging',
      plain: PLAIN,
      replicas: 1,
      logLevel: 'info',
      workers: 1,
      tier: 'standard',
      cache: [1, '64'],
    },
    {
      env: 'prod',
      plain: [...PLAIN.slice(0, 3), 'PodDisruptionBudget', ...PLAIN.slice(3)],
      replicas: 2,
      logLevel: 'warn',
      workers: 2,
      tier: 'critical',
      cache: [2, '256'],
    },
  ] as const)(
    'gives $env its own namespace, $replicas api replica(s), $workers worker(s) and log level $logLevel',
    async ({ env, plain, replicas, logLevel, workers, tier, cache }) => {
      // When the branch's manifests are read as the controller reads them (overlay and chart
      // rendered), with stand-in values for the data stack's outputs (the demo e2e binds real ones)
      const namespace = `${prefix}-${env}`;
      const objects = await branchObjects(repo.dir, env, namespace, fakeOutputs(prefix, env));
      const from = (file: string) => objects.filter((o) => o.file === file);
      const find = (file: string, kind: string) => from(file).find((o) => o.kind === kind);

      // Then the plain files, the Kustomize overlay and the Helm chart give the expected kinds,
      // all in (or being) the environment's namespace
      expect(
        objects
          .filter((o) => !o.file.includes(' ('))
          .map((o) => o.kind)
          .sort(),
      ).toEqual(plain);
      expect(from('k8s-resources/worker (kustomize)').map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'Deployment/shop-worker',
      ]);
      expect(
        from('k8s-resources/cache (helm chart)')
          .map((o) => `${o.kind}/${o.metadata.name}`)
          .sort(),
      ).toEqual(['Deployment/cache', 'Service/cache']);
      for (const o of objects)
        expect(o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace).toBe(namespace);
      // And the per-environment values are filled in, with no placeholder left
      expect(find('k8s-resources/deployment.yaml', 'Deployment')?.spec?.replicas).toBe(replicas);
      expect(objects.find((o) => o.kind === 'ConfigMap')?.data).toMatchObject({
        ENVIRONMENT: env,
        QUEUE_NAME: `${prefix}-${env}-jobs`,
        TABLE_NAME: `${prefix}-${env}-orders`,
        LOG_LEVEL: logLevel,
      });
      // And the queue URL and the IRSA role ARN are the outputs of this environment's data stack
      const outputs = fakeOutputValues(`${prefix}-${env}-data`);
      expect(objects.find((o) => o.kind === 'ConfigMap')?.data?.QUEUE_URL).toBe(outputs.QueueUrl);
      expect(find('k8s-resources/service-account.yaml', 'ServiceAccount')?.metadata.annotations).toEqual({
        'eks.amazonaws.com/role-arn': outputs.RoleArn,
      });
      expect(
        (find('k8s-resources/deployment.yaml', 'Deployment')?.spec?.template as { spec: object }).spec,
      ).toMatchObject({ serviceAccountName: 'shop-api' });
      // And the overlay of this branch set the worker's replicas and labels
      const worker = find('k8s-resources/worker (kustomize)', 'Deployment')!;
      expect(worker.spec?.replicas).toBe(workers);
      expect((worker.metadata as { labels?: Record<string, string> }).labels).toMatchObject({
        'app.kubernetes.io/part-of': prefix,
        'cairn.dev/environment': env,
        'shop.example/tier': tier,
      });
      // And the chart took values-<env>.yaml over values.yaml
      const memcached = find('k8s-resources/cache (helm chart)', 'Deployment')!;
      expect(memcached.spec?.replicas).toBe(cache[0]);
      expect(JSON.stringify(memcached.spec)).toContain(`"args":["-m","${cache[1]}"]`);
      expect(JSON.stringify(objects)).not.toContain('${');
    },
  );

  it.each(ENVS)('has manifests the real kube-apiserver accepts for %s (server-side dry run)', async (env) => {
    // Given a client for the sandbox's kube-apiserver
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    kc.setCurrentContext(sandboxEnv().kubernetes.context);
    const client = KubernetesObjectApi.makeApiClient(kc);

    // When every object is created with dryRun=All (namespaced ones in `default`, because the
    // sandbox cannot delete namespaces and a dry-run namespace does not exist for the others)
    const objects = await branchObjects(repo.dir, env, `${prefix}-${env}`, fakeOutputs(prefix, env));
    const answers = await Promise.all(
      objects.map((o) => {
        const { file: _file, ...object } = o;
        const spec = (
          object.kind === 'Namespace'
            ? object
            : { ...object, metadata: { ...object.metadata, namespace: 'default' } }
        ) as KubernetesObject;
        return client.create(spec, undefined, 'All', 'cairn-example-test');
      }),
    );

    // Then the server validated and defaulted each one without storing it
    expect(answers.map((a) => a.kind)).toEqual(objects.map((o) => o.kind));
    for (const answer of answers) expect(answer.metadata?.uid).toBeDefined();
    const namespaces = await client.list('v1', 'Namespace');
    expect(namespaces.items.map((n) => n.metadata?.name)).not.toContain(`${prefix}-${env}`);
  });

  it('refuses to build into a folder that is not empty', async () => {
    // Given a folder with a file in it
    const target = join(tmp.dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'mine');

    // When the repository is built there, then it fails naming the folder and what to do
    await expect(makePlatformRepo(target)).rejects.toThrow(
      `${target}: is not empty. give makePlatformRepo a new or empty folder`,
    );
  });
});
