/**
 * What isolating the CDK app costs: the same app synthesized with the bubblewrap runner, with no
 * isolation and (when run as root, so the runner can be another uid) through the sidecar runner
 * (`cairn synth-runner` from dist/, as a separate process), in turn, several times each; prints the
 * median per synth and the differences. Needs no sandbox part (synthesis makes no AWS call).
 * Run: `npm run build && npx tsx test/bench/synth-isolation-bench.ts [--json]`.
 */
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSynthRunner, type SynthRunner } from '../../cdk/synth/synth-runner';
import { discardAssembly, synthesizeApp } from '../../cdk/synth/synthesize';
import type { AwsTargetConfig } from '../../controller/config/types';
import { silentLog } from '../../controller/log';
import { repoRoot } from '../sandbox/sandbox-env';
import { startRunnerPod, type RunnerPod } from '../helpers/synth-runner-pod';

const ROUNDS = 5;

const target: AwsTargetConfig = {
  region: 'eu-west-1',
  account: '111111111111',
  prune: false,
  synthTimeoutMs: 120_000,
  deployTimeoutMs: 60_000,
};

function workspace(app: string, scenario: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-synth-bench-'));
  cpSync(join(repoRoot, 'test', 'fixtures', 'cdk-apps', app), join(dir, 'aws-resources'), {
    recursive: true,
  });
  writeFileSync(join(dir, 'aws-resources', 'scenario.json'), JSON.stringify(scenario));
  return dir;
}

async function timeOne(dir: string, runner: SynthRunner): Promise<number> {
  const started = performance.now();
  const assembly = await synthesizeApp({
    workspaceDir: dir,
    env: 'bench',
    target,
    commitSha: 'b'.repeat(40),
    log: silentLog(),
    runner,
  });
  const ms = performance.now() - started;
  discardAssembly(assembly.dir);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The runner pod for the sidecar figures, when this runs as root (it must start another uid). */
let pod: RunnerPod | undefined;

interface Figures {
  readonly bubblewrap: number;
  readonly none: number;
  readonly overhead: number;
  readonly sidecar?: number;
  readonly sidecarOverhead?: number;
}

async function measure(app: string, scenario: object): Promise<Figures> {
  const dir = workspace(app, scenario);
  const runners: Record<string, SynthRunner> = {
    bubblewrap: createSynthRunner({ isolation: 'bubblewrap' }),
    none: createSynthRunner({ isolation: 'none' }),
    ...(pod
      ? { sidecar: createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot) }
      : {}),
  };
  const why = await runners.bubblewrap!.unavailable();
  if (why) throw new Error(why);
  await timeOne(dir, runners.none!); // warm the file cache and tsx's compile cache
  const times: Record<string, number[]> = {};
  for (let i = 0; i < ROUNDS; i++)
    for (const [kind, runner] of Object.entries(runners))
      (times[kind] ??= []).push(await timeOne(dir, runner));
  rmSync(dir, { recursive: true, force: true });
  const bubblewrap = median(times.bubblewrap!);
  const none = median(times.none!);
  const sidecar = times.sidecar ? median(times.sidecar) : undefined;
  return {
    bubblewrap: Math.round(bubblewrap),
    none: Math.round(none),
    overhead: Math.round(bubblewrap - none),
    ...(sidecar !== undefined
      ? { sidecar: Math.round(sidecar), sidecarOverhead: Math.round(sidecar - none) }
      : {}),
  };
}

/** The sandbox alone: `node -e 0` through each runner, so node's start-up noise is the same on both sides. */
async function measureBare(): Promise<{ bubblewrap: number; none: number; overhead: number }> {
  const runners = {
    bubblewrap: createSynthRunner({ isolation: 'bubblewrap' }),
    none: createSynthRunner({ isolation: 'none' }),
  };
  const dir = mkdtempSync(join(tmpdir(), 'cairn-synth-bench-'));
  chmodSync(dir, 0o755); // the sandbox's user (65534 under root) must be able to enter it
  const job = {
    command: `${process.execPath} -e 0`,
    cwd: dir,
    env: { PATH: '/usr/bin:/bin' },
    readOnly: [dir],
    writable: [],
    timeoutMs: 30_000,
  };
  const times = { bubblewrap: [] as number[], none: [] as number[] };
  for (let i = 0; i < ROUNDS * 4; i++) {
    for (const kind of ['bubblewrap', 'none'] as const) {
      const started = performance.now();
      const result = await runners[kind].run(job);
      if (result.code !== 0) throw new Error(`${kind}: ${result.output}`);
      times[kind].push(performance.now() - started);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const bubblewrap = median(times.bubblewrap);
  const none = median(times.none);
  return {
    bubblewrap: Math.round(bubblewrap),
    none: Math.round(none),
    overhead: Math.round(bubblewrap - none),
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() === 0) pod = await startRunnerPod(10015);
  const figures = {
    bareNode: await measureBare(),
    // Two stacks, one with a Lambda file asset: a typical small JavaScript app.
    jsApp: await measure('scenario-app', {
      prefix: 'bench',
      stacks: [
        { name: 'Base', parameters: { P: 'x' } },
        { name: 'Fn', lambda: true },
      ],
    }),
    // The TypeScript fixture through tsx.
    tsApp: await measure('ts-app', {}),
  };
  await pod?.cleanup();
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else {
    for (const [app, f] of Object.entries(figures) as [string, Figures][])
      console.log(
        `${app}: bubblewrap ${f.bubblewrap} ms, none ${f.none} ms per run (median); isolation costs ${f.overhead} ms` +
          (f.sidecar !== undefined ? `; sidecar ${f.sidecar} ms (+${f.sidecarOverhead} ms)` : ''),
      );
  }
}

void main().finally(() => pod?.cleanup());
