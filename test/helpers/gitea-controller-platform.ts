import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { wire, type Wired } from '../../controller/cli/wire';
import { loadConfig } from '../../controller/config/load-config';
import type { RawConfig } from '../../controller/config/raw-config.generated';
import { createLog, silentLog } from '../../controller/log';
import { createServer, type RunningServer } from '../../controller/server/create-server';
import { Metrics } from '../../controller/server/metrics';
import { planMarker } from '../../controller/reconcile/plan-comment';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { settings } from './e2e-platform';
import {
  GiteaClient,
  giteaWorkTree,
  waitFor,
  type GiteaComment,
  type GiteaCommitStatus,
  type GiteaWorkTree,
} from './gitea';

/** One line the controller or its server logged. */
export interface ControllerLogLine {
  readonly msg?: string;
  readonly pr?: number;
}

/**
 * A repository on the sandbox's Gitea with a `repository.host` of type gitea, and cairn built as
 * `cairn run` builds it (`wire` and `createServer`) with one environment, dev, applying to a fresh
 * namespace of the sandbox's kube-apiserver; Gitea delivers its webhooks to cairn's route.
 */
export interface GiteaControllerPlatform {
  readonly kc: KubeConfig;
  readonly dir: string;
  readonly tree: GiteaWorkTree;
  readonly wired: Wired;
  readonly server: RunningServer;
  /** Every line the controller and its server logged (empty when `silent`). */
  readonly lines: readonly ControllerLogLine[];
  /** Stops cairn, deletes the repositories, the namespace and the local files, and restores `process.env`. */
  close(): Promise<void>;
}

/** What `giteaControllerPlatform` sets up: see each field. */
export interface GiteaControllerOptions {
  readonly gitea: GiteaClient;
  readonly repo: string;
  readonly namespace: string;
  readonly secret: string;
  /** `CAIRN_TEST` unless given. */
  readonly envPrefix?: string;
  /** The prefix of the temporary directory's name. */
  readonly tmpPrefix?: string;
  readonly otherRepos?: readonly string[];
  /** Logs nowhere instead of into `lines`. */
  readonly silent?: boolean;
  /**
   * Commits the branches before the controller starts; unless given, main's first commit and dev's
   * from it, with the ConfigMap `settings` blue.
   */
  readonly seed?: (tree: GiteaWorkTree) => void;
  /** Changes the config before it is written (more environments, `pullRequests`, host settings). */
  readonly config?: (config: RawConfig) => void;
}

/**
 * Creates `repo` (and `otherRepos`, each with a webhook to cairn signed with the same secret),
 * writes the config, starts the server and the controller, lets `seed` commit the first branches,
 * and resolves once the controller is idle. The token and secret are read from `<envPrefix>_GITEA_TOKEN`
 * and `<envPrefix>_WEBHOOK_SECRET`.
 */
