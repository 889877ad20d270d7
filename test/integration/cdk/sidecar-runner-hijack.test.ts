import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sidecarRunner } from '../../../cdk/synth/sidecar-runner';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { Assembly } from '../../../cdk/types';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { startRunnerPod, type RunnerPod } from '../../helpers/synth-runner-pod';
import { sandboxTarget, workspaceWith } from './cdk-fixture';

jest.setTimeout(120_000);

/** A uid no other test uses. */
const RUNNER_UID = 10016;

let pod: RunnerPod;
let evidence: string;

beforeAll(async () => {
  pod = await startRunnerPod(RUNNER_UID);
  // Where the attacker's listener writes what it saw (the test reads it; the runner's uid writes it).
  evidence = join(pod.volume, 'evidence');
  mkdirSync(evidence);
  chmodSync(evidence, 0o777);
});

afterAll(async () => {
  await pod.cleanup();
});

/**
 * Environment A's "CDK app": it removes the runner's socket, plants a key file of its own, and
 * listens at the socket's path as a fake runner that speaks the whole protocol (proofs and MACs
 * it cannot compute are sent as zeros). A victim that trusted it would get back an assembly with a
 * `Pwned` stack holding an admin role for a foreign account, and the attacker would keep the
 * victim's request. The app stays alive until the test says B is done.
 */
function hijackingApp(): string {
  const socket = pod.socket;
  const script = `
const net = require('net'), fs = require('fs'), path = require('path'), cp = require('child_process');
const socket = ${JSON.stringify(socket)}, evidence = ${JSON.stringify(evidence)};
const zeros = '0'.repeat(64);
const signed = (m) => JSON.stringify({ mac: zeros, msg: JSON.stringify(m) }) + '\\n';
fs.rmSync(socket, { force: true });
fs.writeFileSync(path.join(path.dirname(socket), 'runner.key'), 'ab'.repeat(32), { mode: 0o640 });
net.createServer((c) => {
  let buf = '', step = 0, nonce = '';
  c.on('error', () => {});
  c.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\\n'); nl !== -1; nl = buf.indexOf('\\n')) {
      const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
      fs.appendFileSync(path.join(evidence, 'lines'), line + '\\n');
      if (step === 0) { nonce = JSON.parse(line).nonce; c.write(JSON.stringify({ type: 'hello', nonce: '1'.repeat(32), proof: zeros }) + '\\n'); }
      else if (step === 1) c.write(signed({ type: 'ready' }));
      else if (step === 2) {
        const request = JSON.parse(JSON.parse(line).msg);
        fs.writeFileSync(path.join(evidence, 'got-request'), JSON.stringify(request));
        cp.execFileSync(process.execPath, ['-e', "const cdk=require('aws-cdk-lib');const app=new cdk.App();const s=new cdk.Stack(app,'Pwned');new cdk.aws_iam.Role(s,'Admin',{assumedBy:new cdk.aws_iam.AccountPrincipal('999999999999'),managedPolicies:[cdk.aws_iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')]});app.synth()"], { env: request.env, cwd: request.cwd });
        c.write(signed({ type: 'started' }));
        c.write(signed({ type: 'exit', nonce, code: 0, signal: null, timedOut: false, output: 'forged' }));
      } else { c.write(signed({ type: 'released' })); c.end(); }
      step++;
    }
  });
}).listen(socket, () => {
  fs.chmodSync(socket, 0o660);
  fs.writeFileSync(path.join(evidence, 'listening'), '');
});
const until = Date.now() + 60000;
const wait = () => (fs.existsSync(path.join(evidence, 'b-done')) || Date.now() > until ? process.exit(3) : setTimeout(wait, 50));
wait();
`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-hijack-'));
  mkdirSync(join(dir, 'aws-resources'));
  writeFileSync(join(dir, 'aws-resources', 'cdk.json'), JSON.stringify({ app: 'node hijack.js' }));
  writeFileSync(join(dir, 'aws-resources', 'hijack.js'), script);
  return dir;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const runner = () => sidecarRunner({ socket: pod.socket, workRoot: pod.workRoot });

const synth = (workspaceDir: string, env: string) =>
  synthesizeApp({
    workspaceDir,
    env,
    target: sandboxTarget(),
    commitSha: 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    log: silentLog(),
    runner: runner(),
  });

describe('a job that takes over the runner’s socket', () => {
  it('never answers another environment’s synth: B is refused or served by the real runner, and its request is never seen', async () => {
    // given the controller has used the runner before (it knows the runner's key)
    const warmUp = await synth(workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] }), 'warm');
    expect(warmUp.stacks.map((s) => s.id)).toEqual(['Data']);
    // and environment A's app replaced the socket with its own listener, which is up
    const a = synth(hijackingApp(), 'env-a').catch((e: unknown) => e);
    await until(() => existsSync(join(evidence, 'listening')), 30_000);
    // when environment B synthesizes while A's job runs
    const b: Assembly | unknown = await synth(
      workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] }),
      'env-b',
    ).catch((e: unknown) => e);
    writeFileSync(join(evidence, 'b-done'), '');
    await a;
    // then B connected to the attacker (the hijack was tried) ...
    expect(readFileSync(join(evidence, 'lines'), 'utf8')).toContain('"type":"hello"');
    // ... but was refused before anything of its job was sent, and never deployed a forged stack
    if (isCairnError(b)) {
      expect({ code: b.code, retryable: b.retryable }).toEqual({
        code: 'synth.runner-untrusted',
        retryable: true,
      });
      expect(b.message).toContain('the peer did not prove the runner key');
    } else {
      expect((b as Assembly).stacks.map((s) => s.id)).toEqual(['Data']);
    }
    expect(existsSync(join(evidence, 'got-request'))).toBe(false);
    // and B's retry is served by the real runner, which bound its socket again after A's job
    const retry = await synth(workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] }), 'env-b');
    expect(retry.stacks.map((s) => s.id)).toEqual(['Data']);
    expect(pod.logs()).toContain('the socket was replaced during a job: binding it again');
  });
});
