import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, copyFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetManifestArtifact, CloudAssembly } from '@aws-cdk/cx-api';
import type { AwsTargetConfig } from './aws-target';
import { CairnError } from '../controller/model';
import type { Log } from '../controller/model';
import { cairnBinDir, cairnNodeModules } from './node-modules';
import type { Assembly } from './types';

const OUTPUT_TAIL = 4000;

/** What a child process printed and how it ended. */
interface ChildResult {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly output: string;
}

/** Runs a shell command in its own process group, killing the whole group at the timeout. */
function runChild(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, output });
    });
  });
}

/**
 * The environment the repository's CDK app runs with: nothing of cairn's own (no AWS credentials,
 * no tokens or secrets), only what running node needs, plus the CDK's variables.
 */
function scrubbedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // cairn's own node_modules/.bin first, so `tsx app.ts` or `ts-node` apps run without a download.
  const path = [cairnBinDir(), process.env.PATH ?? '/usr/bin:/bin'].join(':');
  return { PATH: path, LANG: process.env.LANG ?? 'C.UTF-8', ...extra };
}

/**
 * Installs `aws-resources/package.json`'s dependencies with `npm ci`, once per lockfile content,
 * into a cache folder; returns its node_modules (or undefined when the app has no lockfile).
 */
async function installDependencies(
  appDir: string,
  cacheDir: string,
  timeoutMs: number,
  log: Log,
): Promise<string | undefined> {
  const lock = join(appDir, 'package-lock.json');
  if (!existsSync(lock)) return undefined;
  const hash = createHash('sha256')
    .update(readFileSync(lock))
    .update(readFileSync(join(appDir, 'package.json')))
    .digest('hex')
    .slice(0, 16);
  const target = join(cacheDir, hash);
  // The folder appears by rename only after a successful install, so its presence means complete.
  if (existsSync(target)) return join(target, 'node_modules');
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  copyFileSync(lock, join(tmp, 'package-lock.json'));
  copyFileSync(join(appDir, 'package.json'), join(tmp, 'package.json'));
  log.info({ phase: 'synthesize', lockfile: hash }, 'installing the CDK app dependencies');
  const result = await runChild(
    'npm ci --ignore-scripts --no-audit --no-fund',
    tmp,
    { ...scrubbedEnv({ HOME: homedir() }) },
    timeoutMs,
  );
  if (result.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new CairnError(`npm ci failed${result.timedOut ? ' (timed out)' : ''}:\n${result.output}`, {
      code: 'synth.deps',
      phase: 'synthesize',
      subject: 'aws-resources/package-lock.json',
    });
  }
  try {
    renameSync(tmp, target);
  } catch (error) {
    // Another reconcile installed the same lockfile first; its copy is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return join(target, 'node_modules');
}

/** The context keys with which aws-cdk-lib's built-in template validation can fail a synth. */
const VALIDATION_FLAGS = [
  '@aws-cdk/core:validateAgainstDefaultRules',
  '@aws-cdk/core:strictCfnValidateErrors',
];

/**
 * aws-cdk-lib lints every template at synth (about 3 s for a small app, most of a synth) but, unless
 * the app opts in with one of VALIDATION_FLAGS in cdk.json, only prints warnings nobody reads in a
 * controller; so cairn switches it off (CDK_VALIDATION=false) except for apps that opted in.
 */
export function validationCanFail(context: Readonly<Record<string, unknown>>): boolean {
  return VALIDATION_FLAGS.some((flag) => context[flag] === true || context[flag] === 'true');
}

/** Runs the CDK app of a workspace for one environment and commit, and reads the cloud assembly it writes. */
export async function synthesizeApp(options: {
  readonly workspaceDir: string;
  readonly env: string;
  readonly target: AwsTargetConfig;
  readonly commitSha: string;
  readonly log: Log;
  readonly cacheDir?: string;
}): Promise<Assembly> {
  const { workspaceDir, env, target, commitSha, log } = options;
  const appDir = join(workspaceDir, 'aws-resources');
  const cdkJsonFile = join(appDir, 'cdk.json');
  const fail = (message: string, code: string) =>
    new CairnError(message, { code, phase: 'synthesize', subject: 'aws-resources/cdk.json' });
  if (!existsSync(cdkJsonFile))
    throw fail('is missing: aws-resources/ must be a CDK app with a cdk.json', 'synth.no-cdk-json');
  let cdkJson: { app?: unknown; context?: Record<string, unknown> };
  try {
    cdkJson = JSON.parse(readFileSync(cdkJsonFile, 'utf8')) as typeof cdkJson;
  } catch (error) {
    throw fail(`is not valid JSON: ${(error as Error).message}`, 'synth.bad-cdk-json');
  }
  if (typeof cdkJson.app !== 'string' || !cdkJson.app) throw fail('has no "app" command', 'synth.no-app');

  const cacheDir = options.cacheDir ?? join(tmpdir(), 'cairn-cdk-deps');
  const deps = await installDependencies(appDir, cacheDir, options.target.synthTimeoutMs, log);
  const outdir = mkdtempSync(join(tmpdir(), `cairn-synth-${env}-`));
  const context = { ...(cdkJson.context ?? {}), 'gitops:environment': env, 'gitops:commit': commitSha };
  const started = Date.now();
  const result = await runChild(
    cdkJson.app,
    appDir,
    scrubbedEnv({
      HOME: outdir,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_DEFAULT_ACCOUNT: target.account,
      CDK_DEFAULT_REGION: target.region,
      ...(validationCanFail(context) ? {} : { CDK_VALIDATION: 'false' }),
      NODE_PATH: [deps, cairnNodeModules()].filter(Boolean).join(':'),
    }),
    target.synthTimeoutMs,
  );
  if (result.timedOut || result.code !== 0) {
    rmSync(outdir, { recursive: true, force: true });
    const why = result.timedOut
      ? `did not finish within ${Math.round(target.synthTimeoutMs / 1000)}s`
      : `exited with code ${String(result.code)}`;
    throw new CairnError(`the CDK app ${why}:\n${result.output.trim()}`, {
      code: result.timedOut ? 'synth.timeout' : 'synth.failed',
      phase: 'synthesize',
      subject: `aws-resources (${cdkJson.app})`,
      hint: 'run the app locally with the same context to reproduce',
    });
  }
  log.info({ phase: 'synthesize', durationMs: Date.now() - started, outdir }, 'CDK app synthesized');
  return readAssembly(outdir);
}

/** Reads a cloud assembly directory with the CDK's own reader. */
export function readAssembly(dir: string): Assembly {
  const assembly = new CloudAssembly(dir);
  const stacks = assembly.stacksRecursively;
  const stackIds = new Set(stacks.map((s) => s.id));
  return {
    dir,
    stacks: stacks.map((stack) => ({
      stackName: stack.stackName,
      id: stack.id,
      templateFile: stack.templateFullPath,
      dependencies: stack.dependencies.map((d) => d.id).filter((id) => stackIds.has(id)),
      assetManifests: stack.dependencies
        .filter((d) => d instanceof AssetManifestArtifact)
        .map((d) => (d as AssetManifestArtifact).file),
      tags: { ...stack.tags },
      terminationProtection: stack.terminationProtection ?? false,
    })),
  };
}
