import type { ControlSummary } from '../../../controller/audit/audit-index';
import type { ControlAction, ListedEntry, RevertProposal } from '../../../controller/audit/types';
import type { CairnConfig } from '../../../controller/config/types';
import type { GitHost, OpenPullRequest } from '../../../controller/host/types';
import { silentLog } from '../../../controller/log';
import type { AuditEntry, Failure, WriteFence } from '../../../controller/model';
import { heldLease } from '../../helpers/lost-lease';
import {
  autoRevertBranch,
  isCairnRevert,
  revertDecision,
  revertFailedRelease,
  type FailureRevertPorts,
} from '../../../controller/reconcile/failure-revert';
import { revertMessage, type proposeRevert } from '../../../controller/reconcile/propose-revert';
import { CairnError } from '../../../controller/model/errors';
import { movedOnFrom } from '../../../controller/source/revert-commit';

const FROM = 'a'.repeat(40);
const TO = 'b'.repeat(40);
const ROLLOUT: Failure = {
  code: 'kube.rollout-failed',
  phase: 'verify',
  retryable: false,
  subject: 'Deployment/apps/web',
  message: 'Deployment/apps/web: failed: ProgressDeadlineExceeded',
};

function failedEntry(over: Partial<AuditEntry> = {}): ListedEntry {
  return {
    id: 'e1e1e1e1-0000-4000-8000-000000000001',
    env: 'dev',
    trigger: 'poll',
    fromSha: FROM,
    toSha: TO,
    author: 'Dev <dev@example.com>',
    message: 'web: new image',
    committedAt: '2026-12-05T00:00:00Z',
    startedAt: '2026-12-05T00:00:01Z',
    finishedAt: '2026-12-05T00:00:09Z',
    outcome: 'failed',
    phases: [],
    changes: [{ target: 'kubernetes', subject: 'Deployment/apps/web', action: 'configured' }],
    failure: ROLLOUT,
    seq: 3,
    ...over,
  } as ListedEntry;
}

const env = { onFailure: { revert: 'commit' as const } };

describe('revertDecision: which failures propose their revert', () => {
  it('proposes it for a terminal rollout failure that changed something', () => {
    expect(revertDecision(failedEntry(), env)).toEqual({ propose: true });
  });

  it.each([
    ['onFailure is none', failedEntry(), {}, /none/],
    ['a success', failedEntry({ outcome: 'succeeded', failure: undefined }), env, /did not fail/],
    [
      'a retryable failure',
      failedEntry({ failure: { ...ROLLOUT, code: 'kube.unhealthy', retryable: true } }),
      env,
      /retryable/,
    ],
    [
      'a failure in plan',
      failedEntry({ failure: { ...ROLLOUT, code: 'kube.invalid', phase: 'plan' } }),
      env,
      /before anything was applied/,
    ],
    [
      'a failure in synthesize',
      failedEntry({ failure: { ...ROLLOUT, phase: 'synthesize' } }),
      env,
      /before anything/,
    ],
    [
      'nothing changed',
      failedEntry({
        changes: [{ target: 'kubernetes', subject: 'Deployment/apps/web', action: 'unchanged' }],
      }),
      env,
      /changed nothing/,
    ],
    ['the first apply', failedEntry({ fromSha: null }), env, /first apply/],
    ['a retry of the applied sha', failedEntry({ fromSha: TO }), env, /no new commit/],
    [
      'a revert made by cairn',
      failedEntry({
        message: revertMessage({ id: 'e0', env: 'dev', fromSha: FROM, toSha: TO, message: 'x' }, 'dev'),
      }),
      env,
      /itself a revert made by cairn/,
    ],
  ])('does not propose it for %s', (_name, entry, on, why) => {
    const decision = revertDecision(entry, on);
    expect(decision.propose).toBe(false);
    expect(decision.propose ? '' : decision.why).toMatch(why);
  });

  it('knows a cairn revert by its trailer, not by words in the subject', () => {
    expect(isCairnRevert('Revert "x"\n\nCairn-Revert-Of: e1\n')).toBe(true);
    expect(isCairnRevert('Revert "Cairn-Revert-Of: e1" by hand')).toBe(false);
  });
});

