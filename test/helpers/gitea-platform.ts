import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import type { EnvironmentStatus } from '../../controller/server/types';
import { runCli, startCli } from './cli';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from './e2e-platform';
import { GiteaClient, waitFor } from './gitea';
import { freePort } from './net';

/** The variables `cairn run` reads its Gitea token and webhook secret from in these tests. */
export const GITEA_TOKEN_ENV = 'CAIRN_E2E_GITEA_TOKEN';
export const WEBHOOK_SECRET_ENV = 'CAIRN_E2E_WEBHOOK_SECRET';

/** One line cairn logged (pino JSON; `time` is ISO 8601). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly time: string; readonly msg: string };

/**
 * The e2e platform repository (a CDK app and manifests per environment branch) hosted on the
 * sandbox's Gitea, with a webhook to a `cairn run` that polls only every 5 minutes: whatever
 * cairn applies within seconds came through Gitea's own push delivery.
 */
export interface GiteaPlatform {
  readonly platform: E2ePlatform;
  readonly gitea: GiteaClient;
  readonly owner: string;
  readonly repo: string;
  /** cairn's base URL (`http://127.0.0.1:<port>`). */
  readonly api: string;
  readonly configFile: string;
  /** The environment a `cairn` child needs for this platform (AWS test credentials, the Gitea token, the webhook secret). */
  readonly cliEnv: NodeJS.ProcessEnv;
  /** Every line `cairn run` logged so far. */
  readonly lines: readonly LogLine[];
  /** Everything `cairn run` printed so far, stdout and stderr, as it printed it (JSON or not). */
  output(): string;
  /** Starts `cairn run` and resolves once every environment has applied its branch head. */
  start(): Promise<void>;
  /** One environment's status from cairn's API. */
  status(env: string): Promise<EnvironmentStatus | undefined>;
  /** Resolves with the audit entry once `env` has recorded a reconcile of `sha` (any outcome). */
  entryFor(env: string, sha: string, timeoutMs: number): Promise<AuditEntry>;
  /** Pushes local branches of the platform repository to Gitea. */
  push(...branches: string[]): void;
  /** Stops cairn, deletes the Gitea repository and the local files. */
  cleanup(): Promise<void>;
}

/**
 * Builds the platform on Gitea: creates the repository, adds cairn's webhook (push and
 * pull_request) before the first push, pushes main and the environment branches, bootstraps CDK
 * for each environment in moto and writes a cairn config reading the repository from Gitea over
 * HTTP with the admin token. `config` may change the config before it is written (say, to add a
 * `repository.host` section).
 */
export async function makeGiteaPlatform(
  options: {
    readonly envs?: readonly string[];
    readonly config?: (
      config: Record<string, unknown>,
      p: { api: string; gitea: GiteaClient; owner: string; repo: string },
    ) => void;
    /** The bearer token the helper reads cairn's API with, when the config asks for one. */
    readonly apiToken?: string;
    /** Variables every `cairn` child gets on top of (and overriding) the defaults, say other AWS credentials. */
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): Promise<GiteaPlatform> {
  const envs = options.envs ?? ['dev'];
  const platform = makeE2ePlatform(envs);
  const gitea = GiteaClient.sandbox();
  const owner = gitea.options.user;
  const repo = `platform-${platform.id}`;
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const secret = randomBytes(24).toString('hex');
  await gitea.createRepo(repo);
  await gitea.addWebhook(owner, repo, { url: `${api}/hooks/gitea`, secret });
  platform.git('remote', 'add', 'gitea', gitea.authenticatedCloneUrl(owner, repo));
  const push = (...branches: string[]) => {
    platform.git('push', '-q', 'gitea', ...branches.map((b) => `refs/heads/${b}:refs/heads/${b}`));
  };
  push('main', ...envs);

  const config = parse(readFileSync(platform.configFile, 'utf8')) as Record<string, unknown>;
  config.repository = {
    url: gitea.cloneUrl(owner, repo),
    pollInterval: '5m',
    auth: { tokenEnv: GITEA_TOKEN_ENV },
  };
  config.server = { port, probePort: 0, host: '127.0.0.1', webhookSecretEnv: WEBHOOK_SECRET_ENV };
  config.environments = (config.environments as Record<string, unknown>[]).map((e) => ({
    ...e,
    driftInterval: '0s',
  }));
  options.config?.(config, { api, gitea, owner, repo });
  writeFileSync(platform.configFile, stringify(config));

  const env = {
    ...awsTestCredentials(),
    [GITEA_TOKEN_ENV]: gitea.options.token,
    [WEBHOOK_SECRET_ENV]: secret,
    CAIRN_LOG_LEVEL: 'info',
    ...options.env,
  };
  for (const name of envs) {
    const boot = await runCli(['bootstrap', '--config', platform.configFile, '--env', name], env);
    if (boot.code !== 0) throw new Error(`cairn bootstrap ${name} failed:\n${boot.stderr}`);
  }

  const lines: LogLine[] = [];
  let raw = '';
  let child: ChildProcess | undefined;
  const headers: Record<string, string> = options.apiToken
    ? { authorization: `Bearer ${options.apiToken}` }
    : {};
  const status = async (name: string) => {
    const r = await fetch(`${api}/api/environments/${name}`, { headers }).catch(() => undefined);
    return r?.ok ? ((await r.json()) as EnvironmentStatus) : undefined;
  };
  const entries = async (name: string) => {
    const r = await fetch(`${api}/api/environments/${name}/audit?limit=20`, { headers });
    return r.ok ? ((await r.json()) as AuditEntry[]) : [];
  };
  return {
    platform,
    gitea,
    owner,
    repo,
    api,
    configFile: platform.configFile,
    cliEnv: env,
    lines,
    output: () => raw,
    push,
    status,
    async start() {
      child = startCli(['run', '--config', platform.configFile], env);
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const part of parts) {
          try {
            lines.push(JSON.parse(part) as LogLine);
          } catch {
            // a line that is not JSON (a stack trace) is not a log line
          }
        }
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
        stderr += chunk.toString();
      });
      for (const name of envs) {
        const head = platform.git('rev-parse', name);
        await waitFor(
          `cairn's first apply of ${name} at ${head.slice(0, 8)}`,
          async () => {
            if (child?.exitCode !== null)
              throw new Error(`cairn run exited ${String(child?.exitCode)}: ${stderr}`);
            return (await status(name))?.lastAppliedSha === head ? true : undefined;
          },
          120_000,
          200,
        );
      }
    },
    entryFor: (name, sha, timeoutMs) =>
      waitFor(
        `an audit entry of ${name} for ${sha.slice(0, 8)}`,
        async () => (await entries(name)).find((e) => e.toSha === sha),
        timeoutMs,
        50,
      ),
    async cleanup() {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
        // A pending 10 s timer kept jest from exiting after the suite.
        clearTimeout(timer);
      }
      await gitea.deleteRepo(owner, repo).catch(() => undefined);
      platform.cleanup();
    },
  };
}
