import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import type { Change } from '../../controller/model';
import { auditConfig, entry, recordEntry, sha } from '../integration/audit/audit-fixtures';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { BUILT_CAIRN } from './killable-run';
import { freePort } from './net';

/**
 * Writes a JSONL ledger (with its key and witness beside it, as `auditConfig` places them) of
 * `entries` chained entries of dev, each recording a tree of `objects` unchanged ConfigMaps: the
 * large ledger the API's and the web UI's paging are tried on (a commit decides an entry's size).
 */
export async function writeLargeLedger(
  ledger: string,
  size: { readonly entries: number; readonly objects: number },
): Promise<void> {
  const writer = await AuditLog.open(auditConfig(ledger));
  const changes: Change[] = Array.from({ length: size.objects }, (_, i) => ({
    target: 'kubernetes',
    subject: `ConfigMap/shop-dev/settings-${String(i).padStart(5, '0')}`,
    action: 'unchanged',
    type: 'v1',
    file: `k8s-resources/settings/settings-${String(i).padStart(5, '0')}.yaml`,
    durationMs: 3,
  }));
  let from: string | null = null;
  for (let i = 0; i < size.entries; i += 1) {
    const e = entry({
      id: `e-${String(i).padStart(4, '0')}`,
      fromSha: from,
      toSha: sha(String(i % 10)),
      changes,
    });
    await recordEntry(writer, e);
    from = e.toSha;
  }
  await writer.close();
}

/** A `cairn run` of the built binary, with one environment (no k8s-resources/: nothing applied), on a free loopback port. */
export interface BuiltCairnRun {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Stops it with SIGTERM, as a deployment does, and waits for it to exit (nothing if it has). */
  stop(): Promise<void>;
}

/**
 * Starts the built `cairn run` on an empty dev branch in `dir/repo` and resolves once its
 * controller started: the real process, so the server's caps and paging are tried as they run.
 * `server` adds to the server's config (`apiTokens`); `env` holds the tokens those name.
 */
export async function startBuiltCairnRun(
  dir: string,
  options: {
    readonly server?: Record<string, unknown>;
    /** A ledger of the test's own (its key created if absent); `dir/audit` unless given. */
    readonly audit?: { readonly dir: string; readonly keyFile: string };
    readonly env?: NodeJS.ProcessEnv;
    /** The config's environments, each on a branch of its name (default: dev, Kubernetes only). */
    readonly environments?: readonly { readonly name: string; readonly [key: string]: unknown }[];
  } = {},
): Promise<BuiltCairnRun> {
  const audit = options.audit ?? { dir: join(dir, 'audit'), keyFile: join(dir, 'audit.key') };
  const repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'dev', repo]);
  execFileSync('git', [
    '-C',
    repo,
    '-c',
    'user.name=a',
    '-c',
    'user.email=a@x',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'init',
  ]);
  const environments = options.environments ?? [
    { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig } },
  ];
  for (const env of environments)
    if (env.name !== 'dev') execFileSync('git', ['-C', repo, 'branch', env.name]);
  if (!existsSync(audit.keyFile))
    writeFileSync(audit.keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: repo },
      environments,
      audit,
      server: { port, host: '127.0.0.1', ...options.server },
    }),
  );
  const child = spawn(process.execPath, [BUILT_CAIRN, 'run', '--config', config], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  while (!out.includes('"msg":"controller started"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`cairn run did not start (exit ${String(child.exitCode)}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://127.0.0.1:${port}`, child, output: () => out, stop };
}
