import type { ControlSummary } from '../audit/audit-index';
import type { ControlAction, ListedEntry, RevertProposal } from '../audit/types';
import type { CairnConfig, EnvironmentConfig } from '../config/types';
import { createGitHost } from '../host/create-git-host';
import type { GitHost } from '../host/types';
import type { Log } from '../log';
import {
  errorMessage,
  isCairnError,
  maskSecrets,
  type AuditEntry,
  type Failure,
  type Phase,
  type WriteFence,
} from '../model';
import { remoteOf } from '../source/create-git-source';
import { movedOnFrom, notRevertOf, remoteHeads } from '../source/revert-commit';
import {
  REVERT_TRAILER,
  openRevertPullRequest,
  proposeRevert,
  revertMessage,
  type ProposeRevertDeps,
  type RevertSummary,
} from './propose-revert';

/**
 * failure-revert (issue 28): a release that fails terminally in apply or verify after changing
 * something proposes its own revert, as `cairn revert` makes it, once per failed commit. The
 * decision is pure (`revertDecision`); `revertFailedRelease` checks the ledger and the Git host
 * for an earlier proposal, makes the revert and records it. Nothing here fails a reconcile.
 */

/** Whether a failed entry's revert is proposed, and when not, why (logged at debug). */
export type RevertDecision = { readonly propose: true } | { readonly propose: false; readonly why: string };

/** The phases in which something may already have changed on AWS or the cluster. */
const CHANGING_PHASES: ReadonlySet<Phase> = new Set<Phase>(['apply-aws', 'apply-kubernetes', 'verify']);

/** True when `message` is a revert cairn made (it carries the `Cairn-Revert-Of` trailer). */
export function isCairnRevert(message: string): boolean {
  return new RegExp(`^${REVERT_TRAILER}: \\S+\\s*$`, 'm').test(message);
}

/**
 * Which failures qualify: the environment asks for it (`onFailure.revert`), the failure is terminal
 * (a retryable one is retried, not reverted), it happened in apply or verify after at least one
 * change (a failure before anything changed leaves nothing to undo), the entry brought a new commit
 * on top of an earlier one, and that commit is not itself a revert made by cairn (no revert loops).
 */
export function revertDecision(
  entry: Pick<AuditEntry, 'outcome' | 'failure' | 'changes' | 'fromSha' | 'toSha' | 'message'>,
  env: Pick<EnvironmentConfig, 'onFailure'>,
): RevertDecision {
  const no = (why: string): RevertDecision => ({ propose: false, why });
  if (!env.onFailure) return no('onFailure.revert is none');
  const failure = entry.failure;
  if (entry.outcome !== 'failed' || !failure) return no(`the entry did not fail (outcome ${entry.outcome})`);
  if (failure.retryable) return no(`${failure.code} is retryable: the same commit is tried again`);
  if (!CHANGING_PHASES.has(failure.phase))
    return no(`${failure.code} failed in ${failure.phase}, before anything was applied`);
  if (!entry.changes.some((c) => c.action !== 'unchanged' && c.action !== 'skipped'))
    return no('the failed reconcile changed nothing, so there is nothing to undo');
  if (entry.fromSha === null) return no('it is the first apply: there is no earlier commit to go back to');
  if (entry.fromSha === entry.toSha) return no('it brought no new commit (a retry or a drift pass)');
  if (isCairnRevert(entry.message)) return no('the failed commit is itself a revert made by cairn');
  return { propose: true };
}

/** The branch an automatic revert pull request is pushed to: one per failed commit, whatever entry failed on it. */
export function autoRevertBranch(toSha: string): string {
  return `cairn/revert-failed-${toSha.slice(0, 12)}`;
}

