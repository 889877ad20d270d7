import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { KUBECTL } from '../../helpers/install-identities';
import { greetingManifest } from '../../helpers/manifests';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(180_000);

const ns = `d2-terminating-${randomBytes(3).toString('hex')}`;
const held = `d2-held-${randomBytes(3).toString('hex')}`;
const defaulted = `d2-default-${randomBytes(3).toString('hex')}`;
const kubectl = (...args: string[]): string =>
  execFileSync(KUBECTL, ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args]).toString();
let repo: TestRepo | undefined;

afterAll(() => {
  kubectl('patch', 'namespace', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
  kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false');
  try {
    kubectl(
      'patch',
      'configmap',
      'greeting',
      '-n',
      held,
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    );
  } catch {
    // Not there: the test failed before it held the ConfigMap.
  }
  kubectl('delete', 'namespace', held, '--ignore-not-found', '--wait=false');
  for (const name of kubectl('get', 'configmaps', '-n', defaulted, '-o', 'name').split('\n').filter(Boolean))
    kubectl('patch', name, '-n', defaulted, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
  kubectl('delete', 'namespace', defaulted, '--ignore-not-found', '--wait=false');
  repo?.remove();
});

/** Polls `check` every 250 ms until it is true (fails after 60 s, naming `what`). */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `cairn sync --json` of environment dev of `local`, its default namespace `namespace`: the exit code and the entry. */
function localSync(local: { readonly root: string; readonly bare: string }, namespace: string) {
  const config = join(local.root, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: local.bare },
      environments: [
        { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace } },
      ],
      audit: { dir: join(local.root, 'audit'), keyFile: auditKeyFile(local.root) },
    }),
  );
  return async () => {
    const result = await runCli(['sync', '--config', config, '--env', 'dev', '--json']);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
  };
}

/** Deletes `namespace` as someone would by hand, and waits until it is Terminating (a finalizer holds it). */
async function deleteOutOfBand(namespace: string): Promise<void> {
  kubectl('delete', 'namespace', namespace, '--wait=false');
  await until('the namespace Terminating', () =>
    kubectl('get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}').includes('Terminating'),
  );
}

describe('a namespace stuck terminating, with the real CLI on the sandbox', () => {
  it('says the namespace is being deleted (retryable), not that RBAC is missing, and recreates it once gone', async () => {
    // Given an environment applied into its own namespace
    repo = createTestRepo('ns-terminating', {
      dev: { 'k8s-resources/app.yaml': greetingManifest(ns, 'one') },
    });
    const config = join(repo.root, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare },
        environments: [
          { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace: ns } },
        ],
        audit: { dir: join(repo.root, 'audit'), keyFile: auditKeyFile(repo.root) },
      }),
    );
    const sync = async () => {
      const result = await runCli(['sync', '--config', config, '--env', 'dev', '--json']);
      return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
    };
    expect((await sync()).code).toBe(0);

    // When someone deletes the namespace out of band and a finalizer holds it in Terminating
    kubectl(
      'patch',
      'namespace',
      ns,
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":["example.com/hold"]}}',
    );
    kubectl('delete', 'namespace', ns, '--wait=false');
    await until(
      'the namespace content deleted',
      () => !kubectl('get', 'configmaps', '-n', ns, '-o', 'name').includes('greeting'),
    );
    const stuck = await sync();

    // Then the failure names the namespace and what to look at, and is retried, not stalled on RBAC advice
    expect(stuck.code).toBe(1);
    expect(stuck.entry.failure).toMatchObject({ code: 'kube.namespace-terminating', retryable: true });
    expect(stuck.entry.failure!.message).toContain(`namespace "${ns}" is being deleted (Terminating)`);
    expect(stuck.entry.failure!.message).toContain(`kubectl get namespace ${ns} -o yaml`);
    expect(stuck.entry.failure!.message).not.toContain('cairn install');

    // And once the namespace is gone, the next reconcile recreates it from Git
    kubectl('patch', 'namespace', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
    await until(
      'the namespace gone',
      () => !kubectl('get', 'namespaces', '-o', 'name').includes(`namespace/${ns}\n`),
    );
    const back = await sync();
    expect(back.code).toBe(0);
    expect(kubectl('get', 'configmap', 'greeting', '-n', ns, '-o', 'jsonpath={.data.value}')).toBe('one');
  });

  it('fails a Namespace that is Terminating while its content is still there, retryable, naming its finalizers', async () => {
    // Given an environment applied into its own namespace, whose ConfigMap a finalizer holds
    const local = createTestRepo('ns-terminating-held', {
      dev: { 'k8s-resources/app.yaml': greetingManifest(held, 'one') },
    });
    try {
      const sync = localSync(local, held);
      expect((await sync()).code).toBe(0);
      const hold = '{"metadata":{"finalizers":["example.com/hold"]}}';
      kubectl('patch', 'configmap', 'greeting', '-n', held, '--type', 'merge', '-p', hold);

      // When someone deletes the namespace out of band: it is Terminating, its ConfigMap not gone yet
      await deleteOutOfBand(held);
      const terminating = await sync();

      // Then the reconcile fails, retryable, naming the namespace and where to look (its finalizers)
      expect(terminating.code).toBe(1);
      expect(terminating.entry.failure).toMatchObject({
        code: 'kube.namespace-terminating',
        retryable: true,
        subject: `Namespace/${held}`,
      });
      expect(terminating.entry.failure!.message).toContain(
        `namespace "${held}" is being deleted (Terminating)`,
      );
      expect(terminating.entry.failure!.message).toContain('finalizers');
    } finally {
      local.remove();
    }
  });

  it('fails while the default namespace (not declared by the tree) is Terminating with its content still there', async () => {
    // Given an environment whose objects are defaulted into a namespace its tree does not declare
    kubectl('create', 'namespace', defaulted);
    const local = createTestRepo('ns-terminating-default', {
      dev: {
        'k8s-resources/app.yaml': stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'greeting' },
          data: { value: 'one' },
        }),
      },
    });
    try {
      const sync = localSync(local, defaulted);
      expect((await sync()).code).toBe(0);
      // Everything cairn wrote there (its ConfigMap and its inventory) held by a finalizer: no write is due.
      const hold = '{"metadata":{"finalizers":["example.com/hold"]}}';
      for (const name of kubectl('get', 'configmaps', '-n', defaulted, '-o', 'name').split('\n'))
        if (name.includes('greeting') || name.includes('cairn-inventory'))
          kubectl('patch', name, '-n', defaulted, '--type', 'merge', '-p', hold);

      // When someone deletes that namespace out of band, and its controller has begun deleting
      // what it holds (cairn reads the namespace only once its inventory is absent or being deleted)
      await deleteOutOfBand(defaulted);
      await until('the namespace controller deleting its content', () =>
        kubectl('get', 'configmaps', '-n', defaulted, '-o', 'jsonpath={.items[*].metadata.deletionTimestamp}')
          .trim()
          .includes('T'),
      );
      const terminating = await sync();

      // Then the reconcile fails, retryable, naming the namespace, as for a Namespace of the tree
      expect(terminating.code).toBe(1);
      expect(terminating.entry.failure).toMatchObject({
        code: 'kube.namespace-terminating',
        retryable: true,
        subject: `Namespace/${defaulted}`,
      });
    } finally {
      local.remove();
    }
  });
});
