import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import { CommitStatusObserver } from '../../../controller/host/commit-status-observer';
import type { GitHost, PullRequest } from '../../../controller/host/types';
import { createLog, silentLog, type Log } from '../../../controller/log';
import type { ReconcileReport } from '../../../controller/model';
import { EnvLock } from '../../../controller/reconcile/env-lock';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import { startAnswerDroppingProxy, type AnswerDroppingProxy } from '../../helpers/answer-dropping-proxy';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../../helpers/gitea';
import { heldLease } from '../../helpers/lost-lease';
import { fakeEnvironment, FakeSource } from '../../helpers/reconcile-fakes';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

/** A log whose lines a test reads back. */
function recordingLog(): { readonly log: Log; readonly lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLog({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { log, lines };
}

/** What a stale replica's reconcile of the commit ended with: a failure of its own, not shard.lost. */
const STALE_FAILURE: ReconcileReport = {
  outcome: 'failed',
  durationMs: 9_000,
  failure: {
    code: 'kube.conflict',
    phase: 'apply-kubernetes',
    retryable: false,
    message: 'the apply conflicted',
  },
};

/**
 * A Git host write that the host answers 503 is retried after a backoff (up to 5 s, each try up to
 * 10 s). A replica paused or cut off during that backoff has lost its Lease by the time it sends
 * the retry, and the retry would overwrite what its successor posted meanwhile. On the sandbox's
 * real Gitea, behind a proxy that answers the write 503 once, with the Lease lost during the
 * backoff (the host client's `sleep`): the retry must not reach Gitea. Found in review: it did,
 * as the fence was checked once, before the first attempt only.
 */
describe('a Git host write retried after the Lease was lost during its backoff (real Gitea)', () => {
  const gitea = GiteaClient.sandbox();
  const g = sandboxEnv().gitea;
  const owner = g.adminUser;
  const name = `cairn-refence-${randomBytes(3).toString('hex')}`;
  const lease = heldLease();
  let proxy: AnswerDroppingProxy;
  /** The replica that lost its Lease, talking to Gitea through the proxy; it loses the Lease while it waits to retry. */
  let stale: GitHost;
  /** The replica that took over, talking to Gitea directly. */
  let successor: GitHost;
  let work: GiteaWorkTree;

  beforeAll(async () => {
    await gitea.createRepo(name, { private: true });
    work = giteaWorkTree(gitea, owner, name);
    work.commit('dev', 'first', { 'README.md': 'one\n' });
    work.commit('feature', 'second', { 'README.md': 'two\n' }, { from: 'dev' });
    work.commit('other', 'third', { 'README.md': 'three\n' }, { from: 'dev' });
    proxy = await startAnswerDroppingProxy(g.url);
    stale = createGiteaHost({
      repo: `${owner}/${name}`,
      apiUrl: `${proxy.url}/api/v1`,
      token: g.adminToken,
      http: {
        backoffMs: 10,
        sleep: async () => {
          // Paused during the backoff past the Lease's deadline: the successor holds it now.
          lease.lose();
        },
      },
    });
    successor = createGiteaHost({ repo: `${owner}/${name}`, apiUrl: `${g.url}/api/v1`, token: g.adminToken });
  });
  beforeEach(() => {
    lease.renew();
  });
  afterAll(async () => {
    await stale?.close();
    await successor?.close();
    await proxy?.close();
    work?.remove();
    await gitea.deleteRepo(owner, name).catch(() => undefined);
  });

  /** A planner of dev on the stale replica: a pull request from a fork is not planned, only commented on. */
  function stalePlanner(log: Log): PullRequestPlanner {
    return new PullRequestPlanner({
      environments: [fakeEnvironment('dev', { branch: 'dev' })],
      source: new FakeSource(),
      appliers: () => {
        throw new Error('a pull request from a fork is never planned here');
      },
      host: stale,
      lock: new EnvLock(),
      log,
      repo: `${owner}/${name}`,
      planForks: false,
      planTimeoutMs: 900_000,
      fence: () => lease.fence,
    });
  }

  /**
   * The stale replica plans `pr` (a fork's: its "not planned" comment) while Gitea answers the
   * comment write `method path` 503 once and the Lease is lost before the retry. Returns its log.
   */
  async function staleCommentRefused(pr: PullRequest, method: string, path: RegExp) {
    const refused = proxy.refused();
    proxy.refuse(method, path);
    const { log, lines } = recordingLog();
    const planner = stalePlanner(log);
    planner.plan(pr, `refs/pull/${pr.number}/head`);
    await planner.idle();
    await planner.stop();
    expect(proxy.refused()).toBe(refused + 1);
    return lines;
  }

  async function forkPullRequest(head: string): Promise<PullRequest> {
    const opened = await gitea.openPullRequest(owner, name, { head, base: 'dev', title: head });
    return {
      number: opened.number,
      base: 'dev',
      headSha: await gitea.branchSha(owner, name, head),
      headRef: head,
      fromFork: true,
      headCloneUrl: gitea.cloneUrl(owner, name),
      repository: `${owner}/${name}`,
    };
  }

  it("does not retry a commit status over the successor's once the Lease was lost during the backoff", async () => {
    // Given a commit the successor marked success
    const sha = await gitea.branchSha(owner, name, 'dev');
    const holder = new CommitStatusObserver(successor, { log: silentLog() });
    holder.finished('dev', sha, 'manual', { outcome: 'succeeded', durationMs: 1200 });
    await holder.idle();

    // When the stale replica posts its failure, Gitea answers it 503, and the Lease is lost before the retry
    const refused = proxy.refused();
    proxy.refuse('POST', /\/statuses\/[0-9a-f]+$/);
    const { log, lines } = recordingLog();
    const observer = new CommitStatusObserver(stale, { log });
    observer.finished('dev', sha, 'manual', STALE_FAILURE, lease.fence);
    await observer.idle();

    // Then the retry never reached Gitea: the commit shows the successor's success alone
    expect(proxy.refused()).toBe(refused + 1);
    const statuses = (await gitea.commitStatuses(owner, name, sha)).filter((s) => s.context === 'cairn/dev');
    expect(statuses.map((s) => s.status)).toEqual(['success']);
    // and the stale replica logged the post as not posted, for the fence (never the environment's failure)
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'commit status not posted', code: 'shard.lost' }),
    );
  });

  it("does not retry the edit of the plan comment over the successor's once the Lease was lost during the backoff", async () => {
    // Given a pull request whose plan comment the successor wrote
    const pr = await forkPullRequest('feature');
    const holderBody = `${planMarker('dev')}\nthe holder's plan`;
    await successor.upsertPullRequestComment(pr.number, planMarker('dev'), holderBody);

    // When the stale replica comments on it, Gitea answers the edit 503, and the Lease is lost before the retry
    const lines = await staleCommentRefused(pr, 'PATCH', /\/issues\/comments\/\d+$/);

    // Then the retry never reached Gitea: the comment is still the successor's
    const comments = await gitea.comments(owner, name, pr.number);
    expect(comments.map((c) => c.body)).toEqual([holderBody]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'git host call failed',
        call: 'comment',
        err: expect.stringContaining('Lease'),
      }),
    );
  });

  it('does not retry the creation of a plan comment once the Lease was lost during the backoff', async () => {
    // Given a pull request without a plan comment
    const pr = await forkPullRequest('other');

    // When the stale replica comments on it, Gitea answers the POST 503, and the Lease is lost before the retry
    const lines = await staleCommentRefused(pr, 'POST', /\/issues\/\d+\/comments$/);

    // Then no comment was created
    expect(await gitea.comments(owner, name, pr.number)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'git host call failed', call: 'comment' }));
  });
});
