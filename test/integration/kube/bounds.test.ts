import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { runCli } from '../../helpers/cli';
import { kubeKit } from './kube-kit';

/**
 * What a committer to one environment cannot make cairn do, through `cairn sync` / `cairn plan` as a
 * user runs them, against the sandbox's kube-apiserver (cairn's own identity there is admin).
 */
jest.setTimeout(180_000);
const kit = kubeKit('bounds');
const root = mkdtempSync(join(tmpdir(), 'cairn-bounds-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

/** kubectl as the sandbox's admin: how someone else makes objects by hand. */
const kubectl = (...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args], {
    encoding: 'utf8',
  });

const platform = (
  name: string,
  kubernetes: Record<string, unknown>,
  top: Record<string, unknown> = {},
): LocalPlatform => localPlatform(join(root, name), kubernetes, top);

const cm = (name: string, namespace: string | undefined, data: Record<string, string>) =>
  stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    data,
  });

describe('Kubernetes bounds through cairn sync', () => {
  const ns = kit.name('own');
  const other = kit.name('other');
  const controller = kit.name('ctl');
  const evil = kit.name('evil');
  kit.track(`/api/v1/namespaces/${ns}`);

  it('refuses a commit reaching the cluster, kube-system, cairn and another tenant, and applies none of it', async () => {
    // given an environment bounded to its own namespace, cairn living in `controller`
    const p = platform('escape', { namespace: ns }, { kubernetes: { controllerNamespace: controller } });
    p.commit('escape', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/ok.yaml': cm('in-bounds', undefined, { a: 'b' }),
      'k8s-resources/crb.yaml': stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: evil },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'User', name: 'eve', apiGroup: 'rbac.authorization.k8s.io' }],
      }),
      'k8s-resources/system.yaml': stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'miner', namespace: 'kube-system' },
        spec: {
          selector: { matchLabels: { app: 'miner' } },
          template: {
            metadata: { labels: { app: 'miner' } },
            spec: { containers: [{ name: 'm', image: 'busybox' }] },
          },
        },
      }),
      'k8s-resources/cairn.yaml': cm('cairn-config', controller, { x: 'y' }),
      'k8s-resources/other.yaml': cm('theirs', other, { x: 'y' }),
    });

    // when it is synced
    const { code, entry } = await p.sync();

    // then it fails as kube.out-of-bounds naming each object, its file and bound
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.out-of-bounds');
    const message = entry.failure?.message ?? '';
    expect(message).toContain(
      `k8s-resources/crb.yaml: ClusterRoleBinding/${evil}: the cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not in kubernetes.clusterResources`,
    );
    expect(message).toContain(
      'k8s-resources/system.yaml: Deployment/kube-system/miner: namespace kube-system is never written',
    );
    expect(message).toContain(
      `ConfigMap/${controller}/cairn-config: namespace ${controller} is never written`,
    );
    expect(message).toContain(
      `ConfigMap/${other}/theirs: namespace ${other} is neither kubernetes.namespace`,
    );
    expect(message).not.toContain('in-bounds:');
    // and nothing of the commit exists, not even the in-bounds ConfigMap or its namespace
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/in-bounds`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${ns}`)).toBeUndefined();
    expect(await kit.get(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${evil}`)).toBeUndefined();
    expect(await kit.get('/apis/apps/v1/namespaces/kube-system/deployments/miner')).toBeUndefined();
  });

  it('refuses an object made with kubectl create as kube.unowned, leaves it as it was, and adopts it only when told', async () => {
    // given a ConfigMap someone made by hand in the environment's own namespace
    const team = kit.name('hand');
    kit.track(`/api/v1/namespaces/${team}`);
    kubectl('create', 'namespace', team);
    kubectl('create', 'configmap', 'by-hand', '-n', team, '--from-literal=mode=manual');
    const path = `/api/v1/namespaces/${team}/configmaps/by-hand`;
    const before = await kit.get(path);

    // when a commit declares it and is synced, then synced again after a commit that removes it
    const p = platform('unowned', { namespace: team });
    p.commit('take over', { 'k8s-resources/cm.yaml': cm('by-hand', undefined, { mode: 'cairn' }) });
    const refused = await p.sync();
    p.commit('drop it', {
      'k8s-resources/cm.yaml': null,
      'k8s-resources/keep.yaml': cm('keep', undefined, {}),
    });
    const later = await p.sync();

    // then it was refused naming the object and its manager, and is exactly as it was, never pruned
    expect(refused.code).toBe(1);
    expect(refused.entry.failure?.code).toBe('kube.unowned');
    expect(refused.entry.failure?.message).toContain(`ConfigMap/${team}/by-hand`);
    expect(refused.entry.failure?.message).toContain('managed by kubectl-create');
    expect(later.entry.failure).toBeUndefined();
    expect(later.code).toBe(0);
    const after = await kit.get(path);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.data).toEqual({ mode: 'manual' });

    // and with adoptUnowned: true the same commit adopts it, and it carries the owner mark
    const q = platform('adopting', { namespace: team, adoptUnowned: true });
    q.commit('adopt', { 'k8s-resources/cm.yaml': cm('by-hand', undefined, { mode: 'cairn' }) });
    const adopted = await q.sync();
    expect(adopted.code).toBe(0);
    const owned = await kit.get(path);
    expect(owned?.data).toEqual({ mode: 'cairn' });
    expect(owned?.metadata.labels?.['cairn.dev/owner']).toBeDefined();
  });

  it("plans a pull request naming another tenant's ConfigMap without showing any of its data", async () => {
    // given another tenant's unlabelled ConfigMap in a namespace this environment may write
    const shared = kit.name('shared');
    kit.track(`/api/v1/namespaces/${shared}`);
    kubectl('create', 'namespace', shared);
    kubectl('create', 'configmap', 'db', '-n', shared, '--from-literal=DB_URL=postgres://admin:pw@db');

    // when a tree naming it is planned
    const p = platform('peek', { namespace: shared });
    p.commit('peek', { 'k8s-resources/db.yaml': cm('db', undefined, { DB_URL: 'x' }) });
    const plan = await runCli(['plan', '--config', p.config, '--env', 'dev', '--json']);

    // then the plan says refused and why, and none of the live data is anywhere in its output
    expect(plan.stdout + plan.stderr).not.toContain('admin:pw');
    expect(plan.stdout + plan.stderr).not.toContain('postgres://');
    expect(plan.stdout).toMatch(/refused: not created by cairn/);
  });

  it("does not count another team's existing Namespace as in bounds because the tree declares it", async () => {
    // given another team's Namespace made with kubectl (no cairn owner mark), and an environment with no kubernetes.namespaces
    const own = kit.name('decl-own');
    const theirs = kit.name('decl-theirs');
    const fresh = kit.name('decl-fresh');
    for (const n of [own, theirs, fresh]) kit.track(`/api/v1/namespaces/${n}`);
    kubectl('create', 'namespace', theirs);
    const before = await kit.get(`/api/v1/namespaces/${theirs}`);
    const tree = {
      'k8s-resources/ns.yaml': [own, theirs, fresh]
        .map((name) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
        .join('---\n'),
      'k8s-resources/theirs.yaml': cm('planted', theirs, { a: 'b' }),
      'k8s-resources/fresh.yaml': cm('mine', fresh, { a: 'b' }),
      'k8s-resources/own.yaml': cm('mine', undefined, { a: 'b' }),
    };

    // when a commit that declares that Namespace and writes into it is synced
    const p = platform('declared', { namespace: own });
    p.commit('declare theirs', tree);
    const { code, entry } = await p.sync();

    // then it fails as out of bounds, naming the Namespace and the object in it, and applies nothing
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.out-of-bounds');
    const message = entry.failure?.message ?? '';
    expect(message).toContain(
      `k8s-resources/ns.yaml: Namespace/${theirs}: namespace ${theirs} is declared by this tree but exists without a cairn owner mark`,
    );
    expect(message).toContain(
      `k8s-resources/theirs.yaml: ConfigMap/${theirs}/planted: namespace ${theirs} is declared`,
    );
    expect(message).not.toContain(fresh);
    expect(await kit.get(`/api/v1/namespaces/${theirs}/configmaps/planted`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${fresh}`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${own}/configmaps/mine`)).toBeUndefined();
    const after = await kit.get(`/api/v1/namespaces/${theirs}`);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);

    // and when the config adopts that Namespace by name, the same tree is in bounds and applied
    const q = platform('declared-adopt', { namespace: own, adopt: [`Namespace/${theirs}`] });
    q.commit('declare theirs', tree);
    const adopted = await q.sync();
    expect(adopted.entry.failure).toBeUndefined();
    expect(adopted.code).toBe(0);
    expect(await kit.get(`/api/v1/namespaces/${theirs}/configmaps/planted`)).toBeDefined();
    expect(await kit.get(`/api/v1/namespaces/${fresh}/configmaps/mine`)).toBeDefined();
  });

  it('does not let a tree declare a namespace the config gives another environment, made yet or not', async () => {
    // given a config in which environment prod keeps its namespace (not made yet) and a pattern of
    // others, and environment dev lists no kubernetes.namespaces (its tree's Namespaces widen its bounds)
    const own = kit.name('cfg-own');
    const prodNs = kit.name('cfg-prod');
    const prodExtra = `${kit.name('cfg-jobs')}-x`;
    for (const n of [own, prodNs, prodExtra]) kit.track(`/api/v1/namespaces/${n}`);
    const kubeconfig = sandboxEnv().kubernetes.kubeconfig;
    const p = platform(
      'config-owned',
      {},
      {
        environments: [
          { name: 'dev', kubernetes: { kubeconfig, healthTimeout: '10s', namespace: own } },
          {
            name: 'prod',
            kubernetes: { kubeconfig, namespace: prodNs, namespaces: [`${prodExtra.slice(0, -2)}-*`] },
          },
        ],
      },
    );
    const namespace = (name: string) =>
      stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // when dev's commit declares prod's namespace and one matching prod's pattern, and writes into them
    p.commit('declare prod', {
      'k8s-resources/ns.yaml': [own, prodNs, prodExtra].map(namespace).join('---\n'),
      'k8s-resources/planted.yaml': cm('planted', prodNs, { a: 'b' }),
      'k8s-resources/own.yaml': cm('mine', undefined, { a: 'b' }),
    });
    const { code, entry } = await p.sync();

    // then it fails as out of bounds naming prod, and nothing is made: not even the free-looking Namespaces
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.out-of-bounds');
    const message = entry.failure?.message ?? '';
    expect(message).toContain(
      `k8s-resources/ns.yaml: Namespace/${prodNs}: namespace ${prodNs} is environment prod's`,
    );
    expect(message).toContain(
      `k8s-resources/ns.yaml: Namespace/${prodExtra}: namespace ${prodExtra} is environment prod's`,
    );
    expect(message).toContain(
      `k8s-resources/planted.yaml: ConfigMap/${prodNs}/planted: namespace ${prodNs} is environment prod's`,
    );
    expect(await kit.get(`/api/v1/namespaces/${prodNs}`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${prodExtra}`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${own}/configmaps/mine`)).toBeUndefined();
  });

  it("makes the environment's requests as its ServiceAccount: the apiserver refuses what its Role does not allow", async () => {
    // given a ServiceAccount with a Role on ConfigMaps in its own namespace only
    const mine = kit.name('sa-own');
    const elsewhere = kit.name('sa-else');
    kit.track(`/api/v1/namespaces/${mine}`);
    kit.track(`/api/v1/namespaces/${elsewhere}`);
    kubectl('create', 'namespace', mine);
    kubectl('create', 'namespace', elsewhere);
    kubectl('create', 'serviceaccount', 'deployer', '-n', mine);
    kubectl(
      'create',
      'role',
      'cm',
      '-n',
      mine,
      '--verb=get,list,watch,create,update,patch,delete',
      '--resource=configmaps',
    );
    kubectl('create', 'rolebinding', 'cm', '-n', mine, '--role=cm', `--serviceaccount=${mine}:deployer`);

    // when its tree writes in a namespace the bounds config allows but the Role does not
    const p = platform('impersonated', {
      namespace: mine,
      namespaces: [mine, elsewhere],
      serviceAccount: `${mine}/deployer`,
    });
    p.commit('write elsewhere', {
      'k8s-resources/cm.yaml': cm('reach', elsewhere, { a: 'b' }),
    });
    const { code, entry } = await p.sync();

    // then the apiserver's 403 names the ServiceAccount and nothing was written there
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.forbidden');
    expect(entry.failure?.message).toContain(`system:serviceaccount:${mine}:deployer`);
    expect(await kit.get(`/api/v1/namespaces/${elsewhere}/configmaps/reach`)).toBeUndefined();
  });
});
