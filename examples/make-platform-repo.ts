import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CairnError } from '../controller/model/errors';
import { PLATFORM_ENVIRONMENTS, renderPlatformTree } from './platform-tree';

const run = promisify(execFile);

/** Options of {@link makePlatformRepo}. */
export interface PlatformRepoOptions {
  /** Branches to create, one per environment; `dev`, `staging`, `prod` by default. */
  readonly envs?: readonly string[];
  /** Prefix of every name, so several copies can share one sandbox; `shop` by default. */
  readonly prefix?: string;
  /** The example's folder; `examples/platform` of this package by default. */
  readonly sourceDir?: string;
}

/** The repository {@link makePlatformRepo} built. */
export interface PlatformRepo {
  /** Absolute path of the repository (a normal, non-bare repository checked out at the first branch). */
  readonly dir: string;
  readonly branches: string[];
  /** Each branch's commit sha. */
  readonly heads: Readonly<Record<string, string>>;
  readonly prefix: string;
}

/** The author of every commit the example makes. */
export const DEMO_AUTHOR = { name: 'cairn demo', email: 'demo@cairn.local' } as const;

const GIT_TIMEOUT_MS = 30_000;

/** Runs git in `dir` with a scrubbed environment: no user or system config, a fixed identity. */
async function git(dir: string, ...args: string[]): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: DEMO_AUTHOR.name,
    GIT_AUTHOR_EMAIL: DEMO_AUTHOR.email,
    GIT_COMMITTER_NAME: DEMO_AUTHOR.name,
    GIT_COMMITTER_EMAIL: DEMO_AUTHOR.email,
  };
  try {
    const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      env,
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    throw new CairnError(`git ${args[0]} failed: ${(error as Error).message.trim()}`, {
      code: 'example-git-failed',
      subject: dir,
      hint: 'check that git (2.28 or newer) is on PATH and the folder is writable',
      cause: error,
    });
  }
}

function commitMessage(env: string, prefix: string): string {
  return [
    `${env}: the ${prefix} platform for the ${env} environment`,
    '',
    `aws-resources/: stacks ${prefix}-${env}-data (bucket, queue, table, pod role) and ${prefix}-${env}-api (Lambda).`,
    `k8s-resources/: namespace ${prefix}-${env} with the shop-api Deployment, Service, ServiceAccount and`,
    `ConfigMap (the last two bind the data stack's RoleArn and QueueUrl outputs),`,
    `the shop-worker Kustomize overlay for ${env} (worker/) and the vendored cache Helm chart (cache/).`,
  ].join('\n');
}

function ensureEmptyDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) {
    throw new CairnError('is not empty', {
      code: 'example-target-not-empty',
      subject: dir,
      hint: 'give makePlatformRepo a new or empty folder',
    });
  }
}

/**
 * Builds the example's branch-per-environment Git repository in `targetDir` (created if absent,
 * refused if not empty): a root commit on `main`, then one branch per environment, each with one
 * commit holding that environment's `aws-resources/` and `k8s-resources/` (base plus overlay).
 */
export async function makePlatformRepo(
  targetDir: string,
  options: PlatformRepoOptions = {},
): Promise<PlatformRepo> {
  const dir = resolve(targetDir);
  const envs = [...(options.envs ?? PLATFORM_ENVIRONMENTS)];
  const prefix = options.prefix ?? 'shop';
  // Render every tree first, so a mistake in the example leaves no half-built repository.
  const trees = envs.map(
    (env) =>
      [
        env,
        renderPlatformTree(env, { prefix, ...(options.sourceDir ? { sourceDir: options.sourceDir } : {}) }),
      ] as const,
  );
  ensureEmptyDir(dir);

  await git(dir, 'init', '-q', '-b', 'main');
  await git(
    dir,
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'platform: the root every environment branch starts from',
  );
  const heads: Record<string, string> = {};
  for (const [env, tree] of trees) {
    await git(dir, 'checkout', '-q', '-b', env, 'main');
    for (const [path, content] of tree) {
      const file = join(dir, ...path.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', commitMessage(env, prefix));
    heads[env] = await git(dir, 'rev-parse', 'HEAD');
  }
  if (envs.length > 0) await git(dir, 'checkout', '-q', envs[0]!);
  return { dir, branches: envs, heads, prefix };
}

// `npx tsx examples/make-platform-repo.ts <target-dir> [env...]` builds the repository by hand.
if (require.main === module) {
  const [target, ...envs] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: npx tsx examples/make-platform-repo.ts <target-dir> [env...]\n');
    process.exit(2);
  }
  makePlatformRepo(target, envs.length > 0 ? { envs } : {}).then(
    (repo) =>
      process.stdout.write(`${repo.dir}: ${repo.branches.map((b) => `${b} ${repo.heads[b]}`).join(', ')}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
