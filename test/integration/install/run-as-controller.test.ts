/**
 * RUNS ONLY AFTER BRANCH kube-bounds IS MERGED. It needs the runtime side of issue 22: the config
 * keys `environments[].kubernetes.serviceAccount`/`namespaces` and `kubernetes.controllerNamespace`
 * in the schema, and every request for an environment's objects made as its ServiceAccount by
 * impersonation. Before that merge `cairn run` refuses this config (unknown keys), or, if it loaded
 * it, would apply as cairn's own ServiceAccount, which this install gives no right to write objects:
 * the reconciles would fail with kube.forbidden. Kept in a file of its own so the lead can run it
 * alone after merging: `npm run build && npx jest test/integration/install/run-as-controller.test.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import type { KubeObject } from '../../../controller/kube/types';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import {
  kubectlApply,
  kubectlDelete,
  serviceAccountKubeconfig,
  twoEnvironmentInstall,
  type TwoEnvironmentInstall,
} from '../../helpers/install-identities';
import { repoRoot, sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(240_000);

const configMap = (name: string, namespace: string, value: string) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { value } });

/**
 * `cairn run` (the built binary, dist/) authenticated as the controller's ServiceAccount of a
 * two-environment `cairn install --export` on the sandbox (a token from `kubectl create token` in a
 * kubeconfig of its own) reconciles both environments: each one's objects, written through its own
 * ServiceAccount, land in its namespaces, and each inventory is recorded by cairn's own identity.
 */
describe('cairn run as the exported controller ServiceAccount (after kube-bounds is merged)', () => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-run-sa-'));
  const main = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');
  let install: TwoEnvironmentInstall;
  let repo: TestRepo;
  let admin: KubeClient;
  let cairn: ChildProcess | undefined;
  let logs = '';

  beforeAll(() => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
    admin = createKubeClient({ kubeconfig: sandboxEnv().kubernetes.kubeconfig, concurrency: 4 });
    const a = { ns: `team-a-${suffix}`, extra: `team-a-jobs-${suffix}` };
    const b = { ns: `team-b-${suffix}` };
    repo = createTestRepo(`identities-${suffix}`, {
      a: {
        'k8s-resources/settings.yaml': configMap('settings', a.ns, 'a'),
        'k8s-resources/jobs.yaml': configMap('jobs', a.extra, 'a'),
      },
      // A later branch starts from the first one: b drops a's second file.
      b: { 'k8s-resources/settings.yaml': configMap('settings', b.ns, 'b'), 'k8s-resources/jobs.yaml': null },
    });
    // The export is computed for this repository: its URL names the inventories cairn may write.
    install = twoEnvironmentInstall(suffix, { repository: { url: repo.bare, pollInterval: '1s' } });
    kubectlApply(install.exported);
    const kubeconfig = serviceAccountKubeconfig(install.ns, 'cairn', join(dir, 'controller.kubeconfig'));
    const config = join(dir, 'cairn.yaml');
    const local = twoEnvironmentInstall(
      suffix,
      {
        repository: { url: repo.bare, pollInterval: '1s' },
        kubernetes: { controllerNamespace: install.ns },
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port: 0 },
      },
      () => ({ kubeconfig }),
    );
    writeFileSync(config, stringify(local.config));
    cairn = spawn(process.execPath, [main, 'run', '--config', config], {
      // cairn's own identity (Leases, inventories) comes from the default loading rules: the same token.
      env: { ...process.env, KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cairn.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
    cairn.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
  });

  afterAll(async () => {
    if (cairn && cairn.exitCode === null) {
      const exited = new Promise((resolve) => cairn!.once('exit', resolve));
      cairn.kill('SIGTERM');
      await exited;
    }
    if (install) kubectlDelete(install.exported);
    admin?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string): Promise<KubeObject | undefined> => {
    const res = await admin.request({ method: 'GET', path });
    return res.status === 200 ? (res.body as KubeObject) : undefined;
  };

  it('reconciles both environments, each through its own ServiceAccount, with their inventories', async () => {
    const { a, b } = install;
    const wanted = [
      `/api/v1/namespaces/${a.ns}/configmaps/settings`,
      `/api/v1/namespaces/${a.extra}/configmaps/jobs`,
      `/api/v1/namespaces/${b.ns}/configmaps/settings`,
    ];
    const deadline = Date.now() + 180_000;
    let found: (KubeObject | undefined)[] = [];
    while (Date.now() < deadline) {
      found = await Promise.all(wanted.map(get));
      if (found.every(Boolean)) break;
      // Exited, or an environment stalled on a terminal failure (kube.forbidden without impersonation).
      if (cairn?.exitCode !== null || /environment stalled/.test(logs)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!found.every(Boolean)) {
      throw new Error(
        `not reconciled: ${wanted.filter((_, k) => !found[k]).join(', ')}; cairn run said:\n${logs.slice(-4000)}`,
      );
    }
    expect(found.map((o) => (o?.data as { value?: string } | undefined)?.value)).toEqual(['a', 'a', 'b']);
    // The inventory is written once every object of the apply has settled: a moment after the
    // objects above can be read, so it is waited for too (within the same deadline).
    const inventoried = async (ns: string) => {
      const list = await admin.request({
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/configmaps`,
        query: { labelSelector: 'app.kubernetes.io/managed-by=cairn' },
      });
      return (list.body as { items: KubeObject[] }).items.some((i) =>
        i.metadata.name.startsWith('cairn-inventory-'),
      );
    };
    let inventories: boolean[] = [];
    while (Date.now() < deadline) {
      inventories = await Promise.all([a.ns, b.ns].map(inventoried));
      if (inventories.every(Boolean) || cairn?.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect([a.ns, b.ns].map((ns, k) => [ns, inventories[k]])).toEqual([
      [a.ns, true],
      [b.ns, true],
    ]);
    expect(logs).not.toMatch(/forbidden/i);
  });
});
