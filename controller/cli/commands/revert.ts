import { Command, InvalidArgumentError, type Option } from 'commander';
import { AuditLog } from '../../audit/audit-log';
import type { ListedEntry } from '../../audit/types';
import { loadConfig } from '../../config/load-config';
import { configuredSecretValues } from '../../config/secret-values';
import type { CairnConfig } from '../../config/types';
import { CairnError, errorMessage, isCairnError } from '../../model/errors';
import { createGitHost } from '../../host/create-git-host';
import type { GitHost } from '../../host/types';
import { checkedSha, maskSecrets, rememberSecrets } from '../../model';
import { authFrom } from '../../source/create-git-source';
import {
  DEFAULT_REVERT_IDENTITY,
  pushRevertCommit,
  type GitIdentity,
  type RevertCommit,
} from '../../source/revert-commit';
import type { RevertPort } from '../../server/types';
import { environmentNamed } from '../wire';

/** The command line of `cairn revert`, as commander parses it. */
export interface RevertOptions {
  readonly config: string;
  readonly pr?: boolean;
  readonly message?: string;
  readonly author?: GitIdentity;
  readonly json?: boolean;
}

/** The seams of `cairn revert`: the Git host (for `--pr`), the push, the process environment and output. */
export interface RevertDeps {
  /** The configured Git host, or undefined when `repository.host` is not configured. */
  readonly hostFor?: (config: CairnConfig) => GitHost | undefined;
  readonly push?: typeof pushRevertCommit;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** What `cairn revert --json` prints. */
export interface RevertSummary {
  readonly entry: string;
  readonly env: string;
  readonly branch: string;
  readonly reverted: { readonly fromSha: string; readonly toSha: string; readonly subject: string };
  readonly commit: string;
  readonly parent: string;
  readonly pushedTo: string;
  readonly files: readonly string[];
  readonly rebased: boolean;
  readonly pullRequest?: { readonly number: number; readonly url: string };
}

/** `cairn revert <entry>`: registered in main.ts with one line. */
export function revertCommandLine(
  configOption: () => Option,
  exit: (code: number) => void,
  deps: RevertDeps = {},
): Command {
  return new Command('revert')
    .description(
      "undo an audit entry's commits with a revert commit pushed to the environment's branch (or, with --pr, a pull request); cairn then applies it like any commit. Needs the git binary (2.38 or newer).",
    )
    .addOption(configOption())
    .argument('<entry>', 'the audit entry id (a unique prefix is enough), as `cairn audit list` shows it')
    .option(
      '--pr',
      'push a branch cairn/revert-<id> and open a pull request into the environment branch (needs repository.host)',
    )
    .option('-m, --message <text>', 'a paragraph saying why, added to the commit message')
    .option(
      '--author <identity>',
      'author and committer, "Name <email>" (default: cairn <cairn@localhost>)',
      parseIdentity,
    )
    .option('--json', 'print the result as JSON')
    .action(async (id: string, o: RevertOptions) => exit(await revertCommand(id, o, deps)));
}

/** Parses `Name <email>` for `--author`; a usage error (exit 2) otherwise. */
export function parseIdentity(value: string): GitIdentity {
  const match = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (!match)
    throw new InvalidArgumentError('--author takes "Name <email>", e.g. "Release Bot <bot@example.com>".');
  return { name: match[1]!, email: match[2]! };
}

/**
 * Why an entry cannot be reverted, or undefined when it can: the first apply has nothing to go
 * back to, a failed or no-op entry changed nothing to undo, an untrusted entry is not evidence.
 */
export function refusal(entry: ListedEntry): string | undefined {
  if (entry.untrusted)
    return `it is untrusted (${entry.untrusted}); repair the audit chain or revert by hand with git`;
  if (entry.outcome === 'failed' || entry.outcome === 'interrupted') {
    return (
      `it did not succeed (outcome ${entry.outcome}), so there is no applied change to undo; ` +
      `push a fix, or revert the commit ${entry.toSha.slice(0, 12)} yourself with git`
    );
  }
  if (entry.outcome === 'no-op') {
    return (
      `it was a no-op (nothing was applied), so there is nothing to undo; ` +
      `revert the entry that applied the change (see \`cairn audit list --env ${entry.env}\`)`
    );
  }
  if (entry.fromSha === null) {
    return `it is the first apply of environment ${entry.env}: there is no earlier commit to go back to`;
  }
  if (entry.fromSha === entry.toSha) {
    return `it applied ${entry.toSha.slice(0, 12)} again (a retry or drift correction) and brought no new commit to revert`;
  }
  return undefined;
}

/** The branch `--pr` pushes: `cairn/revert-` and the first 8 characters of the entry id. */
export function revertBranch(entry: Pick<ListedEntry, 'id'>): string {
  return `cairn/revert-${entry.id.slice(0, 8)}`;
}

/** The subject of the newest reverted commit (the first line of its message). */
function subjectOf(entry: Pick<ListedEntry, 'message'>): string {
  return entry.message.split('\n')[0]!.trim();
}

/** The revert commit's message: what it reverts, the audit entry, the shas, and a trailer scripts can read. */
export function revertMessage(
  entry: Pick<ListedEntry, 'id' | 'env' | 'fromSha' | 'toSha' | 'message'>,
  branch: string,
  note?: string,
): string {
  const range = `${entry.fromSha}..${entry.toSha}`;
  return [
    `Revert "${subjectOf(entry)}"`,
    '',
    `This reverts the commits ${range} on branch ${branch},`,
    `applied to environment ${entry.env} as audit entry ${entry.id}.`,
    ...(note?.trim() ? ['', note.trim()] : []),
    '',
    `Cairn-Revert-Of: ${entry.id}`,
    `Cairn-Reverted-Range: ${range}`,
    '',
  ].join('\n');
}

/** A usage error: printed and mapped to exit code 2. */
class UsageError extends Error {}

/** Runs `cairn revert`; returns the exit code (0 pushed, 1 refused or failed, 2 usage). */
export async function revertCommand(id: string, o: RevertOptions, deps: RevertDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  try {
    const summary = await revert(id, o, deps);
    stdout(o.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary));
    return 0;
  } catch (error) {
    const text = maskSecrets(isCairnError(error) ? error.message : errorMessage(error));
    stderr(`cairn revert: ${text}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

async function revert(id: string, o: RevertOptions, deps: RevertDeps): Promise<RevertSummary> {
  const config = loadConfig(o.config);
  rememberSecrets(configuredSecretValues(config));
  const host = o.pr ? (deps.hostFor ?? configuredHost(deps.env ?? process.env))(config) : undefined;
  if (o.pr && !host) {
    throw new UsageError(
      `--pr opens a pull request through the Git host, but ${config.file} has no repository.host; add repository.host (type and tokenEnv at least), or run without --pr to push the revert to the branch`,
    );
  }
  try {
    const entry = await readEntry(config, id);
    const why = refusal(entry);
    if (why)
      throw new CairnError(`cannot revert: ${why}`, {
        code: 'revert.refused',
        subject: `audit entry ${entry.id} (${entry.env})`,
      });
    // A forged entry in an unkeyed log must not put an option (`--upload-pack=...`) in git's argv.
    const subject = `audit entry ${entry.id.slice(0, 8)}`;
    const fromSha = checkedSha(entry.fromSha, `${subject}, fromSha`);
    const toSha = checkedSha(entry.toSha, `${subject}, toSha`);
    const env = environmentNamed(config, entry.env);
    const auth = authFrom(config.repository, deps.env ?? process.env);
    rememberSecrets([auth?.password]);
    const pushTo = o.pr ? revertBranch(entry) : env.branch;
    const commit: RevertCommit = await naming(
      entry,
      (deps.push ?? pushRevertCommit)({
        url: config.repository.url,
        ...(auth ? { auth } : {}),
        ...(config.repository.auth?.sshKeyPath ? { sshKeyPath: config.repository.auth.sshKeyPath } : {}),
        branch: env.branch,
        fromSha,
        toSha,
        message: revertMessage(entry, env.branch, o.message),
        identity: o.author ?? DEFAULT_REVERT_IDENTITY,
        pushTo,
      }),
    );
    const pullRequest = host
      ? await host
          .openPullRequest({
            title: `Revert "${subjectOf(entry)}"`,
            body: revertMessage(entry, env.branch, o.message),
            head: pushTo,
            base: env.branch,
          })
          .catch((error: unknown) => {
            throw new CairnError(
              `pushed the revert commit ${commit.sha} to branch ${pushTo}, but opening the pull request failed: ${errorMessage(error)}`,
              {
                code: 'revert.pull-request',
                subject: `audit entry ${entry.id} (${entry.env})`,
                hint: `open a pull request from ${pushTo} into ${env.branch} by hand, or delete ${pushTo} and run the command again`,
                cause: error,
              },
            );
          })
      : undefined;
    return {
      entry: entry.id,
      env: entry.env,
      branch: env.branch,
      reverted: { fromSha: entry.fromSha!, toSha: entry.toSha, subject: subjectOf(entry) },
      commit: commit.sha,
      parent: commit.parent,
      pushedTo: commit.pushedTo,
      files: commit.files,
      rebased: commit.rebased,
      ...(pullRequest ? { pullRequest: { number: pullRequest.number, url: pullRequest.url } } : {}),
    };
  } finally {
    await host?.close();
  }
}

/**
 * The API's revert (`POST /api/environments/:env/revert`, the web UI's "Open revert PR"): the same
 * revert `cairn revert` makes, as a pull request where a Git host is configured and otherwise pushed
 * to the environment's branch, with the caller named in the commit message. The entry must be one
 * of `env`'s: a sync token for one URL cannot revert another environment through it.
 */
export function revertPort(configFile: string, deps: RevertDeps = {}): RevertPort {
  return {
    async propose(env, entryId, by) {
      const config = loadConfig(configFile);
      const entry = await readEntry(config, entryId);
      if (entry.env !== env) {
        throw new CairnError(`audit entry ${entryId} is one of ${entry.env}'s, not ${env}'s`, {
          code: 'revert.refused',
          subject: `audit entry ${entryId}`,
        });
      }
      const summary = await revert(
        entry.id,
        {
          config: configFile,
          pr: config.repository.host !== undefined,
          message: `Requested by ${by} through cairn's API.`,
        },
        deps,
      );
      return { sha: summary.commit, ...(summary.pullRequest ? { url: summary.pullRequest.url } : {}) };
    },
  };
}