/** The seams of an automatic revert: the ledger, the Git host and the shared revert. */
export interface FailureRevertPorts {
  readonly config: CairnConfig;
  readonly audit: {
    controls(env: string): readonly ControlSummary[];
    get(id: string): Promise<ListedEntry | undefined>;
    control(
      env: string,
      action: ControlAction,
      by: string,
      reason: string,
      p?: RevertProposal,
      fence?: WriteFence,
    ): Promise<unknown>;
  };
  /** The heads of these branches on the remote (ls-remote); absent branches are absent. */
  readonly remoteHeads: (branches: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /**
   * Why the head of the revert branch `branch` on the remote is not cairn's revert of
   * `fromSha..toSha`, or undefined when it is (see revert-commit.ts `notRevertOf`).
   */
  readonly notRevertOf: (branch: string, fromSha: string, toSha: string) => Promise<string | undefined>;
  /** The Git host a pull request is opened on (`pr` mode); closed by the caller. */
  readonly host?: GitHost;
  readonly log: Log;
  readonly propose?: typeof proposeRevert;
  readonly deps?: ProposeRevertDeps;
}

/** What became of a failed entry's revert: made, not wanted (why), or it could not be made. */
export type RevertResult =
  | { readonly kind: 'proposed'; readonly sha: string; readonly url?: string; readonly branch: string }
  | { readonly kind: 'skipped'; readonly why: string }
  | { readonly kind: 'failed'; readonly failure: Failure };

/**
 * Proposes the revert of the failed `entry` when `revertDecision` says so and neither the ledger
 * (a `revert-proposed` record for this entry or its commit) nor the Git host (the revert branch, or
 * a branch that moved past the failed commit) shows one already; records `revert-proposed`. A
 * revert branch without its pull request gets the pull request (see `completeProposal`). Never
 * throws: a revert that cannot be made is a `revert.failed` result, logged.
 */
export async function revertFailedRelease(
  ports: FailureRevertPorts,
  entry: AuditEntry,
  fence?: WriteFence,
): Promise<RevertResult> {
  const env = ports.config.environments.find((e) => e.name === entry.env);
  const log = ports.log.child({ env: entry.env, entry: entry.id, sha: entry.toSha.slice(0, 12) });
  const decision = env ? revertDecision(entry, env) : { propose: false as const, why: 'unknown environment' };
  if (!decision.propose || !env?.onFailure) {
    log.debug({ why: decision.propose ? '' : decision.why }, 'no revert proposed');
    return { kind: 'skipped', why: decision.propose ? 'onFailure.revert is none' : decision.why };
  }
  const branch = autoRevertBranch(entry.toSha);
  const pr = env.onFailure.revert === 'pr';
  try {
    const earlier = await proposedBefore(ports, entry);
    if (earlier) {
      log.info({ why: earlier }, 'revert already proposed');
      return { kind: 'skipped', why: earlier };
    }
    const heads = await ports.remoteHeads([env.branch, branch]);
    const pushed = heads.get(branch);
    const head = heads.get(env.branch);
    // A branch that moved on (a fix, or a revert by hand) wants no revert of the failed commit: not
    // a new one, nor the pull request of one pushed before it moved. The push checks it again
    // (`onlyOnHead`), for a branch that moves between this look and the revert's fetch.
    const movedOn = movedOnFrom(env.branch, entry.toSha, head);
    if (movedOn) return skipped(log, movedOn, 'revert not proposed: the branch moved on');
    if (pushed !== undefined)
      return pr && ports.host
        ? await completeProposal({ ...ports, host: ports.host }, entry, env, branch, pushed, fence, log)
        : skipped(log, `branch ${branch} exists on the Git host: its revert is proposed`);
    const listed = await listedEntry(ports, entry);
    if (pr && !ports.host) throw new Error('onFailure.revert is pr but no Git host is configured');
    const why = whyReverted(entry);
    const made: RevertSummary = await (ports.propose ?? proposeRevert)(
      ports.config,
      listed,
      {
        ...(pr ? { host: ports.host!, prBranch: branch } : {}),
        failed: true,
        onlyOnHead: entry.toSha,
        ...(fence ? { fence } : {}),
        message: why.note,
        trailers: why.trailers,
      },
      ports.deps,
    );
    const url = made.pullRequest?.url;
    await recordProposal(ports, entry, made.commit, url, fence, log);
    log.warn(
      { revert: made.commit.slice(0, 12), pushedTo: made.pushedTo, ...(url ? { url } : {}) },
      'revert proposed',
    );
    return { kind: 'proposed', sha: made.commit, branch: made.pushedTo, ...(url ? { url } : {}) };
  } catch (error) {
    // The branch moved on between the look above and the revert's fetch (or its push): nothing was
    // pushed, and the new head is reconciled (and, failing, reverted) in its turn.
    if (isCairnError(error) && error.code === 'revert.branch-moved')
      return skipped(log, error.detail, 'revert not proposed: the branch moved on');
    // This replica lost the environment's Lease before it pushed, or before it opened the pull
    // request of what it pushed: the holder reverts, or opens that pull request, if need be.
    if (isCairnError(error) && error.code === 'shard.lost') {
      log.warn(
        { code: error.code, err: error.message },
        'revert not proposed: this replica no longer holds the environment',
      );
      return { kind: 'skipped', why: 'this replica no longer holds the environment' };
    }
    const failure: Failure = {
      code: 'revert.failed',
      phase: 'record',
      retryable: false,
      subject: `audit entry ${entry.id} (${entry.env})`,
      message: maskSecrets(
        `the revert of ${entry.toSha.slice(0, 12)} could not be proposed: ${isCairnError(error) ? `${error.code}: ${error.message}` : errorMessage(error)}; revert it with \`cairn revert ${entry.id.slice(0, 8)}\` or push a fix`,
      ),
    };
    log.error({ code: failure.code, err: failure.message }, 'revert could not be proposed');
    return { kind: 'failed', failure };
  }
}

/**
 * The revert branch of `entry`'s commit is on the Git host (pushed by this replica or another):
 * proposed, once a pull request from it was opened, whatever became of it (merged, or closed: a
 * person declined it). Without one, the replica that pushed it lost its Lease, or stopped, before
 * it opened it; the holder opens it now, fenced as the push was, and records it. The branch alone
 * would pass for a proposed revert that nobody was asked to merge. Never a second pull request:
 * one from the branch is looked for first, and a host keeps one open per branch and base.
 */
async function completeProposal(
  ports: FailureRevertPorts & { readonly host: GitHost },
  entry: AuditEntry,
  env: EnvironmentConfig,
  branch: string,
  commit: string,
  fence: WriteFence | undefined,
  log: Log,
): Promise<RevertResult> {
  const opened = await ports.host.pullRequestFrom(branch, env.branch);
  if (opened)
    return skipped(
      log,
      `branch ${branch} exists on the Git host, with pull request ${opened.url}: its revert is proposed`,
    );
  // Its name is known in advance: whoever may push could have put something else there, and a pull
  // request cairn opens reads as cairn's revert. Left to a person, as the branch alone always was.
  const foreign = entry.fromSha
    ? await ports.notRevertOf(branch, entry.fromSha, entry.toSha)
    : 'the entry has no commit before it to go back to';
  if (foreign) {
    const why = `branch ${branch} exists on the Git host without a pull request, and ${foreign}: cairn opens a pull request only for a branch holding the revert it makes (on the failed commit, back to the tree of ${entry.fromSha?.slice(0, 12) ?? 'the commit before it'}); look at the branch and open its pull request by hand, or delete it`;
    log.warn({ why, branch }, 'revert not proposed: its branch holds no revert cairn can vouch for');
    return { kind: 'skipped', why };
  }
  const listed = await listedEntry(ports, entry);
  const why = whyReverted(entry);
  const message = revertMessage(listed, env.branch, why.note, why.trailers);
  const { url } = await openRevertPullRequest(
    ports.host,
    listed,
    { base: env.branch, head: branch },
    commit,
    message,
    fence,
  );
  await recordProposal(ports, entry, commit, url, fence, log);
  log.warn(
    { revert: commit.slice(0, 12), pushedTo: branch, url },
    'revert proposed: opened the pull request of a revert branch pushed without one',
  );
  return { kind: 'proposed', sha: commit, branch, url };
}

/** The note and trailers of `entry`'s automatic revert: the failure it undoes. */
function whyReverted(entry: AuditEntry): { readonly note: string; readonly trailers: readonly string[] } {
  const f = entry.failure!;
  return {
    note: `cairn proposes this revert because the release failed: ${f.code} in ${f.phase}${f.subject ? ` (${f.subject})` : ''}.`,
    trailers: [`Cairn-Revert-Reason: ${f.code}`],
  };
}

async function listedEntry(ports: FailureRevertPorts, entry: AuditEntry): Promise<ListedEntry> {
  const listed = await ports.audit.get(entry.id);
  if (!listed) throw new Error(`audit entry ${entry.id} is not in the ledger`);
  return listed;
}

/** Records `revert-proposed` for `entry`; fenced off (the Lease lost since the push), it is logged instead. */
async function recordProposal(
  ports: FailureRevertPorts,
  entry: AuditEntry,
  commit: string,
  url: string | undefined,
  fence: WriteFence | undefined,
  log: Log,
): Promise<void> {
  const reason = `revert of ${entry.toSha.slice(0, 12)} after ${entry.failure!.code}`;
  await ports.audit
    .control(
      entry.env,
      'revert-proposed',
      'cairn',
      reason,
      { entry: entry.id, sha: commit, ...(url ? { url } : {}) },
      fence,
    )
    .catch((error: unknown) => {
      // Proposed while this replica held the Lease, fenced off since: the holder finds the revert
      // by its branch (and its pull request) on the Git host, and proposes none again.
      if (!(isCairnError(error) && error.code === 'shard.lost')) throw error;
      log.warn(
        { code: error.code, err: error.message },
        'revert pushed, not recorded: this replica no longer holds the environment',
      );
    });
}

function skipped(
  log: Log,
  why: string,
  message: 'revert already proposed' | 'revert not proposed: the branch moved on' = 'revert already proposed',
): RevertResult {
  log.info({ why }, message);
  return { kind: 'skipped', why };
}

/** Why the ledger shows a revert of this entry (or of its commit, by another entry) already; undefined when not. */
async function proposedBefore(ports: FailureRevertPorts, entry: AuditEntry): Promise<string | undefined> {
  for (const c of ports.audit.controls(entry.env)) {
    if (c.action !== 'revert-proposed' || c.untrusted || !c.entry) continue;
    const same = c.entry === entry.id || (await ports.audit.get(c.entry))?.toSha === entry.toSha;
    if (same)
      return `the ledger records its revert ${c.sha?.slice(0, 12) ?? ''} (${c.url ?? 'pushed to the branch'}), proposed ${c.at}`;
  }
  return undefined;
}

/**
 * The automatic revert as the controller and `cairn sync` call it after a failed reconcile: the
 * repository's credentials for ls-remote and the push, and the Git host (`host` when the caller
 * has one open, else one made for the pull request and closed after it).
 */
export function failureReverter(
  config: CairnConfig,
  audit: FailureRevertPorts['audit'],
  log: Log,
  host?: GitHost,
  env: NodeJS.ProcessEnv = process.env,
): (entry: AuditEntry, fence?: WriteFence) => Promise<RevertResult> {
  const sshKeyPath = config.repository.auth?.sshKeyPath;
  const remote = { ...remoteOf(config.repository, env), ...(sshKeyPath ? { sshKeyPath } : {}) };
  return async (entry, fence) => {
    const wanted = config.environments.find((e) => e.name === entry.env)?.onFailure?.revert;
    if (!wanted || entry.outcome !== 'failed') return { kind: 'skipped', why: 'onFailure.revert is none' };
    let own: GitHost | undefined;
    try {
      if (wanted === 'pr' && !host && config.repository.host)
        own = createGitHost(config.repository.host, env);
    } catch (error) {
      log.error(
        { env: entry.env, code: 'revert.failed', err: errorMessage(error) },
        'revert could not be proposed',
      );
    }
    const using = host ?? own;
    try {
      return await revertFailedRelease(
        {
          config,
          audit,
          log,
          remoteHeads: (branches) => remoteHeads(remote, branches),
          notRevertOf: (branch, fromSha, toSha) => notRevertOf({ ...remote, branch, fromSha, toSha }),
          ...(using ? { host: using } : {}),
          deps: { env },
        },
        entry,
        fence,
      );
    } finally {
      await own?.close();
    }
  };
}
