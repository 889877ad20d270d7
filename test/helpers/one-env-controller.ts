import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import type { EnvironmentStatus } from '../../controller/server/types';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { startCli } from './cli';
import { auditKeyFile } from './e2e-platform';
import { createTestRepo, type TestRepo } from './git-repo';
import { serveGitHttp, type GitHttpServer } from './git-http-server';
import { freePort } from './net';

/** How the one environment `dev` is set up: its first files and the parts of its config. */
export interface OneEnvOptions {
  /** Names the temporary folder and the secrets, so that two tests never share them. */
  readonly name: string;
  readonly namespace: string;
  /** The first commit of `dev`: path → content. */
  readonly files: Readonly<Record<string, string>>;
  /** Fields of the `dev` environment beside `name` and `kubernetes` (driftInterval defaults to 0s). */
  readonly environment?: Readonly<Record<string, unknown>>;
  /** Top-level config sections beside repository, environments, audit and server. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** A keyed ledger (default) or an unkeyed one. */
  readonly keyed?: boolean;
  /** Guard the API with a bearer token (default true); without it the read routes are open. */
  readonly apiToken?: boolean;
  /** The repository over HTTP needs a token (default true). */
  readonly gitToken?: boolean;
}

/** A running `cairn run` of one environment, and the calls a test makes on it. */
export interface OneEnvController {
  readonly repo: TestRepo;
  readonly api: string;
  readonly configFile: string;
  /** What the CLI needs in its environment to reach this controller's API (the API token). */
  readonly cliEnv: NodeJS.ProcessEnv;
  /** The environment's status from the API; undefined while the server is not up yet. */
  status(): Promise<EnvironmentStatus | undefined>;
  /** Polls the status every 100 ms until `check` holds; throws naming `what` and the last status. */
  until(
    what: string,
    check: (s: EnvironmentStatus | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** The newest `limit` ledger entries of `dev`, newest first. */
  entries(limit?: number): Promise<AuditEntry[]>;
  /** The value of the metric line `name{env="dev"}`, or undefined when it is absent. */
  metric(name: string): Promise<string | undefined>;
  /** A signed GitHub push webhook announcing `sha` on `dev`; returns the HTTP status. */
  push(sha: string, delivery?: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `cairn run` against the sandbox cluster and a Git repository served over smart HTTP,
 * polling only every 5 minutes (so a test sees what a webhook, a drift pass or the CLI did).
 */
export async function startOneEnvController(options: OneEnvOptions): Promise<OneEnvController> {
  const { name, namespace } = options;
  const dir = mkdtempSync(join(tmpdir(), `cairn-e2e-${name}-`));
  const secrets = {
    git: `e2e-${name}-git-token`,
    webhook: `e2e-${name}-webhook-secret`,
    api: `e2e-${name}-api-token`,
  };
  const guarded = options.apiToken ?? true;
  const gitToken = options.gitToken ?? true;
  const repo = createTestRepo('platform', { dev: options.files });
  const http: GitHttpServer = await serveGitHttp(repo.bare, gitToken ? { token: secrets.git } : {});
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const configFile = join(dir, 'cairn.yaml');
  writeFileSync(
    configFile,
    stringify({
      repository: {
        url: http.url,
        pollInterval: '5m',
        ...(gitToken ? { auth: { tokenEnv: 'E2E_GIT_TOKEN' } } : {}),
      },
      environments: [
        {
          name: 'dev',
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
          driftInterval: '0s',
          ...options.environment,
        },
      ],
      audit:
        (options.keyed ?? true)
          ? { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) }
          : { dir: join(dir, 'audit'), unkeyed: true },
      server: {
        port,
        probePort: 0,
        webhookSecretEnv: 'E2E_WEBHOOK_SECRET',
        ...(guarded ? { apiTokenEnv: 'E2E_API_TOKEN' } : {}),
      },
      ...options.config,
    }),
  );
  const cliEnv: NodeJS.ProcessEnv = guarded ? { E2E_API_TOKEN: secrets.api } : {};
  const controller: ChildProcess = startCli(['run', '--config', configFile], {
    E2E_GIT_TOKEN: secrets.git,
    E2E_WEBHOOK_SECRET: secrets.webhook,
    ...cliEnv,
  });
  const headers = (): Record<string, string> => (guarded ? { authorization: `Bearer ${secrets.api}` } : {});

  const status = async (): Promise<EnvironmentStatus | undefined> => {
    const r = await fetch(`${api}/api/environments`, { headers: headers() }).catch(() => undefined);
    if (!r?.ok) return undefined;
    return ((await r.json()) as { environments: EnvironmentStatus[] }).environments[0];
  };
  return {
    repo,
    api,
    configFile,
    cliEnv,
    status,
    async until(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (check(await status())) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`not ${what} within ${timeoutMs} ms (status ${JSON.stringify(await status())})`);
    },
    async entries(limit = 20) {
      const r = await fetch(`${api}/api/environments/dev/audit?limit=${limit}`, { headers: headers() });
      return (await r.json()) as AuditEntry[];
    },
    async metric(metricName) {
      const text = await (await fetch(`${api}/metrics`)).text();
      return new RegExp(`^${metricName}\\{env="dev"\\} (\\S+)$`, 'm').exec(text)?.[1];
    },
    async push(sha, delivery = `${sha}-${Date.now()}`) {
      const body = JSON.stringify({ ref: 'refs/heads/dev', after: sha });
      const response = await fetch(`${api}/hooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': `sha256=${createHmac('sha256', secrets.webhook).update(body).digest('hex')}`,
        },
        body,
      });
      return response.status;
    },
    async stop() {
      controller.kill('SIGTERM');
      await http.close();
      repo.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