/** A ledger double with the AuditLog's shape: controls appended, entries by id. */
function ledger(entries: ListedEntry[]) {
  const controls: ControlSummary[] = [];
  return {
    controls: (e: string) => controls.filter((c) => c.env === e),
    get: (id: string) => Promise.resolve(entries.find((x) => x.id === id)),
    control: async (
      e: string,
      action: ControlAction,
      by: string,
      reason: string,
      p?: RevertProposal,
      fence?: WriteFence,
    ) => {
      fence?.(); // as the real log checks it right before the write
      controls.push({ env: e, seq: controls.length, action, at: 'now', by, reason, ...p });
      return null;
    },
    recorded: controls,
  };
}

/** A Git host double: the pull requests opened, by head branch (the only calls failure-revert makes itself). */
function pullRequests() {
  const pulls = new Map<string, { number: number; url: string }>();
  const opened: { request: OpenPullRequest; fenced: boolean }[] = [];
  const host: GitHost = {
    type: 'gitea',
    setCommitStatus: () => Promise.reject(new Error('unused')),
    upsertPullRequestComment: () => Promise.reject(new Error('unused')),
    openPullRequest: async (request, fence) => {
      fence?.(); // as the host client checks it right before the POST
      opened.push({ request, fenced: fence !== undefined });
      const pull = { number: 8, url: 'http://git/pr/8' };
      pulls.set(request.head, pull);
      return pull;
    },
    pullRequestFrom: async (head) => pulls.get(head),
    close: async () => {},
  };
  return { host, pulls, opened };
}

function ports(
  mode: 'pr' | 'commit',
  entries: ListedEntry[],
  heads: Map<string, string> = new Map([['dev', TO]]),
) {
  const audit = ledger(entries);
  const { host, pulls, opened } = pullRequests();
  const calls: Parameters<typeof proposeRevert>[] = [];
  const propose: typeof proposeRevert = (...args) => {
    calls.push(args);
    // The Git host now has the branch and its pull request (pr) or the branch moved (commit), as
    // the real push leaves it.
    if (mode === 'pr') {
      heads.set(args[2]!.prBranch!, 'c'.repeat(40));
      pulls.set(args[2]!.prBranch!, { number: 7, url: 'http://git/pr/7' });
    } else heads.set('dev', 'c'.repeat(40));
    return Promise.resolve({
      entry: args[1].id,
      env: 'dev',
      branch: 'dev',
      reverted: { fromSha: FROM, toSha: TO, subject: 'web: new image' },
      commit: 'c'.repeat(40),
      parent: TO,
      pushedTo: mode === 'pr' ? args[2]!.prBranch! : 'dev',
      files: ['k8s-resources/web.yaml'],
      rebased: false,
      ...(mode === 'pr' ? { pullRequest: { number: 7, url: 'http://git/pr/7' } } : {}),
    });
  };
  const config = {
    file: 'cairn.yaml',
    environments: [{ name: 'dev', branch: 'dev', onFailure: { revert: mode } }],
  } as unknown as CairnConfig;
  const p: FailureRevertPorts = {
    config,
    audit,
    log: silentLog(),
    remoteHeads: (branches) =>
      Promise.resolve(new Map(branches.flatMap((b) => (heads.has(b) ? [[b, heads.get(b)!] as const] : [])))),
    // The branches these tests find hold cairn's revert; the integration test pushes one that does not.
    notRevertOf: () => Promise.resolve(undefined),
    host,
    propose,
  };
  return { p, audit, calls, heads, pulls, opened };
}

