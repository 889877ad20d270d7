import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli, type CliResult } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { helmBinary } from '../../helpers/helm';
import { kustomizeBinary } from '../../helpers/renderers';
import { sandboxEnv } from '../../sandbox/sandbox-env';

/** A Git repository with one `dev` environment on the sandbox cluster, synced and planned through the CLI. */
export interface RenderPlatform {
  commit(message: string, files: Readonly<Record<string, string | null>>): void;
  /** `cairn sync --json`: the audit entry and the exit code. */
  sync(): Promise<{ readonly code: number | null; readonly entry: AuditEntry; readonly stderr: string }>;
  /** `cairn plan --json`. */
  plan(): Promise<CliResult>;
}

/** A repository under `dir` whose dev environment applies to `namespace`, with kustomize and helm configured. */
export function renderPlatform(dir: string, namespace: string): RenderPlatform {
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
  const sandbox = sandboxEnv();
  const config = join(dir, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: repo },
      environments: [
        {
          name: 'dev',
          kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespace, healthTimeout: '10s' },
        },
      ],
      kubernetes: { kustomize: { path: kustomizeBinary() }, helm: { path: helmBinary() } },
      audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
    }),
  );
  return {
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
