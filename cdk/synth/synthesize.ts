import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AssetManifestArtifact, CloudAssembly } from '@aws-cdk/cx-api';
import type { AwsTargetConfig } from '../../controller/model';
import {
  CairnError,
  DEFAULT_MAX_ASSEMBLY_BYTES,
  ensurePrivateFolder,
  errorMessage,
  isCairnError,
  makeSharedJobFolder,
  removeLeftovers,
  safeOutput,
  shareTree,
  trustedEntry,
} from '../../controller/model';
import type { Log } from '../../controller/model';
import { cairnBinDir, cairnNodeModules } from './node-modules';
import { checkConfined, checkOutputFolder } from './assembly-confinement';
import { checkNpmLockfile, npmRegistry } from './npm-lockfile';
import { isPythonApp, preparePythonApp } from './python-app';
import { runProcess } from './run-process';
import { SharedInstalls } from './shared-install';
import { createSynthRunner, type SynthRunner, type SynthUser } from './synth-runner';
import type { Assembly } from '../types';

/** The prefix of every synth folder, so an assembly's folder is recognised when it is discarded. */
const SYNTH_FOLDER_PREFIX = 'cairn-synth-';

/** The tools cairn ships (tsx, ts-node) and the system's, for the app's `sh -c`; never cairn's own PATH. */
function appPath(): string {
  return [cairnBinDir(), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

/** An app command that runs `npx` (`cdk init` writes `npx ts-node --prefer-ts-exts bin/<name>.ts`). */
const NPX = /(^|[\s;&|(])npx\s/;

/**
 * What a failed `npx` app command is told: npx sees neither cairn's tools nor the app's installed
 * dependencies. For `npx ts-node … <file>.ts`, the command to write instead, with that file.
 */
function npxHint(app: string): string {
  const script = /\bts-node\b.*?\s([^\s-]\S*\.[cm]?tsx?)(\s|$)/.exec(app)?.[1];
  const instead = script ? `"app": "tsx ${script}"` : 'for a TypeScript app "app": "tsx bin/app.ts"';
  return (
    'npx runs only packages in aws-resources/node_modules and downloads any other, which the synth sandbox cannot: ' +
    `run the app without npx, with the tsx cairn provides (in cdk.json ${instead}); aws-cdk-lib, constructs ` +
    'and the dependencies of a committed package-lock.json are on NODE_PATH'
  );
}

/** Where the app's dependencies are cached, and the mode of that folder and its entries. */
interface DependencyCache {
  readonly dir: string;
  /** 0700, or 0750 when a runner in another container (the folder's group) must read it. */
  readonly mode: number;
}

/** Installs under way, by cache folder: environments sharing a lockfile wait for one install. */
const installing = new SharedInstalls<string>();

/**
 * The environment of npm, outside the sandbox: PATH, LANG and HOME (for npm's own cache and
 * configuration, so its registry and credentials) only.
 */
function npmEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    // As homedir() finds it (HOME first), but read from process.env, which a test may set.
    HOME: process.env.HOME || homedir(),
  };
}

/**
 * Installs `aws-resources/package.json`'s dependencies with `npm ci`, once per lockfile content,
 * into a cache folder; returns its node_modules (or undefined when the app has no lockfile).
 * Rejects with `signal`'s reason once it is aborted; npm is killed once every synth waiting for
 * that install gave up (SharedInstalls).
 */
async function installDependencies(
  appDir: string,
  cache: DependencyCache,
  timeoutMs: number,
  log: Log,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const lock = join(appDir, 'package-lock.json');
  if (!existsSync(lock)) return undefined;
  // The bytes checked are the bytes hashed and the bytes npm reads. Checked on every use, a
  // cached install included (one made before this check, or by an older cairn, is not trusted).
  const files = { lockfile: readFileSync(lock), packageJson: readFileSync(join(appDir, 'package.json')) };
  const env = npmEnv();
  checkNpmLockfile(
    { lockfile: files.lockfile.toString('utf8'), packageJson: files.packageJson.toString('utf8') },
    await npmRegistry(env, timeoutMs),
  );
  // Checked on every use: a cache folder another user made or may write could hold a planted
  // aws-cdk-lib that the app would load (and the controller trust). It is moved aside and rebuilt.
  const cacheDir = ensurePrivateFolder(cache.dir, { what: 'dependency cache', log, mode: cache.mode });
  const hash = createHash('sha256')
    .update(files.lockfile)
    .update(files.packageJson)
    .digest('hex')
    .slice(0, 16);
  const target = join(cacheDir, hash);
  // The folder appears by rename only after a successful install, so its presence means complete.
  if (trustedEntry(target, { what: 'dependency cache', log })) return join(target, 'node_modules');
  return installing.join(
    target,
    (stop) => installInto(files, target, hash, { mode: cache.mode, env, timeoutMs, log, stop }),
    signal,
  );
}

/** Runs `npm ci` for one lockfile in a folder of its own, renamed to `target` when it succeeded. */
async function installInto(
  files: { readonly lockfile: Buffer; readonly packageJson: Buffer },
  target: string,
  hash: string,
  options: { mode: number; env: Record<string, string>; timeoutMs: number; log: Log; stop: AbortSignal },
): Promise<string> {
  const { mode, env, timeoutMs, log, stop } = options;
  // The folder of an install whose process died (npm killed with the controller) is never renamed
  // into place: removed once it is older than any live install can be.
  await removeLeftovers(dirname(target), timeoutMs);
  // A folder no other install uses (another process may install the same lockfile); the cache
  // folder around it was checked by the caller.
  const tmp = mkdtempSync(`${target}.tmp-`);
  chmodSync(tmp, mode | (statSync(tmp).mode & 0o2000));
  writeFileSync(join(tmp, 'package-lock.json'), files.lockfile);
  writeFileSync(join(tmp, 'package.json'), files.packageJson);
  log.info({ phase: 'synthesize', lockfile: hash }, 'installing the CDK app dependencies');
  // npm runs outside the sandbox (it needs the network) but runs no package scripts, so no
  // repository code runs here, and fetches only what checkNpmLockfile let through.
  const result = await runProcess({
    file: '/bin/sh',
    args: ['-c', 'npm ci --ignore-scripts --no-audit --no-fund'],
    cwd: tmp,
    env,
    timeoutMs,
    signal: stop,
  });
  if (stop.aborted) {
    rmSync(tmp, { recursive: true, force: true });
    log.info(
      { phase: 'synthesize', lockfile: hash },
      'dependency install stopped: every synth waiting for it gave up',
    );
    throw stop.reason;
  }
  if (result.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new CairnError(
      `npm ci failed${result.timedOut ? ' (timed out)' : ''}:\n${safeOutput(result.output)}`,
      {
        code: 'synth.deps',
        phase: 'synthesize',
        subject: 'aws-resources/package-lock.json',
      },
    );
  }
  try {
    renameSync(tmp, target);
  } catch (error) {
    // Another reconcile installed the same lockfile first; its copy is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!trustedEntry(target, { what: 'dependency cache', log })) throw error;
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

/** Gives a folder tree to `user` (a plain recursive lchown: the tree is cairn's own fresh copy). */
function chownTree(path: string, user: SynthUser): void {
  lchownSync(path, user.uid, user.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, user);
    else lchownSync(child, user.uid, user.gid);
  }
}

/** The folders of one synth: the app's view of the checkout, its output and its temp folder. */
interface SynthFolders {
  readonly root: string;
  /** The checkout as the app sees it: the checkout itself, or a copy owned by the app's user. */
  readonly checkout: string;
  readonly out: string;
  readonly tmp: string;
}

/**
 * Makes the synth folders for a runner in another container, in a fresh job folder on the volume
 * it shares (makeSharedJobFolder): a copy of the checkout the runner's group may read, and output
 * and temp folders it may write.
 */
function makeSharedFolders(workspaceDir: string, env: string, workRoot: string, log: Log): SynthFolders {
  const { root, gid } = makeSharedJobFolder(workRoot, `${SYNTH_FOLDER_PREFIX}${env}-`, log);
  const checkout = join(root, 'checkout');
  const out = join(root, 'out');
  const tmp = join(root, 'tmp');
  cpSync(workspaceDir, checkout, { recursive: true, verbatimSymlinks: true });
  mkdirSync(out);
  mkdirSync(tmp);
  shareTree(root, gid);
  shareTree(out, gid, true);
  shareTree(tmp, gid, true);
  return { root, checkout, out, tmp };
}

/**
 * Makes the synth folders under a fresh `cairn-synth-<env>-*` folder. When the app runs as another
 * user, it gets a copy of the checkout it owns (a private checkout is unreadable to it) and the
 * output and temp folders are its alone (0700). A runner in another container gets them on the
 * volume it shares (its `workRoot`).
 */
function makeFolders(workspaceDir: string, env: string, runner: SynthRunner, log: Log): SynthFolders {
  if (runner.workRoot) return makeSharedFolders(workspaceDir, env, runner.workRoot, log);
  const user = runner.user;
  const root = mkdtempSync(join(tmpdir(), `${SYNTH_FOLDER_PREFIX}${env}-`));
  const out = join(root, 'out');
  const tmp = join(root, 'tmp');
  mkdirSync(out, { mode: 0o700 });
  mkdirSync(tmp, { mode: 0o700 });
  if (!user) return { root, checkout: workspaceDir, out, tmp };
  const checkout = join(root, 'checkout');
  cpSync(workspaceDir, checkout, { recursive: true, verbatimSymlinks: true });
  chownTree(root, user);
  chmodSync(root, 0o700);
  return { root, checkout, out, tmp };
}

/** Runs the CDK app of a workspace for one environment and commit, and reads the cloud assembly it writes. */
export async function synthesizeApp(options: {
  readonly workspaceDir: string;
  readonly env: string;
  readonly target: AwsTargetConfig;
  readonly commitSha: string;
  readonly log: Log;
  readonly cacheDir?: string;
  /** Where a Python app's requirements are installed (default `<tmp>/cairn-python-deps`). */
  readonly pythonCacheDir?: string;
  /** How the app is isolated; by default the one `target.synth` names. */
  readonly runner?: SynthRunner;
  /**
   * Aborted when the caller gives up (a pull request's plan past its deadline): the app's process
   * tree is killed then, not at the synth timeout, and the synth fails with `synth.abandoned`.
   */
  readonly signal?: AbortSignal;
}): Promise<Assembly> {
  const { workspaceDir, env, target, commitSha, log } = options;
  const maxAssemblyBytes = target.maxAssemblyBytes ?? DEFAULT_MAX_ASSEMBLY_BYTES;
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
  const { signal } = options;
  const abandoned = () =>
    new CairnError('the CDK app was stopped: the synth was abandoned by its caller', {
      code: 'synth.abandoned',
      phase: 'synthesize',
      subject: 'aws-resources',
    });

  const runner = options.runner ?? createSynthRunner(target.synth);
  const why = await runner.unavailable();
  if (why) {
    throw new CairnError(`cannot run the CDK app isolated from the controller: ${why}`, {
      code: 'synth.isolation-unavailable',
      phase: 'synthesize',
      subject: 'aws-resources',
      retryable: false,
      hint: "install bubblewrap and allow user namespaces (see SECURITY.md's threat model), or set aws.synth.isolation: none for a repository whose every author you trust with the controller's credentials",
    });
  }
  // A runner in another container reads the dependencies from the volume it shares.
  const cache: DependencyCache = {
    dir:
      options.cacheDir ?? join(runner.workRoot ?? tmpdir(), runner.workRoot ? 'cdk-deps' : 'cairn-cdk-deps'),
    mode: runner.workRoot ? 0o750 : 0o700,
  };
  // Abandoned, the caller stops waiting for the installs at once; they are killed once no other
  // environment's synth waits for them.
  const installed = async <T>(install: Promise<T>): Promise<T> =>
    install.catch((error: unknown) => {
      throw signal?.aborted ? abandoned() : error;
    });
  const deps = await installed(
    installDependencies(appDir, cache, options.target.synthTimeoutMs, log, signal),
  );
  // A Python app's wheels are installed here, outside the isolation, and mounted read-only in it.
  const python = isPythonApp(appDir, cdkJson.app)
    ? await installed(
        preparePythonApp({
          appDir,
          // A runner in another container reads them from the volume it shares.
          cacheDir:
            options.pythonCacheDir ??
            (runner.workRoot ? join(runner.workRoot, 'python-deps') : join(tmpdir(), 'cairn-python-deps')),
          runner,
          path: appPath(),
          timeoutMs: options.target.synthTimeoutMs,
          log,
          ...(signal ? { signal } : {}),
        }),
      )
    : undefined;
  // The app is this caller's alone, and is not started for a caller that gave up meanwhile.
  if (signal?.aborted) throw abandoned();
  const folders = makeFolders(workspaceDir, env, runner, log);
  const context = {
    ...(cdkJson.context ?? {}),
    // The environment's bootstrap, so that the default synthesizer names its roles and bucket: an
    // app that names another qualifier is refused before deploy (stackIdentity, asset bounds).
    ...(target.bootstrapQualifier ? { '@aws-cdk/core:bootstrapQualifier': target.bootstrapQualifier } : {}),
    'gitops:environment': env,
    'gitops:commit': commitSha,
  };
  const started = Date.now();
  const cairnModules = cairnNodeModules();
  const run = runner.run({
    command: cdkJson.app,
    cwd: join(folders.checkout, 'aws-resources'),
    env: {
      PATH: appPath(),
      LANG: process.env.LANG ?? 'C.UTF-8',
      HOME: folders.tmp,
      TMPDIR: folders.tmp,
      CDK_OUTDIR: folders.out,
      CDK_CONTEXT_JSON: JSON.stringify(context),
      CDK_DEFAULT_ACCOUNT: target.account,
      CDK_DEFAULT_REGION: target.region,
      ...(validationCanFail(context) ? {} : { CDK_VALIDATION: 'false' }),
      NODE_PATH: [deps, cairnModules].filter(Boolean).join(':'),
      // The sandbox has no network: npm (an app's `npx <tool>`) fails at once instead of retrying
      // the registry for a minute. Elsewhere the runner's network, and its allowlist, decide.
      ...(runner.isolation === 'bubblewrap' ? { npm_config_offline: 'true' } : {}),
      ...python?.env,
    },
    readOnly: [
      folders.checkout,
      cairnModules,
      ...(deps && existsSync(deps) ? [deps] : []),
      ...(python ? [python.deps] : []),
    ],
    writable: [folders.out, folders.tmp],
    output: folders.out,
    // A runner in another container leaves an oversized output where it is, uncopied.
    maxOutputBytes: maxAssemblyBytes,
    timeoutMs: target.synthTimeoutMs,
    ...(signal ? { signal } : {}),
  });
  const result = await run
    .finally(() => {
      // The app's view of the checkout and its temp files are done with, whatever happened.
      if (folders.checkout !== workspaceDir) rmSync(folders.checkout, { recursive: true, force: true });
      rmSync(folders.tmp, { recursive: true, force: true });
    })
    .catch((error: unknown) => {
      throw signal?.aborted ? abandoned() : error;
    });
  if (signal?.aborted) {
    rmSync(folders.root, { recursive: true, force: true });
    throw abandoned();
  }
  if (result.timedOut || result.code !== 0) {
    rmSync(folders.root, { recursive: true, force: true });
    const how = result.timedOut
      ? `did not finish within ${Math.round(target.synthTimeoutMs / 1000)}s`
      : `exited with ${result.code === null ? `signal ${String(result.signal)}` : `code ${result.code}`}`;
    throw new CairnError(`the CDK app ${how}:\n${safeOutput(result.output)}`, {
      code: result.timedOut ? 'synth.timeout' : 'synth.failed',
      phase: 'synthesize',
      subject: `aws-resources (${safeOutput(cdkJson.app, 200)})`,
      hint: NPX.test(cdkJson.app)
        ? npxHint(cdkJson.app)
        : 'run the app locally with the same context to reproduce',
    });
  }
  // The app is gone; its output becomes cairn's, so nothing running as the app's user can change it now.
  if (runner.user) chownTree(folders.root, { uid: process.getuid!(), gid: process.getgid!() });
  log.info(
    { phase: 'synthesize', durationMs: Date.now() - started, isolation: runner.isolation },
    'CDK app synthesized',
  );
  try {
    // Before the CDK's reader opens anything: only regular files and folders, every named path inside.
    checkOutputFolder(folders.out, maxAssemblyBytes);
    const assembly = readAssembly(folders.out);
    checkConfined(assembly);
    return assembly;
  } catch (error) {
    rmSync(folders.root, { recursive: true, force: true });
    if (isCairnError(error)) throw error;
    // The app wrote the assembly, so the reader's message may quote it: masked like its output.
    throw new CairnError(`wrote a cloud assembly cairn cannot read: ${safeOutput(errorMessage(error))}`, {
      code: 'synth.bad-assembly',
      phase: 'synthesize',
      subject: 'aws-resources',
    });
  }
}

/** Removes an assembly's folder, with the synth folder around it. */
export function discardAssembly(dir: string): void {
  const parent = dirname(dir);
  const whole = basename(dir) === 'out' && basename(parent).startsWith(SYNTH_FOLDER_PREFIX);
  rmSync(whole ? parent : dir, { recursive: true, force: true });
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
      roles: {
        ...(stack.assumeRoleArn ? { deployRoleArn: stack.assumeRoleArn } : {}),
        ...(stack.assumeRoleExternalId ? { deployRoleExternalId: stack.assumeRoleExternalId } : {}),
        ...(stack.cloudFormationExecutionRoleArn
          ? { executionRoleArn: stack.cloudFormationExecutionRoleArn }
          : {}),
      },
    })),
  };
}