/** A failure of `work` (a refused push, a conflict) with the entry it was for leading its message. */
async function naming<T>(entry: ListedEntry, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const text = isCairnError(error) ? error.message : errorMessage(error);
    throw new CairnError(text, {
      code: isCairnError(error) ? error.code : 'revert.failed',
      subject: `audit entry ${entry.id} (${entry.env})`,
      cause: error,
    });
  }
}

/** The client of `repository.host`, or undefined when the config has none. */
function configuredHost(env: NodeJS.ProcessEnv): (config: CairnConfig) => GitHost | undefined {
  return (config) => (config.repository.host ? createGitHost(config.repository.host, env) : undefined);
}

async function readEntry(config: CairnConfig, id: string): Promise<ListedEntry> {
  const reader = await AuditLog.reader(config.audit);
  try {
    const entry = await reader.get(id);
    if (!entry) {
      throw new CairnError(`no audit entry with id ${id}`, {
        code: 'audit.not-found',
        hint: 'list ids with `cairn audit list`',
      });
    }
    return entry;
  } finally {
    await reader.close();
  }
}

function render(s: RevertSummary): string {
  const lines = [
    `Reverted audit entry ${s.entry} (${s.env}): ${s.reverted.fromSha.slice(0, 12)}..${s.reverted.toSha.slice(0, 12)} "${s.reverted.subject}"`,
    `  commit ${s.commit} on branch ${s.pushedTo} (parent ${s.parent.slice(0, 12)}${s.rebased ? ', made again after the branch moved' : ''})`,
    `  files: ${s.files.join(', ')}`,
  ];
  if (s.pullRequest) {
    lines.push(`  pull request #${s.pullRequest.number} into ${s.branch}: ${s.pullRequest.url}`);
    lines.push('cairn applies it once the pull request is merged.');
  } else {
    lines.push(`cairn applies it at its next reconcile (or now: cairn sync --env ${s.env}).`);
  }
  return `${lines.join('\n')}\n`;
}
