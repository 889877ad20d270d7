import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sidecarRunner } from '../../../cdk/synth/sidecar-runner';
import type { SynthJob } from '../../../cdk/synth/synth-job';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import {
  authenticatedRaw,
  POD_FS_GROUP,
  processesOf,
  startRunnerPod,
  type RunnerPod,
} from '../../helpers/synth-runner-pod';
import { sandboxTarget, workspaceWith } from './cdk-fixture';

jest.setTimeout(120_000);

/** A uid no other test uses, so that every process of it is the runner's or a job's. */
const RUNNER_UID = 10012;

let pod: RunnerPod;

beforeAll(async () => {
  pod = await startRunnerPod(RUNNER_UID);
});

afterAll(async () => {
  await pod.cleanup();
});

/** A job folder as the controller makes one: under the work root, in the pod's group, writable by it. */
function jobFolder(): string {
  mkdirSync(pod.workRoot, { recursive: true, mode: 0o710 });
  const dir = join(pod.workRoot, 'synth', randomBytes(8).toString('hex'));
  mkdirSync(join(dir, 'out'), { recursive: true });
  for (const d of [pod.workRoot, join(pod.workRoot, 'synth'), dir, join(dir, 'out')]) {
    chownSync(d, 0, POD_FS_GROUP);
    chmodSync(d, d === pod.workRoot ? 0o710 : 0o770);
  }
  return dir;
}

function job(dir: string, command: string, extra: Partial<SynthJob> = {}): SynthJob {
  return {
    command,
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', HOME: join(dir, 'out'), CDK_OUTDIR: join(dir, 'out') },
    readOnly: [],
    writable: [join(dir, 'out')],
    output: join(dir, 'out'),
    timeoutMs: 20_000,
    ...extra,
  };
}

/** Sends raw bytes to the socket and returns everything the runner answered. */
function raw(payload: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(pod.socket);
    let answer = '';
    conn.on('data', (c) => (answer += c.toString()));
    conn.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    conn.on('close', () => resolve(answer));
    conn.write(payload);
  });
}

const runner = () => sidecarRunner({ socket: pod.socket, workRoot: pod.workRoot });

