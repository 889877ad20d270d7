import { AppsV1Api } from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { silentLog } from '../../controller/log';
import type { AuditEntry } from '../../controller/model';
import { autoRevertBranch, failureReverter } from '../../controller/reconcile/failure-revert';
import { auditLines } from '../helpers/audit-lines';
import { giteaSyncRepo, type GiteaSyncRepo } from '../helpers/gitea-sync-repo';
import { greetingManifest, webDeployment as web } from '../helpers/manifests';

jest.setTimeout(240_000);

interface Pull {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly state: string;
  readonly html_url: string;
  readonly head: { readonly ref: string };
}

/**
 * failure-revert against the real parts: a repository on the sandbox's Gitea, `cairn sync` applying
 * to the sandbox's kube-apiserver, whose Deployment controller (pods on kwok) fails a rollout at its
 * progress deadline (`kube.rollout-failed`, terminal, in verify, after changing the Deployment).
 */
describe('a failed release proposes its revert (onFailure.revert)', () => {
  let repo: GiteaSyncRepo;
  let first: AuditEntry;

  const files = (greeting: string, image: string, stuck: boolean) => ({
    'k8s-resources/greeting.yaml': greetingManifest(repo.namespace, greeting),
    'k8s-resources/web.yaml': web(repo.namespace, image, stuck),
  });
  const pulls = () =>
    repo.client.request<Pull[]>('GET', `/repos/${repo.owner}/${repo.name}/pulls?state=all&limit=50`);
  const image = async () =>
    (
      await repo.kc
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: 'web', namespace: repo.namespace })
    ).spec?.template.spec?.containers[0]?.image;
  const proposals = () =>
    auditLines(join(repo.dir, 'audit'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.type === 'control' && r.action === 'revert-proposed');
  const setMode = (revert: 'pr' | 'commit') => {
    const config = parse(readFileSync(repo.configFile, 'utf8')) as {
      environments: Record<string, unknown>[];
    };
    config.environments[0]!.onFailure = { revert };
    writeFileSync(repo.configFile, stringify(config));
  };

  beforeAll(async () => {
    repo = await giteaSyncRepo('failure-revert', {
      dev: { onFailure: { revert: 'pr' } },
      kubernetes: { healthTimeout: '90s' },
    });
    repo.work.commit('dev', 'web: nginx 1.27', files('hello', 'nginx:1.27', false));
    first = await repo.sync();
    expect(first.outcome).toBe('succeeded');
  });

  afterAll(() => repo?.remove());

  it('pr: one revert pull request naming the failed entry, never a second; merged, dev is back at its last good state', async () => {
    // Given a commit whose Deployment cannot roll out
    const bad = repo.work.commit('dev', 'web: nginx 1.28 on the gpu pool', files('hi', 'nginx:1.28', true));

    // When cairn syncs it
    const failed = await repo.sync(1);

    // Then the release failed terminally in verify after changing the Deployment...
    expect(failed).toMatchObject({
      outcome: 'failed',
      fromSha: first.toSha,
      toSha: bad,
      failure: { code: 'kube.rollout-failed', phase: 'verify', retryable: false },
    });
    // ...and exactly one pull request on Gitea reverts it, naming the entry in its trailers
    const [pr, ...more] = await pulls();
    expect(more).toEqual([]);
    expect(pr).toMatchObject({
      title: 'Revert "web: nginx 1.28 on the gpu pool"',
      state: 'open',
      head: { ref: autoRevertBranch(bad) },
    });
    expect(pr!.body).toContain(`Cairn-Revert-Of: ${failed.id}`);
    expect(pr!.body).toContain('Cairn-Revert-Reason: kube.rollout-failed');
    expect(await repo.client.branchSha(repo.owner, repo.name, 'dev')).toBe(bad);
    // ...and the ledger records it once
    expect(proposals()).toEqual([
      expect.objectContaining({ by: 'cairn', entry: failed.id, url: pr!.html_url }),
    ]);

    // When the same commit fails again (a manual sync) and a second replica handles the same entry
    const again = await repo.sync(1);
    expect(again).toMatchObject({ outcome: 'failed', toSha: bad, failure: { code: 'kube.rollout-failed' } });
    const audit = await AuditLog.open(loadConfig(repo.configFile).audit, silentLog());
    try {
      const replica = failureReverter(loadConfig(repo.configFile), audit, silentLog(), undefined, {
        ...process.env,
        E2E_GITEA_TOKEN: repo.token,
      });
      expect(await replica(failed)).toEqual({
        kind: 'skipped',
        why: expect.stringMatching(/ledger records/),
      });
    } finally {
      await audit.close();
    }

    // Then there is still one pull request and one record
    expect(await pulls()).toHaveLength(1);
    expect(proposals()).toHaveLength(1);

    // When the pull request is merged on Gitea and cairn applies dev
    const merged = await repo.client.mergePullRequest(repo.owner, repo.name, pr!.number);
    const back = await repo.sync();

    // Then the ledger shows dev back on the last good trees, and the cluster with it
    expect(back).toMatchObject({
      outcome: 'succeeded',
      fromSha: first.toSha,
      toSha: merged.sha,
      applied: { k8s: first.applied?.k8s },
    });
    expect(await repo.greeting()).toBe('hello');
    expect(await image()).toBe('nginx:1.27');
  });

  it('commit: the revert is pushed onto the branch, and the next sync applies it', async () => {
    // Given onFailure.revert commit and another commit that cannot roll out
    setMode('commit');
    const good = await repo.sync();
    repo.work.pull('dev');
    const bad = repo.work.commit('dev', 'web: nginx 1.29 on the gpu pool', files('bye', 'nginx:1.29', true));

    // When cairn syncs it
    const failed = await repo.sync(1);

    // Then a revert commit naming the entry is dev's new head, and no pull request was opened
    expect(failed).toMatchObject({ outcome: 'failed', toSha: bad, failure: { code: 'kube.rollout-failed' } });
    const head = await repo.client.branchSha(repo.owner, repo.name, 'dev');
    expect(head).not.toBe(bad);
    const commit = await repo.client.request<{ commit: { message: string } }>(
      'GET',
      `/repos/${repo.owner}/${repo.name}/git/commits/${head}`,
    );
    expect(commit.commit.message).toContain(`Cairn-Revert-Of: ${failed.id}`);
    expect(await pulls()).toHaveLength(1);
    expect(proposals()).toHaveLength(2);

    // When cairn syncs dev again
    const back = await repo.sync();

    // Then the revert is applied: the good trees and values again
    expect(back).toMatchObject({ outcome: 'succeeded', toSha: head, applied: { k8s: good.applied?.k8s } });
    expect(await repo.greeting()).toBe('hello');
    expect(await image()).toBe('nginx:1.27');
  });

  it('never prints the token', () => {
    expect(repo.outputs.length).toBeGreaterThan(5);
    for (const o of repo.outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(repo.token);
  });
});
