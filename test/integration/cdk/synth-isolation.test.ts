import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMarked } from '../../helpers/processes';
import { bubblewrapRunner } from '../../../cdk/synth/bubblewrap-runner';
import { noneRunner, type SynthRunner } from '../../../cdk/synth/synth-runner';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { sandboxTarget, unique, workspaceWith, type Scenario } from './cdk-fixture';

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function synth(scenario: Scenario, runner: SynthRunner, timeoutMs = 60_000): Promise<unknown> {
  return synthesizeApp({
    workspaceDir: workspaceWith(scenario),
    env: 'dev',
    target: sandboxTarget({ synthTimeoutMs: timeoutMs }),
    commitSha: sha,
    log: silentLog(),
    runner,
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The default runner, with the app's command replaced by `command`. */
const withCommand = (command: string): SynthRunner => {
  const runner = bubblewrapRunner();
  return { ...runner, run: (job) => runner.run({ ...job, command }) };
};

describe.each([
  ['bubblewrap', () => bubblewrapRunner()],
  ['none', () => noneRunner()],
])('the synth timeout with the %s runner', (_name, makeRunner) => {
  it('holds at 3 s although a setsid descendant holds the pipes, and kills that descendant', async () => {
    // given an app that leaves a setsid daemon on its stdout and then hangs
    const marker = `CAIRN_TEST_DAEMON_${unique('t').replace('-', '_')}`;
    const started = Date.now();
    // when it is synthesized with a 3 s timeout
    const error = await synth({ daemon: marker, hang: true }, makeRunner(), 3_000);
    // then it fails as a timeout soon after 3 s (not when the daemon would let go of the pipes)
    expect(isCairnError(error) && error.code).toBe('synth.timeout');
    expect(Date.now() - started).toBeLessThan(6_000);
    // and neither the app nor its daemon is alive
    expect(processesMarked(marker)).toEqual([]);
  });

  it('resolves when the app exits, killing the daemon it left behind', async () => {
    // given an app that starts a daemon on its stdout and exits at once
    const marker = `CAIRN_TEST_DAEMON_${unique('e').replace('-', '_')}`;
    const started = Date.now();
    const error = await synth({ daemon: marker, daemonThenExit: true }, makeRunner(), 60_000);
    // then the synth ends at once (the app wrote no assembly) and the daemon is gone
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeDefined();
    expect(processesMarked(marker)).toEqual([]);
  });
});

describe('synthesizing without the isolation the environment asks for', () => {
  it('refuses with the reason and what to do, before running anything', async () => {
    // given bubblewrap cannot be found on this PATH
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let runner: SynthRunner;
    try {
      runner = bubblewrapRunner();
    } finally {
      process.env.PATH = path;
    }
    // when an app is synthesized
    const error = await synth({ throw: 'the app must not run' }, runner);
    // then the synthesize phase fails, terminally, naming the missing isolation and the opt-out
    expect(isCairnError(error) && [error.code, error.phase, error.retryable]).toEqual([
      'synth.isolation-unavailable',
      'synthesize',
      false,
    ]);
    expect((error as Error).message).toContain('bubblewrap (bwrap) is not installed');
    expect((error as Error).message).toContain('aws.synth.isolation: none');
    expect((error as Error).message).not.toContain('the app must not run');
  });
});

describe('what the app may do under bubblewrap', () => {
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('runs as another uid when cairn is root, in an output folder only that uid may write', async () => {
    // given an app that reports who it is and what its output folder looks like
    const runner = bubblewrapRunner({ uid: 65534, gid: 65534 });
    const error = (await synth(
      {
        throw: 'unused',
      },
      {
        ...runner,
        run: (job) =>
          runner.run({
            ...job,
            command: `id -u; stat -c '%u %a' "$CDK_OUTDIR"; touch "$PWD/x" 2>&1; exit 1`,
          }),
      },
    )) as Error;
    // then it ran as 65534, owning its 0700 output folder, and its checkout was read-only
    expect(error.message).toMatch(/\n65534\n65534 700\n/);
    expect(error.message).toContain('Read-only file system');
  });

  it('has an assembly refused when the app links a controller file into its output', async () => {
    // given an app that synthesizes normally and then links /etc/passwd into its output
    const error = await synth(
      { prefix: unique('link'), stacks: [{ name: 'A', queues: ['Q'] }] },
      withCommand('node app.js && ln -s /etc/passwd "$CDK_OUTDIR/stolen"'),
    );
    // then cairn refuses to read on
    expect(isCairnError(error) && error.code).toBe('synth.escapes-output');
    expect((error as Error).message).toContain('cdk.out/stolen: is a link');
  });

  it('has an unreadable assembly reported as such, terminally', async () => {
    const error = await synth({ throw: 'unused' }, withCommand('echo "{" > "$CDK_OUTDIR/manifest.json"'));
    expect(isCairnError(error) && [error.code, error.retryable]).toEqual(['synth.bad-assembly', false]);
  });
});

describe('an output folder the app made to hang or mislead the controller, under bubblewrap', () => {
  // A host file the app cannot see but would have the controller read: its marker must not show.
  const MARKER = 'controller-host-file-91d4';
  const hostDir = mkdtempSync(join(tmpdir(), 'cairn-host-'));
  const hostFile = join(hostDir, 'notes.txt');
  writeFileSync(hostFile, `${MARKER} is not JSON`);
  afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

  /** Sets every artifact's additionalMetadataFile in the app's manifest.json to `to`. */
  const pointMetadataAt = (to: string) =>
    `node -e 'const fs = require("fs"); const f = process.env.CDK_OUTDIR + "/manifest.json"; ` +
    `const m = JSON.parse(fs.readFileSync(f, "utf8")); ` +
    `for (const a of Object.values(m.artifacts)) a.additionalMetadataFile = ${JSON.stringify(to)}; ` +
    `fs.writeFileSync(f, JSON.stringify(m))'`;

  it.each([
    [
      'a FIFO for manifest.json',
      'rm "$CDK_OUTDIR/manifest.json" && mkfifo "$CDK_OUTDIR/manifest.json"',
      'synth.bad-assembly',
      'cdk.out/manifest.json: is a FIFO',
    ],
    [
      'manifest.json linked to /dev/zero',
      'rm "$CDK_OUTDIR/manifest.json" && ln -s /dev/zero "$CDK_OUTDIR/manifest.json"',
      'synth.escapes-output',
      'cdk.out/manifest.json: is a link',
    ],
    [
      'a FIFO additionalMetadataFile',
      `mkfifo "$CDK_OUTDIR/meta.json" && ${pointMetadataAt('meta.json')}`,
      'synth.bad-assembly',
      'cdk.out/meta.json: is a FIFO',
    ],
    [
      'an additionalMetadataFile linked to /dev/zero',
      `ln -s /dev/zero "$CDK_OUTDIR/meta.json" && ${pointMetadataAt('meta.json')}`,
      'synth.escapes-output',
      'cdk.out/meta.json: is a link',
    ],
    [
      'an additionalMetadataFile climbing out to a host file',
      pointMetadataAt(`../../../../../../../../..${hostFile}`),
      'synth.escapes-output',
      `additionalMetadataFile ../../../../../../../../..${hostFile} leaves the output folder`,
    ],
  ])('refuses %s at once, the controller staying responsive', async (_what, tamper, code, message) => {
    // given a timer of the controller's, and an app that synthesizes and then tampers with its output
    let ticks = 0;
    let lastTick = Date.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      longestGap = Math.max(longestGap, now - lastTick);
      lastTick = now;
      ticks++;
    }, 50);
    let error: unknown;
    try {
      // when it is synthesized under bubblewrap
      error = await synth(
        { prefix: unique('tamper'), stacks: [{ name: 'A', queues: ['Q'] }] },
        withCommand(`node app.js && ${tamper}`),
      );
    } finally {
      clearInterval(timer);
    }
    // then the assembly is refused, naming the file and what is wrong, and the host file was not read
    expect(isCairnError(error) && [error.code, error.retryable]).toEqual([code, false]);
    expect((error as Error).message).toContain(message);
    expect(JSON.stringify(error)).not.toContain(MARKER);
    expect((error as Error).message).not.toContain(MARKER);
    // and the controller's timer kept firing throughout (its event loop never blocked)
    expect(ticks).toBeGreaterThan(0);
    expect(longestGap).toBeLessThan(2_000);
  });
});
