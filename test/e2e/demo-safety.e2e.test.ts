import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { processesMarked } from '../helpers/processes';
import { repoRoot } from '../sandbox/sandbox-env';

jest.setTimeout(20 * 60_000);

const MAIN = join(repoRoot, 'test', 'demo', 'main.ts');

/** A running demo: its output so far, and a promise of its exit code. */
interface DemoRun {
  readonly child: ChildProcess;
  readonly marker: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `npm run demo`'s program from source, its processes marked in their environment. */
function startDemo(args: readonly string[], env: NodeJS.ProcessEnv = {}): DemoRun {
  const marker = `CAIRN_DEMO_TEST_${randomBytes(6).toString('hex')}`;
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), MAIN, ...args], {
    cwd: repoRoot,
    env: { ...process.env, [marker]: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, marker, output: () => output, exited };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live processes the demo started (its children inherit the marker), after a short settle. */
async function leftBehind(marker: string): Promise<string[]> {
  const deadline = Date.now() + 3_000;
  let pids = processesMarked(marker);
  while (pids.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    pids = processesMarked(marker);
  }
  return pids.map((pid) => {
    const cmd = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    return `${pid} ${cmd}`;
  });
}

/** A PATH with git, python, Go, node and the sandbox's tools, but no bwrap. */
function pathWithoutBubblewrap(dir: string): string {
  for (const tool of ['git', 'openssl', 'curl', 'flock', 'setsid', 'sh', 'bash', 'env', 'apt-get', 'node']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(realpathSync(found), join(dir, tool));
  }
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const go = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).stdout.trim();
  return [dir, dirname(python.stdout.trim()), ...(go ? [dirname(realpathSync(go))] : [])].join(':');
}

describe('the demo never hangs and leaves nothing behind', () => {
  const workdirs: string[] = [];
  const workdir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-demo-safety-'));
    workdirs.push(dir);
    return dir;
  };
  afterAll(() => workdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('with bubblewrap missing, `npm run demo` exits non-zero within 10 s naming it and the command that installs it', async () => {
    const bin = workdir();
    const npm = realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());
    const started = Date.now();
    const result = spawnSync(process.execPath, [npm, 'run', 'demo', '--', '--no-wait'], {
      cwd: repoRoot,
      env: { ...process.env, PATH: pathWithoutBubblewrap(bin) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.stderr).toContain('✗ bubblewrap (bwrap)');
    expect(result.stderr).toMatch(/fix: sudo (apt-get install -y|dnf install -y|apk add) bubblewrap/);
    // Nothing was built: the preflight runs before the TypeScript build and the sandbox.
    expect(`${result.stdout}${result.stderr}`).not.toContain('Starting the sandbox');
    expect(seconds).toBeLessThan(10);
  });

  it('an app that stalls ends the demo at once: non-zero, printing the failure code and message', async () => {
    const demo = startDemo(['--no-wait', '--break-app', '--workdir', workdir()]);
    const started = Date.now();
    const code = await demo.exited;
    expect(code).toBe(1);
    expect(demo.output()).toMatch(/demo failed \(synth\.failed\): environment dev: stalled on [0-9a-f]{7}/);
    expect(demo.output()).toContain('broken on purpose by the demo (--break-app)');
    // Far from the five-minute step timeout it used to sit out.
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(await leftBehind(demo.marker)).toEqual([]);
  });

  // Each step's first line, in the order the demo prints them (the sandbox is the shared one, up).
  const steps = [
    "This run's names start with",
    'Using the sandbox that is already up',
    'Creating the platform repository',
    'Bootstrapping the AWS side',
    'Starting the controller',
    'The Deployments rolled out',
    'AWS outputs bound into Kubernetes',
    'Merging a change to dev',
    'Promoting it to staging',
    'Rolling dev back',
    'The audit trail',
    'Press Ctrl-C to stop',
  ];

  it.each(steps.map((step, i) => [i, step]))(
    'SIGINT at step %i (%s) stops every process the demo started',
    async (i, step) => {
      const demo = startDemo(['--workdir', workdir()]);
      await until(`"${step}"`, () => demo.output().includes(step as string), 300_000);
      demo.child.kill('SIGINT');
      const code = await demo.exited;
      expect(await leftBehind(demo.marker)).toEqual([]);
      // A short step (the audit trail) can end, and the story with it, before the signal lands:
      // the demo says which it met, and only the last two steps may have been told.
      const interrupted = demo.output().includes('demo: SIGINT: stopping every process it started');
      if (i < steps.length - 2) expect(interrupted).toBe(true);
      if (i === steps.length - 1) expect(interrupted).toBe(false);
      // Before the story is told a Ctrl-C is an interruption (130); after it, the normal end.
      expect(code).toBe(interrupted ? 130 : 0);
    },
  );

  it('SIGINT while the demo starts a sandbox of its own stops the sandbox processes too', async () => {
    const state = workdir();
    const demo = startDemo(['--workdir', workdir()], { CAIRN_SANDBOX_DIR: state });
    // Some daemons are up (etcd writes its pid), others not yet.
    await until(
      'the sandbox to start etcd',
      () => demo.output().includes('starting kube-apiserver'),
      180_000,
    );
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(await leftBehind(demo.marker)).toEqual([]);
  });
});
