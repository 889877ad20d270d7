import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/audit/types';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { runCli, type CliResult } from './cli';
import { auditKeyFile } from './e2e-platform';

/** A local Git repository with one `dev` environment on the sandbox cluster, driven through the CLI. */
export interface LocalPlatform {
  readonly config: string;
  /** The ledger's folder. */
  readonly audit: string;
  /** Writes (or, for null, removes) the files and commits them on `dev`; an empty commit is allowed. */
  commit(message: string, files: Readonly<Record<string, string | null>>): void;
  /** The sha `dev` points at. */
  head(): string;
  /** `cairn sync --json`: the exit code, the audit entry it printed, and its stderr. */
  sync(): Promise<{ readonly code: number | null; readonly entry: AuditEntry; readonly stderr: string }>;
  /** `cairn plan --json`, as the CLI answered. */
  plan(): Promise<CliResult>;
}

/**
 * A repository under `dir` whose `dev` environment applies with `kubernetes` (merged over the
 * sandbox kubeconfig and a 10 s health timeout) and the top-level config sections in `top`.
 */
export function localPlatform(
  dir: string,
  kubernetes: Readonly<Record<string, unknown>>,
  top: Readonly<Record<string, unknown>> = {},
): LocalPlatform {
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Ada',
        GIT_AUTHOR_EMAIL: 'a@x',
        GIT_COMMITTER_NAME: 'Ada',
        GIT_COMMITTER_EMAIL: 'a@x',
      },
    });
  git('init', '-q', '-b', 'dev');
  const config = join(dir, 'cairn.yaml');
  const audit = join(dir, 'audit');
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
      audit: { dir: audit, keyFile: auditKeyFile(dir) },
      ...top,
    }),
  );
  return {
    config,
    audit,
    commit(message, files) {
      for (const [path, text] of Object.entries(files)) {
        const file = join(repo, path);
        if (text === null) rmSync(file, { recursive: true, force: true });
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, text);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
    },
    head: () => git('rev-parse', 'dev').toString().trim(),
    async sync() {
      const result = await runCli(['sync', '--config', config, '--env', 'dev', '--json']);
      try {
        return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stderr: result.stderr };
      } catch {
        throw new Error(`cairn sync printed no entry (exit ${String(result.code)}): ${result.stderr}`);
      }
    },
    plan: () => runCli(['plan', '--config', config, '--env', 'dev', '--json']),
  };
}
