import { execFileSync } from 'node:child_process';
import type { KubeApplier } from '../../../controller/kube/types';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { changeNamed, kubeKit, namesWith } from './kube-kit';

/**
 * An environment applying as its ServiceAccount whose RBAC was narrowed after cairn applied: the
 * sandbox's kube-apiserver answers 403 for the objects it may no longer read or delete. cairn
 * reports each such object (naming it and the identity), goes on with the others, and keeps it in
 * the inventory so it is pruned once the right is given back.
 */
jest.setTimeout(120_000);
const kit = kubeKit('forbidden');
afterAll(() => kit.cleanup());

const kubectl = (...args: string[]) =>
  execFileSync('kubectl', ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args], {
    encoding: 'utf8',
  });
const cm = (name: string, namespace: string, value = 'v') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${namespace}}\ndata: {k: ${value}}\n`;

async function applyFiles(applier: KubeApplier, files: Record<string, string>) {
  return applier.apply(await applier.load(await kit.workspace(files)));
}

/** Two namespaces, a ServiceAccount in the first, and a Role on ConfigMaps bound to it in both. */
function setUp(): { own: string; narrowed: string; user: string; applier: KubeApplier } {
  const own = kit.name('own');
  const narrowed = kit.name('narrowed');
  for (const ns of [own, narrowed]) {
    kubectl('create', 'namespace', ns);
    kubectl(
      'create',
      'role',
      'cm',
      '-n',
      ns,
      '--verb=get,list,watch,create,update,patch,delete',
      '--resource=configmaps',
    );
    kubectl('create', 'rolebinding', 'cm', '-n', ns, '--role=cm', `--serviceaccount=${own}:deployer`);
  }
  kubectl('create', 'serviceaccount', 'deployer', '-n', own);
  kit.track(`/api/v1/namespaces/${narrowed}`);
  const applier = kit.applier(
    kit.name('env'),
    kit.target(own, { namespaces: [own, narrowed], serviceAccount: `${own}/deployer`, pruneMaxShare: 1 }),
  );
  return { own, narrowed, user: `system:serviceaccount:${own}:deployer`, applier };
}

describe('a 403 on an object of the inventory', () => {
  it('fails naming the object and the identity, prunes the others, and keeps the entry until the right is back', async () => {
    // given three ConfigMaps applied as the ServiceAccount, one in a namespace whose RoleBinding is then removed
    const { own, narrowed, user, applier } = setUp();
    const first = await applyFiles(applier, {
      'a.yaml': cm('a', own),
      'b.yaml': cm('b', narrowed),
      'c.yaml': cm('c', own),
    });
    expect(first.failure).toBeUndefined();
    kubectl('delete', 'rolebinding', 'cm', '-n', narrowed);

    // when a commit removes b and c from Git
    const pruned = await applyFiles(applier, { 'a.yaml': cm('a', own) });

    // then c was pruned, b is kept on the server and reported as forbidden, naming it and the ServiceAccount
    expect(namesWith(pruned, 'deleted')).toEqual(['c']);
    expect(await kit.get(`/api/v1/namespaces/${own}/configmaps/c`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${narrowed}/configmaps/b`)).toBeDefined();
    expect(pruned.failure).toMatchObject({ code: 'kube.forbidden', retryable: false });
    expect(pruned.failure!.message).toContain(`ConfigMap/${narrowed}/b`);
    expect(pruned.failure!.message).toContain(user);
    expect(changeNamed(pruned, 'b')).toMatchObject({ action: 'skipped' });

    // and once the right is given back, the next reconcile prunes b: its inventory entry was kept
    kubectl('create', 'rolebinding', 'cm', '-n', narrowed, '--role=cm', `--serviceaccount=${own}:deployer`);
    const again = await applyFiles(applier, { 'a.yaml': cm('a', own) });
    expect(again.failure).toBeUndefined();
    expect(namesWith(again, 'deleted')).toEqual(['b']);
    expect(await kit.get(`/api/v1/namespaces/${narrowed}/configmaps/b`)).toBeUndefined();
  });

  it('applies the other objects of the commit when one of them cannot be read', async () => {
    // given an object applied in a namespace whose RoleBinding is then removed
    const { own, narrowed, user, applier } = setUp();
    expect(
      (await applyFiles(applier, { 'a.yaml': cm('a', own), 'b.yaml': cm('b', narrowed) })).failure,
    ).toBeUndefined();
    kubectl('delete', 'rolebinding', 'cm', '-n', narrowed);

    // when a commit changes both and adds a third in the environment's own namespace
    const result = await applyFiles(applier, {
      'a.yaml': cm('a', own, 'changed'),
      'b.yaml': cm('b', narrowed, 'changed'),
      'd.yaml': cm('d', own),
    });

    // then a and d were applied, b was refused by the API server, naming it and the ServiceAccount
    expect(changeNamed(result, 'a')).toMatchObject({ action: 'configured' });
    expect(changeNamed(result, 'd')).toMatchObject({ action: 'created' });
    expect((await kit.get(`/api/v1/namespaces/${own}/configmaps/a`))?.data).toEqual({ k: 'changed' });
    expect(changeNamed(result, 'b')).toMatchObject({ action: 'skipped' });
    expect(result.failure).toMatchObject({ code: 'kube.forbidden', retryable: false });
    expect(result.failure!.message).toContain(`ConfigMap/${narrowed}/b`);
    expect(result.failure!.message).toContain(user);
    expect((await kit.get(`/api/v1/namespaces/${narrowed}/configmaps/b`))?.data).toEqual({ k: 'v' });
  });
});

describe('prune after the bounds were narrowed', () => {
  it('never deletes an object of a namespace the config took away, even with an admin identity, and keeps its entry', async () => {
    // given an environment (cairn's own identity is admin here) that applied a ConfigMap in a second namespace
    const own = kit.name('wide-own');
    const dropped = kit.name('wide-dropped');
    for (const ns of [own, dropped]) kubectl('create', 'namespace', ns);
    kit.track(`/api/v1/namespaces/${dropped}`);
    const env = kit.name('env');
    const wide = kit.applier(env, kit.target(own, { namespaces: [own, dropped], pruneMaxShare: 1 }));
    const files = { 'a.yaml': cm('a', own), 'b.yaml': cm('b', dropped) };
    expect((await applyFiles(wide, files)).failure).toBeUndefined();

    // when the operator narrows its namespaces and a commit removes b from Git
    const narrow = kit.applier(env, kit.target(own, { namespaces: [own], pruneMaxShare: 1 }));
    const result = await applyFiles(narrow, { 'a.yaml': cm('a', own) });

    // then b is still there, reported as skipped with the bound it is outside, and nothing failed
    expect(result.failure).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${dropped}/configmaps/b`)).toBeDefined();
    expect(changeNamed(result, 'b')).toMatchObject({ action: 'skipped' });
    expect(changeNamed(result, 'b')?.reason).toContain(
      `namespace ${dropped} is neither kubernetes.namespace`,
    );

    // and with the namespace given back, the same commit prunes it: the entry was kept
    const again = await applyFiles(wide, { 'a.yaml': cm('a', own) });
    expect(namesWith(again, 'deleted')).toEqual(['b']);
  });
});
