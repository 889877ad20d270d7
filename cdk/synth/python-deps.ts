import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  CairnError,
  ensurePrivateFolder,
  removeLeftovers,
  safeOutput,
  type Log,
} from '../../controller/model';
import { pinnedRequirements } from './python-requirements';
import { runProcess } from './run-process';
import { SharedInstalls } from './shared-install';

/** Where a Python CDK app's dependencies are installed, and how long pip may take. */
export interface PythonDepsOptions {
  /** The app's requirements.txt (in the checkout: untrusted text, read only). */
  readonly requirementsFile: string;
  /** The private cache folder (one subfolder per requirements hash). */
  readonly cacheDir: string;
  readonly log: Log;
  readonly timeoutMs?: number;
  /** The python interpreter (default `python3` on PATH): the one the app will run with, for its ABI. */
  readonly python?: string;
  /**
   * The group of the user the app runs as, when it is not cairn's (cairn runs as root): the cache
   * folder becomes 0710 and the installed tree group-readable (never writable) by that group only.
   */
  readonly shareWithGid?: number;
  /**
   * Aborted when the caller gives up: it stops waiting at once, and pip is killed once no other
   * caller waits for the same requirements (SharedInstalls).
   */
  readonly signal?: AbortSignal;
}

/** Installs under way, by target folder: callers with the same requirements wait for one pip. */
const installing = new SharedInstalls<string>();

// A finished install carries this file: a folder without it is a crashed install, made again.
const COMPLETE = '.cairn-complete';

/**
 * Installs a Python CDK app's requirements as wheels only (`--only-binary=:all:`: pip runs no
 * package code, since only an sdist's build would), outside the isolation and with network, into
 * a private cache folder keyed by the requirements' hash; returns that folder, for the synth to
 * mount read-only on PYTHONPATH. The repository's file is first checked line by line
 * (pinnedRequirements: pinned `name==version` only, else `synth.python-requirements` and pip never
 * runs), and pip reads cairn's own rewrite of it, so pip reads no other file, URL or index than
 * the machine's pip configuration names. A requirement with no wheel fails `synth.python-sdist`
 * naming it.
 */
export async function installPythonDeps(options: PythonDepsOptions): Promise<string> {
  // Refused before anything is made or run: a line that would make pip read another file, fetch a
  // URL, build a source tree or use another index never reaches pip.
  const text = `${pinnedRequirements(readFileSync(options.requirementsFile, 'utf8')).join('\n')}\n`;
  // The key is the text pip reads, and that text alone decides what is installed (no line may name
  // another file, URL or index; the index is the machine's pip configuration, the same for every
  // environment), so two environments with the same text may share one install.
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
  const shared = options.shareWithGid !== undefined;
  ensurePrivateFolder(options.cacheDir, {
    what: 'Python dependency cache',
    log: options.log,
    ...(shared ? { mode: 0o710 } : {}),
  });
  if (shared) {
    // A folder made private before (a synth without another user) is opened to the group again.
    chownSync(options.cacheDir, lstatSync(options.cacheDir).uid, options.shareWithGid);
    chmodSync(options.cacheDir, 0o710);
  }
  const target = join(options.cacheDir, `py-${hash}`);
  if (existsSync(join(target, COMPLETE))) {
    if (shared) readableByGroup(target, options.shareWithGid);
    return target;
  }
  return installing.join(target, (stop) => pipInstall(options, text, hash, target, stop), options.signal);
}

