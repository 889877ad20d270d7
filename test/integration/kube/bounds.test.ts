import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { runCli } from '../../helpers/cli';
import { sandboxEnv } from '../../sandbox/sandbox-env';
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

interface Platform {
  readonly config: string;
  commit(message: string, files: Readonly<Record<string, string | null>>): void;
}

function platform(
  name: string,
  kubernetes: Record<string, unknown>,
  top: Record<string, unknown> = {},
): Platform {
  const dir = join(root, name);
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Eve',
        GIT_AUTHOR_EMAIL: 'e@x',
        GIT_COMMITTER_NAME: 'Eve',
        GIT_COMMITTER_EMAIL: 'e@x',
      },
    });
  git('init', '-q', '-b', 'dev');
  const config = join(dir, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: repo },
      environments: [
        {
          name: 'dev',
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, healthTimeout: '10s', ...kubernetes },
        },
      ],
      audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
      ...top,
    }),
  );
  return {
    config,
    commit(message, files) {
      for (const [path, text] of Object.entries(files)) {
        const file = join(repo, path);
        if (text === null) rmSync(file);
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, text);
        }
      }
      git('add', '-A');
      git('commit', '-q', '-m', message);
    },
  };
}

async function cairn(
  command: 'sync' | 'plan',
  p: Platform,
): Promise<{ code: number | null; entry: AuditEntry; stdout: string }> {
  const result = await runCli([command, '--config', p.config, '--env', 'dev', '--json']);
  return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stdout: result.stdout };
}

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
    const { code, entry } = await cairn('sync', p);

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
});
