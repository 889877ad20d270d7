import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli } from '../../helpers/cli';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from './kube-kit';

jest.setTimeout(120_000);

/**
 * A rollout that cannot progress, through a real reconcile: `cairn sync` reads a real Git
 * repository, applies to the sandbox, and the real Deployment controller gives up once the
 * Deployment passes its progress deadline (its nodeSelector matches no node). cairn reports the
 * condition's reason and message as a terminal failure of the verify phase, in its audit entry.
 */
describe('a Deployment that cannot progress, reconciled from Git', () => {
  const kit = kubeKit('failed-rollout');
  const ns = kit.name('app');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-failed-rollout-'));
  const configFile = join(dir, 'cairn.yaml');
  let repo: TestRepo;

  const deployment = (nodeSelector?: Record<string, string>) =>
    stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            ...(nodeSelector ? { nodeSelector } : {}),
            containers: [{ name: 'c', image: 'nginx:1.27' }],
          },
        },
      },
    });

  beforeAll(() => {
    kit.target(ns); // cleans the namespace up afterwards
    repo = createTestRepo('failed-rollout', {
      dev: {
        'k8s-resources/namespace.yaml': stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
        }),
        'k8s-resources/web.yaml': deployment(),
      },
    });
    writeFileSync(
      configFile,
      stringify({
        repository: { url: repo.bare },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            // The health timeout is far beyond the progress deadline: the failure must come from the controller.
            kubernetes: {
              kubeconfig: sandboxEnv().kubernetes.kubeconfig,
              namespace: ns,
              healthTimeout: '90s',
            },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
      }),
    );
  });

  afterAll(async () => {
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
    await kit.cleanup();
  });

  const sync = async () => {
    const result = await runCli(['sync', '--config', configFile, '--env', 'dev', '--json']);
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
  };

  it('records a healthy rollout, then the stuck one as a verify failure with the condition', async () => {
    // given the first commit, whose Deployment rolls out on the sandbox's node
    const good = await sync();
    expect(good.code).toBe(0);
    expect(good.entry).toMatchObject({ outcome: 'succeeded', toSha: repo.sha('dev') });

    // when a commit pins the pods to a node pool that does not exist
    const stuckSha = repo.commit('dev', 'web: run on the gpu pool', {
      'k8s-resources/web.yaml': deployment({ pool: 'gpu' }),
    });
    const started = Date.now();
    const { code, entry } = await sync();

    // then the reconcile failed in verify, quoting the Deployment's Progressing condition, well
    // before the health timeout, and the entry still knows the last good sha
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(entry).toMatchObject({
      outcome: 'failed',
      fromSha: good.entry.toSha,
      toSha: stuckSha,
      failure: {
        phase: 'verify',
        retryable: false,
        subject: `Deployment/${ns}/web`,
        message: expect.stringMatching(
          /^Deployment\/\S+\/web: failed: ProgressDeadlineExceeded: ReplicaSet "web-[a-z0-9]+" has timed out progressing/,
        ),
      },
    });
    expect(entry.changes.find((c) => c.subject === `Deployment/${ns}/web`)).toMatchObject({
      action: 'configured',
      reason: expect.stringContaining('ProgressDeadlineExceeded'),
    });

    // and the audit trail on disk holds the same failure
    const listed = await runCli(['audit', 'list', '--config', configFile, '--json']);
    const [latest] = JSON.parse(listed.stdout) as AuditEntry[];
    expect(latest).toMatchObject({ toSha: stuckSha, outcome: 'failed', failure: { phase: 'verify' } });
  });
});