describe('revertFailedRelease: never twice', () => {
  it('proposes a pull request once, records it, and names the failure in a trailer', async () => {
    const entry = failedEntry();
    const { p, audit, calls } = ports('pr', [entry]);
    const result = await revertFailedRelease(p, entry);
    expect(result).toEqual({
      kind: 'proposed',
      sha: 'c'.repeat(40),
      url: 'http://git/pr/7',
      branch: autoRevertBranch(TO),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]![2]).toMatchObject({
      failed: true,
      prBranch: 'cairn/revert-failed-bbbbbbbbbbbb',
      trailers: ['Cairn-Revert-Reason: kube.rollout-failed'],
    });
    expect(audit.recorded).toEqual([
      expect.objectContaining({
        action: 'revert-proposed',
        by: 'cairn',
        entry: entry.id,
        sha: 'c'.repeat(40),
        url: 'http://git/pr/7',
      }),
    ]);
  });

  it('a revert pushed before the Lease was lost is not recorded after it, and the holder proposes none again', async () => {
    // given a replica whose Lease is lost right after its push
    const entry = failedEntry();
    const { p, audit, calls } = ports('pr', [entry]);
    const lease = heldLease();
    const pushing = p.propose!;
    const proposed = await revertFailedRelease(
      {
        ...p,
        propose: async (...args) => {
          const made = await pushing(...args);
          lease.lose();
          return made;
        },
      },
      entry,
      lease.fence,
    );

    // then the push is reported, its record is not written, and the holder finds the branch
    expect(proposed).toMatchObject({ kind: 'proposed', sha: 'c'.repeat(40) });
    expect(audit.recorded).toEqual([]);
    expect(await revertFailedRelease(p, entry)).toEqual({
      kind: 'skipped',
      why: expect.stringMatching(/exists on the Git host, with pull request/),
    });
    expect(calls).toHaveLength(1);
  });

  it('a second failure pass of the same entry, or another entry of the same commit, proposes nothing (the ledger)', async () => {
    const entry = failedEntry();
    const again = failedEntry({ id: 'e2e2e2e2-0000-4000-8000-000000000002' });
    // A Git host that does not show the first revert (a branch deleted by hand): the ledger decides alone.
    const { p, calls, heads } = ports('pr', [entry, again]);
    await revertFailedRelease(p, entry);
    heads.delete(autoRevertBranch(TO));
    expect(await revertFailedRelease(p, entry)).toEqual({
      kind: 'skipped',
      why: expect.stringMatching(/ledger records/),
    });
    expect(await revertFailedRelease(p, again)).toEqual({
      kind: 'skipped',
      why: expect.stringMatching(/ledger records/),
    });
    expect(calls).toHaveLength(1);
  });

  it('a replica whose ledger does not show it yet finds the revert branch and its pull request on the Git host', async () => {
    const entry = failedEntry();
    const { p, calls, pulls, opened } = ports(
      'pr',
      [entry],
      new Map([
        ['dev', TO],
        [autoRevertBranch(TO), 'c'.repeat(40)],
      ]),
    );
    pulls.set(autoRevertBranch(TO), { number: 7, url: 'http://git/pr/7' });
    expect(await revertFailedRelease(p, entry)).toEqual({
      kind: 'skipped',
      why: expect.stringMatching(/exists on the Git host, with pull request http:\/\/git\/pr\/7/),
    });
    expect(calls).toHaveLength(0);
    expect(opened).toHaveLength(0);
  });

  it('a revert branch pushed without its pull request gets none once the environment branch moved on', async () => {
    // given a revert branch without its pull request, and a fix pushed onto dev since
    const entry = failedEntry();
    const { p, calls, opened } = ports(
      'pr',
      [entry],
      new Map([
        ['dev', 'f'.repeat(40)],
        [autoRevertBranch(TO), 'c'.repeat(40)],
      ]),
    );

    // when the holder's reconcile of the failed commit ends
    const result = await revertFailedRelease(p, entry, heldLease().fence);

    // then no pull request is opened against the moved branch
    expect(result).toEqual({ kind: 'skipped', why: expect.stringMatching(/^branch dev moved on/) });
    expect(opened).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it.each(['pr', 'commit'] as const)(
    '%s mode: a branch that moves on between the look and the revert gets none, and nothing is recorded',
    async (mode) => {
      // given dev at the failed commit when looked at, and the push finding it moved (the real
      // pushRevertCommit refuses a head other than onlyOnHead: test/unit/source/revert-only-on-head.test.ts)
      const entry = failedEntry();
      const { p, audit, calls, opened } = ports(mode, [entry]);
      const moving: FailureRevertPorts = {
        ...p,
        propose: (...args) => {
          calls.push(args);
          return Promise.reject(
            new CairnError(`${movedOnFrom('dev', TO, 'f'.repeat(40))} while its revert was being made`, {
              code: 'revert.branch-moved',
            }),
          );
        },
      };

      // when the failed reconcile proposes its revert
      const result = await revertFailedRelease(moving, entry, heldLease().fence);

      // then the revert was asked for on the failed commit only, and nothing is proposed or recorded
      expect(calls.map((c) => c[2]?.onlyOnHead)).toEqual([TO]);
      expect(result).toEqual({
        kind: 'skipped',
        why: expect.stringMatching(/^branch dev moved on from b{12} \(to f{12}\)/),
      });
      expect(opened).toEqual([]);
      expect(audit.recorded).toEqual([]);
    },
  );

  it('a revert branch pushed without its pull request (the pusher lost its Lease) gets it from the holder, once', async () => {
    // given a revert branch whose replica lost its Lease before it opened the pull request
    const entry = failedEntry();
    const { p, audit, calls, opened } = ports(
      'pr',
      [entry],
      new Map([
        ['dev', TO],
        [autoRevertBranch(TO), 'c'.repeat(40)],
      ]),
    );
    const lease = heldLease();

    // when the holder's reconcile of the commit fails as well, twice
    const first = await revertFailedRelease(p, entry, lease.fence);
    const second = await revertFailedRelease(p, entry, lease.fence);

    // then it opened the branch's pull request, fenced, named the failure, recorded it, and no second
    expect(first).toEqual({
      kind: 'proposed',
      sha: 'c'.repeat(40),
      url: 'http://git/pr/8',
      branch: autoRevertBranch(TO),
    });
    expect(calls).toHaveLength(0);
    expect(opened).toEqual([
      {
        request: expect.objectContaining({
          head: autoRevertBranch(TO),
          base: 'dev',
          title: 'Revert "web: new image"',
          body: expect.stringContaining('Cairn-Revert-Reason: kube.rollout-failed'),
        }),
        fenced: true,
      },
    ]);
    expect(audit.recorded).toEqual([
      expect.objectContaining({
        action: 'revert-proposed',
        entry: entry.id,
        sha: 'c'.repeat(40),
        url: 'http://git/pr/8',
      }),
    ]);
    expect(second).toEqual({ kind: 'skipped', why: expect.stringMatching(/ledger records/) });
  });

  it('a holder that lost its Lease too opens no pull request for the branch', async () => {
    const entry = failedEntry();
    const { p, audit, opened } = ports(
      'pr',
      [entry],
      new Map([
        ['dev', TO],
        [autoRevertBranch(TO), 'c'.repeat(40)],
      ]),
    );
    const lease = heldLease();
    lease.lose();
    expect(await revertFailedRelease(p, entry, lease.fence)).toEqual({
      kind: 'skipped',
      why: 'this replica no longer holds the environment',
    });
    expect(opened).toEqual([]);
    expect(audit.recorded).toEqual([]);
  });

  it('commit mode: a branch that moved past the failed commit (a fix or the revert) gets no revert', async () => {
    const entry = failedEntry();
    const { p, calls } = ports('commit', [entry], new Map([['dev', 'd'.repeat(40)]]));
    expect(await revertFailedRelease(p, entry)).toEqual({
      kind: 'skipped',
      why: expect.stringMatching(/moved on/),
    });
    expect(calls).toHaveLength(0);
  });

  it('a revert that cannot be made is revert.failed, naming the entry and what to do, and nothing is recorded', async () => {
    const entry = failedEntry();
    const { p, audit } = ports('commit', [entry]);
    const failing: FailureRevertPorts = {
      ...p,
      propose: () => Promise.reject(new Error('conflict in k8s-resources/web.yaml')),
    };
    const result = await revertFailedRelease(failing, entry);
    expect(result).toEqual({
      kind: 'failed',
      failure: expect.objectContaining({
        code: 'revert.failed',
        retryable: false,
        subject: `audit entry ${entry.id} (dev)`,
        message: expect.stringMatching(/conflict in k8s-resources\/web.yaml.*cairn revert e1e1e1e1/),
      }),
    });
    expect(audit.recorded).toEqual([]);
  });

  it('never throws, even when the ledger or the Git host cannot be read', async () => {
    const entry = failedEntry();
    const { p } = ports('commit', [entry]);
    const down: FailureRevertPorts = {
      ...p,
      remoteHeads: () => Promise.reject(new Error('connection refused')),
    };
    expect(await revertFailedRelease(down, entry)).toMatchObject({
      kind: 'failed',
      failure: { code: 'revert.failed' },
    });
  });
});
