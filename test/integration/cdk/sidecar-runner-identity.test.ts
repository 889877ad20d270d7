import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sidecarRunner } from '../../../cdk/synth/sidecar-runner';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { silentLog } from '../../../controller/log';
import { startRunnerPod } from '../../helpers/synth-runner-pod';
import { sandboxTarget } from './cdk-fixture';

jest.setTimeout(120_000);

/** A uid no other test uses. */
const RUNNER_UID = 10017;

let scratch: string;
let tokenFile: string;
const TOKEN = 'eyJraWQiOiJjYW5hcnkiLCJhbGciOiJSUzI1NiJ9.irsa-canary-token';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cairn-runner-identity-'));
  chmodSync(scratch, 0o755);
  // As the webhook's projected volume holds it: readable by any uid of the container.
  tokenFile = join(scratch, 'token');
  writeFileSync(tokenFile, TOKEN, { mode: 0o644 });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * An environment's "CDK app" that looks for credentials where a job can: the environment of every
 * process of its uid (`/proc/<pid>/environ`, the runner's included) and the token files those
 * name; it fails printing what it found, so the synth's error carries it back.
 */
function credentialHuntingApp(): string {
  const script = `
const fs = require('fs');
const found = new Set();
for (const pid of fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d))) {
  let vars = [];
  try { vars = fs.readFileSync('/proc/' + pid + '/environ', 'utf8').split('\\0'); } catch { continue; }
  for (const kv of vars) {
    if (/^(AWS_|RUNNER_OWN_VARIABLE=)/.test(kv)) found.add(kv);
    const file = /^AWS_(WEB_IDENTITY|CONTAINER_AUTHORIZATION)_TOKEN_FILE=(.*)$/.exec(kv);
    if (file) try { found.add('read ' + fs.readFileSync(file[2], 'utf8')); } catch {}
  }
}
console.error('FOUND ' + JSON.stringify([...found].sort()));
process.exit(1);
`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-hunt-'));
  mkdirSync(join(dir, 'aws-resources'));
  writeFileSync(join(dir, 'aws-resources', 'cdk.json'), JSON.stringify({ app: 'node hunt.js' }));
  writeFileSync(join(dir, 'aws-resources', 'hunt.js'), script);
  return dir;
}

describe('the synth runner and the pod identity', () => {
  it('refuses to start with the variables IRSA’s webhook gives a container, naming them and the annotation', async () => {
    // given the variables EKS's pod identity webhook adds to every container of a pod whose
    // ServiceAccount has a role, unless its skip-containers annotation names the container
    const irsa = {
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/cairn-controller',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
    };
    // then the real runner exits 1 before it listens, saying what it holds and how to keep it out
    await expect(startRunnerPod(RUNNER_UID, irsa)).rejects.toThrow(
      /exited with 1[\s\S]*holds credentials its jobs could read \(AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE\)[\s\S]*eks\.amazonaws\.com\/skip-containers: synth-runner/,
    );
  });

  it('refuses EKS Pod Identity’s container credentials and static keys alike', async () => {
    await expect(
      startRunnerPod(RUNNER_UID, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      }),
    ).rejects.toThrow(/AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_FULL_URI/);
    await expect(
      startRunnerPod(RUNNER_UID, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) }),
    ).rejects.toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });

  it('why: a job reads the runner’s own environment, whatever environment it is given', async () => {
    // given a runner holding no credential, and a variable of its own a job is never given
    const pod = await startRunnerPod(RUNNER_UID);
    try {
      // when an environment's app hunts for credentials as the runner's uid
      const error = await synthesizeApp({
        workspaceDir: credentialHuntingApp(),
        env: 'env-a',
        target: sandboxTarget(),
        commitSha: 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        log: silentLog(),
        runner: sidecarRunner({ socket: pod.socket, workRoot: pod.workRoot }),
      }).catch((e: unknown) => e);
      // then it read the runner's variable from /proc (so any credential there would be its too),
      // and found no AWS variable: the runner started only because it held none
      const message = String((error as Error).message);
      expect(message).toContain('FOUND ["RUNNER_OWN_VARIABLE=runner-only-value"]');
    } finally {
      await pod.cleanup();
    }
  });
});
