import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { runProcess, type ProcessResult } from './run-process';
import type { SynthJob, SynthRunner, SynthUser } from './synth-job';

/** The uid and gid a sandboxed app runs as when cairn runs as root and the config names none. */
export const DEFAULT_SYNTH_USER: SynthUser = { uid: 65534, gid: 65534 };

const PROBE_TIMEOUT_MS = 15_000;

/** Where bwrap is, from cairn's PATH, or undefined. */
function findBubblewrap(): string | undefined {
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter);
  return dirs.map((d) => join(d, 'bwrap')).find((file) => existsSync(file));
}

/**
 * The sandbox's root: the system's programs and libraries read-only, fresh /proc (of the new PID
 * namespace only), a minimal /dev, a private /tmp, and nothing of /etc but the loader's cache.
 * No /home, /root, /var, /work, kubeconfig, audit folder or socket of the host is there.
 */
function rootArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64']) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  // Node installed outside /usr (e.g. /opt/node): its whole prefix, read-only.
  const node = realpathSync(process.execPath);
  if (!node.startsWith('/usr/')) {
    const prefix = dirname(dirname(node));
    args.push('--ro-bind', prefix, prefix);
  }
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  return args;
}

/**
 * Namespaces: PID (the app sees only its own processes), mount (only what is bound), network (no
 * loopback services such as cairn's API, no instance metadata endpoint), IPC, UTS, cgroup, and a
 * user namespace the app cannot nest. No capabilities; a new session (no terminal injection); the
 * sandbox dies with its bwrap parent, and every process in it dies with its PID namespace.
 */
const NAMESPACE_ARGS = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--cap-drop',
  'ALL',
  '--die-with-parent',
  '--new-session',
  '--hostname',
  'cairn-synth',
];

function bwrapArgs(job: Pick<SynthJob, 'readOnly' | 'writable' | 'env' | 'cwd'>, argv: readonly string[]) {
  const args = [...NAMESPACE_ARGS, ...rootArgs()];
  for (const dir of job.readOnly) args.push('--ro-bind', dir, dir);
  for (const dir of job.writable) args.push('--bind', dir, dir);
  // The sandbox's own root (where bwrap made mount points) is read-only too: only the writable binds
  // and the private /tmp take writes.
  args.push('--remount-ro', '/', '--chdir', job.cwd);
  for (const [name, value] of Object.entries(job.env)) args.push('--setenv', name, value);
  args.push('--', ...argv);
  return args;
}

/**
 * Runs the CDK app under bubblewrap. bwrap itself is started with an empty environment (its PID-1
 * helper keeps the environment it was started with), and, when cairn runs as root, as `user`, so
 * the app cannot read files that only cairn's uid can (a user namespace alone would still map it
 * to root's files). Needs bwrap on PATH and user namespaces enabled for unprivileged users.
 */
export function bubblewrapRunner(user: SynthUser = DEFAULT_SYNTH_USER): SynthRunner {
  const runAs = process.getuid?.() === 0 ? user : undefined;
  let probe: Promise<string | undefined> | undefined;
  const bwrap = findBubblewrap();

  const run = (job: SynthJob, argv: readonly string[]): Promise<ProcessResult> =>
    runProcess({
      file: bwrap ?? 'bwrap',
      args: bwrapArgs(job, argv),
      cwd: '/',
      env: {},
      timeoutMs: job.timeoutMs,
      ...(job.signal ? { signal: job.signal } : {}),
      ...(runAs ? { user: runAs } : {}),
    });

  return {
    isolation: 'bubblewrap',
    ...(runAs ? { user: runAs } : {}),
    unavailable() {
      probe ??= (async () => {
        if (!bwrap) return 'bubblewrap (bwrap) is not installed or not on PATH';
        const result = await run(
          { command: '', cwd: '/', env: {}, readOnly: [], writable: [], timeoutMs: PROBE_TIMEOUT_MS },
          ['/bin/sh', '-c', 'exit 0'],
        );
        if (result.code === 0) return undefined;
        const who = runAs ? ` as uid ${runAs.uid}` : '';
        return `bwrap could not build a sandbox${who}: ${result.output.trim() || `exit code ${String(result.code)}`} (it needs user namespaces for unprivileged users: sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 where that exists)`;
      })();
      return probe;
    },
    run: (job) => run(job, ['/bin/sh', '-c', job.command]),
  };
}
