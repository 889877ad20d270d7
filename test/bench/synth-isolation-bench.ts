/**
 * What isolating the CDK app costs: the same app synthesized with the bubblewrap runner and with
 * no isolation, alternately, several times each; prints the median per synth and the difference.
 * Needs no sandbox part (synthesis makes no AWS call). Run: `npx tsx test/bench/synth-isolation-bench.ts [--json]`.
 */
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSynthRunner, type SynthRunner } from '../../cdk/synth-runner';
import { discardAssembly, synthesizeApp } from '../../cdk/synthesize';
import type { AwsTargetConfig } from '../../controller/config/types';
import { silentLog } from '../../controller/log';
import { repoRoot } from '../sandbox/sandbox-env';

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

async function measure(
  app: string,
  scenario: object,
): Promise<{ bubblewrap: number; none: number; overhead: number }> {
  const dir = workspace(app, scenario);
  const runners = {
    bubblewrap: createSynthRunner({ isolation: 'bubblewrap' }),
    none: createSynthRunner({ isolation: 'none' }),
  };
  const why = await runners.bubblewrap.unavailable();
  if (why) throw new Error(why);
  await timeOne(dir, runners.none); // warm the file cache and tsx's compile cache
  const times = { bubblewrap: [] as number[], none: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    times.bubblewrap.push(await timeOne(dir, runners.bubblewrap));
    times.none.push(await timeOne(dir, runners.none));
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
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else {
    for (const [app, f] of Object.entries(figures))
      console.log(
        `${app}: bubblewrap ${f.bubblewrap} ms, none ${f.none} ms per run (median); isolation costs ${f.overhead} ms`,
      );
  }
}

void main();
