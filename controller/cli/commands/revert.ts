import { Command, InvalidArgumentError, type Option } from 'commander';
import {
  proposeRevert,
  refusal,
  revertBranch,
  revertMessage,
  type RevertSummary,
} from '../../reconcile/propose-revert';
import { loadConfig } from '../../config/load-config';
import type { CairnConfig } from '../../config/types';
import { errorMessage, isCairnError } from '../../model/errors';
import { createGitHost } from '../../host/create-git-host';
import type { GitHost } from '../../host/types';
import { maskSecrets } from '../../model';
import type { GitIdentity, pushRevertCommit } from '../../source/revert-commit';
import type { RevertPort } from '../../server/types';
import { environmentNamed } from '../environment-named';
import { auditEntry } from './audit';

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

// The shared revert (propose-revert.ts) is what this command, the API and a failed release's revert run.
export { refusal, revertBranch, revertMessage, type RevertSummary };

/** A usage error: printed and mapped to exit code 2. */
class UsageError extends Error {}

/** Runs `cairn revert`; returns the exit code (0 pushed, 1 refused or failed, 2 usage). */
export async function revertCommand(id: string, o: RevertOptions, deps: RevertDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  try {
    const summary = await revert(id, o, deps);
    stdout(o.json ? `${JSON.stringify(summary, null, 2)}\n` : render(summary, o.config));
    return 0;
  } catch (error) {
    const text = maskSecrets(isCairnError(error) ? error.message : errorMessage(error));
    stderr(`cairn revert: ${text}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** Reverts the entry `id`; with `env`, an entry of that environment only, found in its chain alone. */
async function revert(id: string, o: RevertOptions, deps: RevertDeps, env?: string): Promise<RevertSummary> {
  const config = loadConfig(o.config);
  const host = o.pr ? (deps.hostFor ?? configuredHost(deps.env ?? process.env))(config) : undefined;
  if (o.pr && !host) {
    throw new UsageError(
      `--pr opens a pull request through the Git host, but ${config.file} has no repository.host; add repository.host (type and tokenEnv at least), or run without --pr to push the revert to the branch`,
    );
  }
  try {
    const entry = await auditEntry(config, id, env);
    environmentNamed(config, entry.env);
    return await proposeRevert(
      config,
      entry,
      {
        ...(host ? { host } : {}),
        ...(o.message !== undefined ? { message: o.message } : {}),
        ...(o.author ? { author: o.author } : {}),
      },
      deps,
    );
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
      // Only env's chain is read: the entry must be one of env's (a sync token for one URL cannot
      // revert another environment through it), and the other environments' history is not this
      // caller's to read or to wait for.
      const summary = await revert(
        entryId,
        {
          config: configFile,
          pr: loadConfig(configFile).repository.host !== undefined,
          message: `Requested by ${by} through cairn's API.`,
        },
        deps,
        env,
      );
      return { sha: summary.commit, ...(summary.pullRequest ? { url: summary.pullRequest.url } : {}) };
    },
  };
}

/** The client of `repository.host`, or undefined when the config has none. */
function configuredHost(env: NodeJS.ProcessEnv): (config: CairnConfig) => GitHost | undefined {
  return (config) => (config.repository.host ? createGitHost(config.repository.host, env) : undefined);
}

function render(s: RevertSummary, configFile: string): string {
  const lines = [
    `Reverted audit entry ${s.entry} (${s.env}): ${s.reverted.fromSha.slice(0, 12)}..${s.reverted.toSha.slice(0, 12)} "${s.reverted.subject}"`,
    `  commit ${s.commit} on branch ${s.pushedTo} (parent ${s.parent.slice(0, 12)}${s.rebased ? ', made again after the branch moved' : ''})`,
    `  files: ${s.files.join(', ')}`,
  ];
  if (s.pullRequest) {
    lines.push(`  pull request #${s.pullRequest.number} into ${s.branch}: ${s.pullRequest.url}`);
    lines.push('cairn applies it once the pull request is merged.');
  } else {
    lines.push(
      `cairn applies it at its next reconcile (or now: cairn sync --config ${configFile} --env ${s.env}).`,
    );
  }
  return `${lines.join('\n')}\n`;
}
