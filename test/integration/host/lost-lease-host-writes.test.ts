import { join } from 'node:path';
import { appliersFor } from '../../../controller/cli/wire-environments';
import { loadConfig } from '../../../controller/config/load-config';
import { CommitStatusObserver } from '../../../controller/host/commit-status-observer';
import type { PullRequest } from '../../../controller/host/types';
import { silentLog } from '../../../controller/log';
import { EnvLock } from '../../../controller/reconcile/env-lock';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import type { Revision } from '../../../controller/source/types';
import { settings } from '../../helpers/e2e-platform';
import { waitFor } from '../../helpers/gitea';
import { heldLease, LOST_LEASE_REPORT } from '../../helpers/lost-lease';
import { giteaControllerSuite } from '../../helpers/gitea-controller-platform';

jest.setTimeout(180_000);

/**
 * What a replica writes to the Git host is fenced on its Lease like its applies, on the sandbox's
 * Gitea: a commit status and a pull request's plan comment are state (the newest post for a commit
 * and context, the one marked comment), so a replica paused past its Lease that posts after its
 * successor overwrites the successor's. The fence stands for the Lease (as in
 * test/integration/kube/object-write-fence.test.ts) and reports it lost once the successor posted.
 * Found in review: both went out.
 */
describe('Git host writes of a replica that lost its Lease', () => {
  const suite = giteaControllerSuite({
    prefix: 'lostlease',
    secret: 'lostlease-webhook-secret',
    silent: true,
  });
  const { gitea, owner, repo, namespace } = suite;
  const lease = heldLease();
  const { fence } = lease;

  beforeEach(() => {
    lease.renew();
  });

  it('does not post a commit status over the one the successor gave the same commit', async () => {
    const p = suite.platform();
    // given a commit the successor applied and marked success, after a stale replica reconciled it too
    const sha = await gitea.branchSha(owner, repo, 'dev');
    const successor = new CommitStatusObserver(p.wired.host!, { log: silentLog() });
    successor.finished('dev', sha, 'manual', { outcome: 'succeeded', durationMs: 1200 });
    await successor.idle();
    expect(await gitea.latestStatus(owner, repo, sha, 'cairn/dev')).toMatchObject({ status: 'success' });

    // when the stale replica, thawed past its Lease, finishes its reconcile of that commit with shard.lost
    lease.lose();
    const stale = new CommitStatusObserver(p.wired.host!, { log: silentLog() });
    stale.finished('dev', sha, 'manual', LOST_LEASE_REPORT, fence);
    await stale.idle();

    // then the commit still shows the successor's success
    expect(await gitea.latestStatus(owner, repo, sha, 'cairn/dev')).toMatchObject({ status: 'success' });
  });

  it("does not put its plan of an older head over the comment of the holder's newer plan", async () => {
    const p = suite.platform();
    // given a pull request into dev at its first head, planned by the holder
    const planComment = async (number: number) =>
      (await gitea.comments(owner, repo, number)).find((c) => c.body.includes(planMarker('dev')))?.body;
    const first = p.tree.commit(
      'feature',
      'green',
      { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
      { from: 'dev' },
    );
    const opened = await gitea.openPullRequest(owner, repo, { head: 'feature', base: 'dev', title: 'green' });
    await waitFor(
      'the holder’s plan of the first head',
      async () => ((await planComment(opened.number))?.includes(first.slice(0, 12)) ? true : undefined),
      60_000,
      200,
    );
    await p.wired.pullRequests!.idle();

    // and a stale replica that planned the first head too and stopped before writing its comment
    const config = loadConfig(join(p.dir, 'cairn.yaml'));
    // (paused once it checked out the head it planned: the plan goes on from there after the thaw)
    let thaw!: () => void;
    const thawed = new Promise<void>((resolve) => (thaw = resolve));
    let planned!: () => void;
    const reached = new Promise<void>((resolve) => (planned = resolve));
    const source = p.wired.source;
    const paused = new Proxy(source, {
      get(target, name) {
        if (name === 'checkout')
          return async (revision: Revision) => {
            const workspace = await target.checkout(revision);
            planned();
            await thawed;
            return workspace;
          };
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const appliers = appliersFor(silentLog(), config.repository.url);
    const stale = new PullRequestPlanner({
      environments: config.environments,
      source: paused,
      appliers,
      host: p.wired.host!,
      lock: new EnvLock(),
      log: silentLog(),
      repo: `${owner}/${repo}`,
      planForks: false,
      planTimeoutMs: 900_000,
      fence: () => fence,
    });
    const pr: PullRequest = {
      number: opened.number,
      base: 'dev',
      headSha: first,
      headRef: 'feature',
      fromFork: false,
      headCloneUrl: gitea.cloneUrl(owner, repo),
      repository: `${owner}/${repo}`,
    };
    stale.plan(pr, `refs/pull/${opened.number}/head`);
    await reached;
    const posted = (await gitea.commitStatuses(owner, repo, first)).length;

    // when a newer head is pushed and the holder plans it, while the stale replica is paused past its Lease
    const second = p.tree.commit('feature', 'red', {
      'k8s-resources/settings.yaml': settings(namespace, 'red'),
    });
    await waitFor(
      'the holder’s plan of the second head',
      async () => ((await planComment(opened.number))?.includes(second.slice(0, 12)) ? true : undefined),
      60_000,
      200,
    );
    await p.wired.pullRequests!.idle();
    lease.lose();
    thaw();
    await stale.idle();

    // then the comment still holds the newer plan, and the stale replica posted no status after the thaw
    expect(await planComment(opened.number)).toContain(`at \`${second.slice(0, 12)}\``);
    expect(await gitea.latestStatus(owner, repo, second, 'cairn/plan/dev')).toMatchObject({
      status: 'success',
    });
    expect(await gitea.commitStatuses(owner, repo, first)).toHaveLength(posted);
    await stale.stop();
    await appliers.close();
  });
});