/** Runs pip for `text` into a folder of its own, renamed to `target` once complete. */
async function pipInstall(
  options: PythonDepsOptions,
  text: string,
  hash: string,
  target: string,
  stop: AbortSignal,
): Promise<string> {
  const shared = options.shareWithGid !== undefined;
  const timeoutMs = options.timeoutMs ?? 600_000;
  // The wheel folder of an install whose process died (pip killed with the controller).
  await removeLeftovers(options.cacheDir, timeoutMs);
  // A folder of its own: a killed install's removal never meets the next one's.
  const partial = mkdtempSync(`${target}.tmp-`);
  // As pip would make it (the cache folder around it is what keeps others out): mkdtemp's 0700
  // would keep the app's user out where its group already owns the folder (readableByGroup stops there).
  chmodSync(partial, 0o755);
  const checked = `${partial}.requirements.txt`;
  rmSync(target, { recursive: true, force: true });
  // pip reads cairn's rewrite of the checked lines (ASCII, one requirement a line), never the
  // repository's file, so no encoding, line break or continuation of it can read differently.
  writeFileSync(checked, text, { mode: 0o600 });
  const started = performance.now();
  const result = await runProcess({
    file: options.python ?? 'python3',
    args: [
      // --isolated: no PIP_* variable and no user configuration; the index is the one of the
      // machine's global pip configuration (/etc/pip.conf) or PyPI, never the repository's.
      ...['-m', 'pip', 'install', '--isolated', '--only-binary=:all:', '--no-input'],
      ...['--disable-pip-version-check', '--no-cache-dir', '--target', partial, '-r', checked],
    ],
    cwd: options.cacheDir,
    // Nothing of the controller's environment (credentials) reaches pip: PATH and HOME only.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.cacheDir },
    timeoutMs,
    signal: stop,
  }).finally(() => rmSync(checked, { force: true }));
  if (stop.aborted) {
    rmSync(partial, { recursive: true, force: true });
    throw stop.reason;
  }
  if (result.code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw pipFailure(options.requirementsFile, result.output, result.timedOut);
  }
  writeFileSync(join(partial, COMPLETE), `${hash}\n`);
  if (shared) readableByGroup(partial, options.shareWithGid);
  try {
    renameSync(partial, target);
  } catch (error) {
    // Another process installed the same requirements first; its copy is as good as ours.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(target, COMPLETE))) throw error;
  }
  options.log.info(
    { phase: 'synthesize', durationMs: Math.round(performance.now() - started) },
    'python dependencies installed',
  );
  return target;
}

/**
 * Gives a tree's group to `gid` with read (and search) but never write: folders 0750, files 0640
 * (0750 when executable). Stops at the folder when it already has that group (done before).
 */
function readableByGroup(path: string, gid: number): void {
  const stat = lstatSync(path);
  if (stat.gid === gid) return;
  if (stat.isSymbolicLink()) return lchownSync(path, stat.uid, gid);
  if (stat.isDirectory()) for (const name of readdirSync(path)) readableByGroup(join(path, name), gid);
  chownSync(path, stat.uid, gid);
  chmodSync(path, stat.isDirectory() ? 0o750 : stat.mode & 0o100 ? 0o750 : 0o640);
}

/** The package pip found no wheel for, from its output (`No matching distribution found for X`). */
export function packageWithoutWheel(output: string): string | undefined {
  return /No matching distribution found for ([^\s]+)/.exec(output)?.[1];
}

function pipFailure(file: string, output: string, timedOut: boolean): CairnError {
  const pkg = packageWithoutWheel(output);
  if (pkg)
    return new CairnError(`${pkg} has no wheel for this platform (only an sdist, or no such package)`, {
      code: 'synth.python-sdist',
      phase: 'synthesize',
      subject: `${file.replace(/^.*(aws-resources\/)/, '$1')}: ${pkg}`,
      hint: 'pin a version of it that publishes a wheel, or vendor a built wheel; cairn never builds an sdist (its setup code would run)',
    });
  return new CairnError(
    `pip could not install the requirements${timedOut ? ' in time' : ''}: ${safeOutput(output)}`,
    {
      code: 'synth.python-deps',
      phase: 'synthesize',
      retryable: true,
      subject: file.replace(/^.*(aws-resources\/)/, '$1'),
      hint: 'check the requirements file and that the package index is reachable',
    },
  );
}
