import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError, sharedGroupOf, type Log } from '../../controller/model';
import { installPythonDeps } from './python-deps';
import type { SynthRunner } from './synth-job';

/** What a Python app's synth adds to the job: its installed dependencies and Python's settings. */
export interface PythonSynthInputs {
  /** The installed requirements (mounted read-only). */
  readonly deps: string;
  /** PYTHONPATH and the settings that keep the interpreter from reading or writing elsewhere. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Whether aws-resources/ is a Python CDK app: a requirements.txt beside a cdk.json whose `app`
 * runs python (`python3 app.py`, `python app.py`, `/usr/bin/python3.11 -m app`).
 */
export function isPythonApp(appDir: string, app: string): boolean {
  return existsSync(join(appDir, 'requirements.txt')) && /(^|[\s/])python[0-9.]*(\s|$)/.test(app);
}

/**
 * The python3 the app will run: the first on the app's PATH. Its real file must be under /usr
 * (mounted read-only in the isolation), so a python of cairn's own PATH (a pyenv in /root) is never
 * what the app expects and cannot find.
 */
function appPython(path: string): string | undefined {
  for (const dir of path.split(':')) {
    const file = join(dir, 'python3');
    if (existsSync(file) && realpathSync(file).startsWith('/usr/')) return file;
  }
  return undefined;
}

/**
 * Installs a Python app's requirements (wheels only, outside the isolation, with network, into the
 * private cache) with the interpreter the app will run with, readable by the app's user when it
 * has one, or by the sidecar runner's group when the app runs there (the cache is then on the
 * shared volume: the controller's pip writes it, the runner only reads it); returns what the
 * synth job adds.
 */
export async function preparePythonApp(options: {
  readonly appDir: string;
  readonly cacheDir: string;
  readonly runner: SynthRunner;
  /** The PATH the app runs with. */
  readonly path: string;
  readonly timeoutMs: number;
  readonly log: Log;
  /** The caller gave up: see installPythonDeps. */
  readonly signal?: AbortSignal;
}): Promise<PythonSynthInputs> {
  const { runner } = options;
  const shareWithGid =
    runner.user?.gid ?? (runner.workRoot ? sharedGroupOf(runner.workRoot, options.log) : undefined);
  const python = appPython(options.path);
  if (!python)
    throw new CairnError('is a Python CDK app, but there is no python3 under /usr on this machine', {
      code: 'synth.python-unavailable',
      phase: 'synthesize',
      subject: 'aws-resources/cdk.json',
      hint: 'install python3 and python3-pip from the system packages (Debian: apt-get install python3 python3-pip)',
    });
  const deps = await installPythonDeps({
    requirementsFile: join(options.appDir, 'requirements.txt'),
    cacheDir: options.cacheDir,
    log: options.log,
    timeoutMs: options.timeoutMs,
    python,
    ...(shareWithGid !== undefined ? { shareWithGid } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    deps,
    env: {
      PYTHONPATH: deps,
      // No user site (HOME is the job's temp folder anyway), no .pyc writes into the read-only
      // dependencies, no buffering that would lose the app's last lines when it is killed.
      PYTHONNOUSERSITE: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      // HOME is a fresh temp folder per synth, so jsii's package cache is never reused; and under
      // the sidecar that folder is group-writable (the pod's group), which jsii refuses for a cache.
      JSII_RUNTIME_PACKAGE_CACHE: 'disabled',
    },
  };
}
