import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sidecarRunner } from '../../../cdk/synth/sidecar-runner';
import type { SynthRunner } from '../../../cdk/synth/synth-job';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { startRunnerPod, type RunnerPod } from '../../helpers/synth-runner-pod';
import { sandboxTarget, unique, workspaceWith } from './cdk-fixture';

/**
 * The sidecar runner's output reaches the controller as a copy (takeBack) that synthesizeApp then
 * checks like bubblewrap's: an app planting a link, a FIFO or a path out of its output is refused
 * at once, and the controller's event loop never blocks.
 */
jest.setTimeout(120_000);

let pod: RunnerPod;
const MARKER = 'sidecar-host-file-6a0f';
const hostDir = mkdtempSync(join(tmpdir(), 'cairn-host-'));
const hostFile = join(hostDir, 'notes.txt');
writeFileSync(hostFile, `${MARKER} is not JSON`);

beforeAll(async () => {
  pod = await startRunnerPod(10018);
});

afterAll(async () => {
  await pod?.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
});

const withCommand = (command: string): SynthRunner => {
  const runner = sidecarRunner({ socket: pod.socket, workRoot: pod.workRoot });
  return { ...runner, run: (job) => runner.run({ ...job, command }) };
};

const pointMetadataAt = (to: string) =>
  `node -e 'const fs = require("fs"); const f = process.env.CDK_OUTDIR + "/manifest.json"; ` +
  `const m = JSON.parse(fs.readFileSync(f, "utf8")); ` +
  `for (const a of Object.values(m.artifacts)) a.additionalMetadataFile = ${JSON.stringify(to)}; ` +
  `fs.writeFileSync(f, JSON.stringify(m))'`;

describe('an output folder planted to hang or mislead the controller, under the sidecar runner', () => {
  it.each([
    [
      'manifest.json linked to /dev/zero',
      'rm "$CDK_OUTDIR/manifest.json" && ln -s /dev/zero "$CDK_OUTDIR/manifest.json"',
      'synth.escapes-output',
      'cdk.out/manifest.json: is a link',
    ],
    [
      'an additionalMetadataFile climbing out to a host file',
      pointMetadataAt(`../../../../../../../../..${hostFile}`),
      'synth.escapes-output',
      'leaves the output folder',
    ],
    // The copy back (Node's cpSync) refuses a FIFO before synthesizeApp's own check sees it.
    [
      'a FIFO for manifest.json',
      'rm "$CDK_OUTDIR/manifest.json" && mkfifo "$CDK_OUTDIR/manifest.json"',
      'synth.runner-lost',
      'Cannot copy a FIFO pipe',
    ],
  ])('refuses %s, the controller staying responsive', async (_what, tamper, code, message) => {
    let lastTick = Date.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      longestGap = Math.max(longestGap, Date.now() - lastTick);
      lastTick = Date.now();
    }, 50);
    let error: unknown;
    try {
      error = await synthesizeApp({
        workspaceDir: workspaceWith({ prefix: unique('sidecar'), stacks: [{ name: 'A', queues: ['Q'] }] }),
        env: 'dev',
        target: sandboxTarget(),
        commitSha: 'c1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        log: silentLog(),
        runner: withCommand(`node app.js && ${tamper}`),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      clearInterval(timer);
    }
    expect(isCairnError(error) && error.code).toBe(code);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(MARKER);
    expect(longestGap).toBeLessThan(2_000);
  });
});