export async function giteaControllerPlatform(
  options: GiteaControllerOptions,
): Promise<GiteaControllerPlatform> {
  const { gitea, repo, namespace, secret } = options;
  const envPrefix = options.envPrefix ?? 'CAIRN_TEST';
  const owner = gitea.options.user;
  const otherRepos = options.otherRepos ?? [];
  const saved = { ...process.env };
  const kc = new KubeConfig();
  const lines: ControllerLogLine[] = [];
  const log = options.silent
    ? silentLog()
    : createLog({
        level: 'info',
        destination: new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(JSON.parse(chunk.toString()) as ControllerLogLine);
            done();
          },
        }),
      });
  let dir: string | undefined;
  let tree: GiteaWorkTree | undefined;
  let wired: Wired | undefined;
  let server: RunningServer | undefined;
  const close = async () => {
    await server?.close();
    await wired?.close();
    tree?.remove();
    for (const name of [repo, ...otherRepos]) await gitea.deleteRepo(owner, name);
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  };
  try {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    dir = mkdtempSync(join(tmpdir(), options.tmpPrefix ?? 'cairn-gitea-controller-'));
    for (const name of [repo, ...otherRepos]) await gitea.createRepo(name);
    process.env[`${envPrefix}_GITEA_TOKEN`] = gitea.options.token;
    process.env[`${envPrefix}_WEBHOOK_SECRET`] = secret;
    const configFile = join(dir, 'cairn.yaml');
    const raw: RawConfig = {
      repository: {
        url: gitea.cloneUrl(owner, repo),
        auth: { tokenEnv: `${envPrefix}_GITEA_TOKEN`, username: owner },
        pollInterval: '1h',
        host: { type: 'gitea', tokenEnv: `${envPrefix}_GITEA_TOKEN` },
      },
      environments: [
        {
          name: 'dev',
          branch: 'dev',
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
        },
      ],
      audit: { dir: join(dir, 'audit'), unkeyed: true },
      workspaces: { dir: join(dir, 'ws') },
      server: { port: 0, webhookSecretEnv: `${envPrefix}_WEBHOOK_SECRET` },
    };
    options.config?.(raw);
    writeFileSync(configFile, stringify(raw));
    const config = loadConfig(configFile);
    wired = await wire(config, log);
    server = await createServer({
      controller: wired.controller,
      config: config.server,
      metrics: new Metrics(),
      log,
    });
    for (const name of [repo, ...otherRepos]) {
      await gitea.addWebhook(owner, name, { url: `${server.url}/hooks/gitea`, secret });
    }
    tree = giteaWorkTree(gitea, owner, repo);
    if (options.seed) options.seed(tree);
    else {
      tree.commit('main', 'main: first', { 'README.md': 'a\n' });
      tree.commit(
        'dev',
        'dev: first',
        { 'k8s-resources/settings.yaml': settings(namespace, 'blue') },
        { from: 'main' },
      );
    }
    await wired.controller.start();
    await wired.controller.idle();
    return { kc, dir, tree, wired, server, lines, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * The `describe` of a pull request test on a Gitea controller platform: names a repository
 * `<prefix>-<random>` (its namespace `<repo>-dev`, its other repositories `<repo>-<suffix>`) and
 * registers the `beforeAll` that starts the platform and the `afterAll` that closes it, so each
 * test states only what differs. `platform()` is the started platform (inside hooks and tests).
 */
export function giteaControllerSuite(
  options: Omit<GiteaControllerOptions, 'gitea' | 'repo' | 'namespace' | 'otherRepos'> & {
    readonly prefix: string;
    readonly otherRepoSuffixes?: readonly string[];
  },
): {
  readonly gitea: GiteaClient;
  readonly owner: string;
  readonly repo: string;
  readonly namespace: string;
  readonly otherRepos: readonly string[];
  platform(): GiteaControllerPlatform;
} {
  const { prefix, otherRepoSuffixes = [], ...rest } = options;
  const gitea = GiteaClient.sandbox();
  const repo = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const namespace = `${repo}-dev`;
  const otherRepos = otherRepoSuffixes.map((suffix) => `${repo}-${suffix}`);
  let started: GiteaControllerPlatform | undefined;
  beforeAll(async () => {
    started = await giteaControllerPlatform({ ...rest, gitea, repo, namespace, otherRepos });
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    gitea,
    owner: gitea.options.user,
    repo,
    namespace,
    otherRepos,
    platform: () => {
      if (!started) throw new Error(`the Gitea controller platform of ${repo} is not started`);
      return started;
    },
  };
}

/**
 * How a pull request test reads cairn's answer back from the pull request on Gitea: its plan
 * comments, and a commit status once it has settled. Each wait polls every 200 ms (plan
 * comments and statuses come from cairn's own deliveries, a few hundred ms apart).
 */
export function giteaPlanReadback(gitea: GiteaClient, owner: string, repo: string) {
  /** The comments on `pr` carrying `env`'s plan marker. */
  const planComments = async (pr: number, env = 'dev'): Promise<GiteaComment[]> =>
    (await gitea.comments(owner, repo, pr)).filter((c) => c.body.includes(planMarker(env)));
  /** The latest status of `context` on `sha` once `done` holds for it. */
  const statusWhen = (
    sha: string,
    context: string,
    done: (state: string) => boolean,
    timeoutMs = 60_000,
    intervalMs = 200,
  ): Promise<GiteaCommitStatus> =>
    waitFor(
      `${context} of ${sha.slice(0, 12)}`,
      async () => {
        const found = await gitea.latestStatus(owner, repo, sha, context);
        return found && done(found.status) ? found : undefined;
      },
      timeoutMs,
      intervalMs,
    );
  return {
    planComments,
    statusWhen,
    /** `env`'s plan comments on `pr`, once one of them names `sha`. */
    commentAt: (pr: number, sha: string, env = 'dev') =>
      waitFor(
        `the plan comment for ${sha.slice(0, 12)}`,
        async () => {
          const found = await planComments(pr, env);
          return found.some((c) => c.body.includes(sha.slice(0, 12))) ? found : undefined;
        },
        60_000,
        200,
      ),
    /** The `cairn/plan/<env>` status of `sha` once it is no longer pending. */
    finalStatus: (sha: string, env = 'dev') => statusWhen(sha, `cairn/plan/${env}`, (s) => s !== 'pending'),
  };
}