/** Polls `done` every 50 ms until it holds, or `timeoutMs` passed. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the synth runner as a separate process under another uid', () => {
  it('listens on a socket only its uid and the pod’s group may use (0660), and refuses a stranger', () => {
    const stat = statSync(pod.socket);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o660);
    expect({ uid: stat.uid, gid: stat.gid }).toEqual({ uid: RUNNER_UID, gid: POD_FS_GROUP });
    // a local user outside the group cannot even connect
    const stranger = spawnSync(
      process.execPath,
      [
        '-e',
        `require('net').connect(${JSON.stringify(pod.socket)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>console.log(e.code))`,
      ],
      { uid: 65534, gid: 65534, encoding: 'utf8' },
    );
    expect(stranger.stdout.trim()).toBe('EACCES');
  });

  it('synthesizes a CDK app under its own uid, and hands back an assembly only cairn can write', async () => {
    // given a real CDK app in a private checkout
    const workspaceDir = workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] });
    // when the controller synthesizes it through the sidecar
    const assembly = await synthesizeApp({
      workspaceDir,
      env: 'dev',
      target: sandboxTarget(),
      commitSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      log: silentLog(),
      runner: runner(),
    });
    // then the assembly names the stack, its folder is cairn's alone, and under the work root
    expect(assembly.stacks.map((s) => s.id)).toEqual(['Data']);
    expect(assembly.dir.startsWith(join(pod.workRoot, 'synth'))).toBe(true);
    const out = statSync(assembly.dir);
    expect({ uid: out.uid, mode: out.mode & 0o777 }).toEqual({ uid: 0, mode: 0o700 });
    expect(readFileSync(assembly.stacks[0]!.templateFile, 'utf8')).toContain('AWS::SQS::Queue');
    // and nothing the runner's uid wrote is left (its temp folder and the app's view are gone)
    const owned = readdirSync(join(assembly.dir, '..'), { recursive: true, withFileTypes: true })
      .map((e) => join(e.parentPath, e.name))
      .filter((p) => statSync(p).uid === RUNNER_UID);
    expect(owned).toEqual([]);
    // and the work root is passable, not listable, by the runner's group
    expect(statSync(pod.workRoot).mode & 0o777).toBe(0o710);
    expect(statSync(join(pod.workRoot, 'synth')).mode & 0o777).toBe(0o710);
  });

  it('runs a job with only the job’s environment, as its own uid', async () => {
    const dir = jobFolder();
    const result = await runner().run(job(dir, 'id -u; env'));
    expect(result.code).toBe(0);
    const [uid, ...env] = result.output.trim().split('\n');
    expect(uid).toBe(String(RUNNER_UID));
    const names = env.map((l) => l.split('=')[0]).sort();
    expect(names).toEqual(['CAIRN_SYNTH_RUN', 'CDK_OUTDIR', 'HOME', 'PATH', 'PWD']);
    expect(result.output).not.toContain('runner-only-value');
  });

  it('refuses a cwd outside its work root, or reached through a symlink out of it, and stays up', async () => {
    const dir = jobFolder();
    symlinkSync('/etc', join(dir, 'escape'));
    for (const [cwd, message] of [
      ['/etc', "cwd /etc is outside the runner's work root"],
      [join(dir, 'escape'), `cwd ${join(dir, 'escape')} is outside the runner's work root`],
      [join(dir, '..', '..', '..'), "is outside the runner's work root"],
    ] as const) {
      const error = await runner()
        .run(job(dir, 'touch /tmp/should-not-run', { cwd }))
        .catch((e: unknown) => e);
      expect(isCairnError(error) && { code: error.code, retryable: error.retryable }).toEqual({
        code: 'synth.runner-refused',
        retryable: false,
      });
      expect((error as Error).message).toContain(message);
    }
    const writable = await runner()
      .run(job(dir, 'true', { writable: ['/etc'] }))
      .catch((e: unknown) => e);
    expect((writable as Error).message).toContain('writable folder /etc is outside');
    expect((await runner().run(job(dir, 'echo still-here'))).output).toContain('still-here');
  });

  it('answers garbage, an oversized request and an unauthenticated one with a clear error, and stays up', async () => {
    expect(JSON.parse(await raw('GET / HTTP/1.1\r\n\r\n'))).toEqual({
      type: 'error',
      message: 'the request is not JSON (expected one line: {"v":2,"type":"hello",...})',
    });
    expect(JSON.parse(await raw(Buffer.alloc(2 * 1024 * 1024, 'a')))).toEqual({
      type: 'error',
      message: 'the request is over 1048576 bytes',
    });
    // a v1 request (no hello, no proof) runs nothing
    const v1 = await raw(
      `${JSON.stringify({ v: 1, type: 'run', command: 'env', cwd: jobFolder(), env: {}, writable: [], timeoutMs: 1000 })}\n`,
    );
    expect(v1).toContain('unsupported protocol version 1 (this runner speaks 2');
    // a hello followed by a wrong proof runs nothing either
    const wrong = await raw(
      `${JSON.stringify({ v: 2, type: 'hello', nonce: randomBytes(16).toString('hex') })}\n${JSON.stringify({ type: 'auth', proof: '0'.repeat(64) })}\n`,
    );
    expect(wrong).toContain('the client did not prove the runner key: no job is run for it');
    // and with the key, a job that names a controller secret is refused by the runner itself
    const env = await authenticatedRaw(pod.socket, {
      v: 2,
      type: 'run',
      command: 'env',
      cwd: jobFolder(),
      env: { AWS_SECRET_ACCESS_KEY: 'x' },
      writable: [],
      timeoutMs: 1000,
    });
    expect(env).toContainEqual({
      type: 'error',
      message: 'environment variable "AWS_SECRET_ACCESS_KEY" is not one a synth job may set',
    });
    expect((await runner().run(job(jobFolder(), 'echo after-garbage'))).output).toContain('after-garbage');
  });

  it('holds the timeout and kills what the job left, even a daemon that dropped its environment', async () => {
    const dir = jobFolder();
    const started = Date.now();
    const result = await runner().run(
      job(dir, "setsid sh -c 'exec env -i sleep 600' </dev/null >/dev/null 2>&1 & sleep 600", {
        timeoutMs: 2_000,
      }),
    );
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(8_000);
    // only the runner itself is left of its uid
    expect(processesOf(RUNNER_UID)).toEqual([pod.child.pid]);
  });

  it('kills the job and what it left as soon as its caller gives up, long before its timeout', async () => {
    // given a job (and a daemon it left) that would run for its whole 60 s timeout
    const dir = jobFolder();
    const caller = new AbortController();
    const running = runner().run(
      job(dir, "setsid sh -c 'exec env -i sleep 600' </dev/null >/dev/null 2>&1 & sleep 600", {
        timeoutMs: 60_000,
        signal: caller.signal,
      }),
    );
    running.catch(() => undefined);
    await waitUntil(() => processesOf(RUNNER_UID).length > 2, 10_000);
    // when its caller gives up (a pull request's plan past its deadline)
    const abandoned = Date.now();
    caller.abort();
    // then the run fails at once, and within a moment only the runner is left of its uid
    await expect(running).rejects.toMatchObject({ code: 'synth.runner-lost' });
    await waitUntil(() => processesOf(RUNNER_UID).length === 1, 5_000);
    expect(processesOf(RUNNER_UID)).toEqual([pod.child.pid]);
    expect(Date.now() - abandoned).toBeLessThan(3_000);
    // and the runner takes the next job
    expect((await runner().run(job(jobFolder(), 'echo after-abandon'))).output).toContain('after-abandon');
  });

  it('runs jobs one at a time: a job can neither plant files for the next nor change the last one’s output', async () => {
    // given a job that plants a file in the next job's output folder, and that next job, sent
    // while the first still runs, which tries to overwrite the first one's output
    const first = jobFolder();
    const second = jobFolder();
    const a = runner().run(
      job(
        first,
        `date +%s%N > out/start; echo planted > ${second}/out/planted && echo PLANTED; sleep 1; echo mine > out/result; date +%s%N > out/end`,
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const b = runner().run(
      job(
        second,
        `date +%s%N > out/start; ls out; (echo forged > ${first}/out/result) 2>/dev/null && echo TAMPERED || echo REFUSED; date +%s%N > out/end`,
      ),
    );
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    // then the second started after the first ended
    const span = (d: string) => ['start', 'end'].map((f) => Number(readFileSync(join(d, 'out', f), 'utf8')));
    const [, endA] = span(first);
    const [startB] = span(second);
    expect(startB!).toBeGreaterThanOrEqual(endA!);
    // the plant happened, and was gone when the second job started
    expect(ra.output).toContain('PLANTED');
    expect(rb.output.split('\n')).not.toContain('planted');
    expect(existsSync(join(second, 'out', 'planted'))).toBe(false);
    // and the first's output, taken back by cairn, was out of the second's reach
    expect(rb.output).toContain('REFUSED');
    expect(readFileSync(join(first, 'out', 'result'), 'utf8')).toBe('mine\n');
  });

  it('binds its socket again when a job replaced it with a folder (the job runs as the socket’s owner)', async () => {
    const result = await runner().run(
      job(jobFolder(), `rm -f ${pod.socket} && mkdir ${pod.socket} && echo REMOVED`),
    );
    expect(result.output).toContain('REMOVED');
    expect((await runner().run(job(jobFolder(), 'echo served-again'))).output).toContain('served-again');
    expect(statSync(pod.socket).mode & 0o777).toBe(0o660);
    expect(pod.logs()).toContain('the socket was replaced during a job: binding it again');
  });

  it('gives a clear, retryable failure when the socket is absent', async () => {
    const missing = join(pod.volume, 'nobody-here.sock');
    const error = await sidecarRunner({ socket: missing, workRoot: pod.workRoot })
      .run(job(jobFolder(), 'true'))
      .catch((e: unknown) => e);
    expect(isCairnError(error) && { code: error.code, retryable: error.retryable }).toEqual({
      code: 'synth.runner-unreachable',
      retryable: true,
    });
    expect((error as Error).message).toContain(
      `synth runner not reachable at ${missing}: is the synth-runner container running?`,
    );
  });

  it('exits 0 on SIGTERM, removes its socket, and is then reported unreachable', async () => {
    const { code } = await pod.stop();
    expect(code).toBe(0);
    expect(existsSync(pod.socket)).toBe(false);
    const error = await runner()
      .run(job(jobFolder(), 'true'))
      .catch((e: unknown) => e);
    expect(isCairnError(error) && error.code).toBe('synth.runner-unreachable');
    writeFileSync(join(pod.volume, 'done'), '');
  });
});
