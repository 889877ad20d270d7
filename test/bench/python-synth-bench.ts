/**
 * What cairn's Python synth costs: the Python example (examples/platform-python) synthesized by
 * cairn under bubblewrap (dependencies already installed: the cache is warmed first) against the
 * peer, `python3 app.py` run directly with the same dependencies on PYTHONPATH (what `cdk synth`
 * runs; no aws-cdk CLI is installed here), in turn, ROUNDS times each; prints the medians and the
 * ratio. Also prints the first (cold) install. Needs pip to reach the package index.
 * Run: `npx tsx test/bench/python-synth-bench.ts [--json]`.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bubblewrapRunner } from '../../cdk/synth/bubblewrap-runner';
import { installPythonDeps } from '../../cdk/synth/python-deps';
import { runProcess } from '../../cdk/synth/run-process';
import { discardAssembly, synthesizeApp } from '../../cdk/synth/synthesize';
import type { AwsTargetConfig } from '../../controller/config/types';
import { silentLog } from '../../controller/log';
import { repoRoot } from '../sandbox/sandbox-env';

const ROUNDS = 3;

const target: AwsTargetConfig = {
  region: 'eu-west-1',
  account: '111111111111',
  prune: false,
  synthTimeoutMs: 600_000,
  deployTimeoutMs: 60_000,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-pysynth-bench-'));
  const cacheDir = `${dir}-pydeps`;
  const appDir = join(dir, 'aws-resources');
  cpSync(join(repoRoot, 'examples', 'platform-python', 'aws-resources'), appDir, { recursive: true });
  const runner = bubblewrapRunner();
  const why = await runner.unavailable();
  if (why) throw new Error(why);
  try {
    const cairnSynth = async () => {
      const assembly = await synthesizeApp({
        workspaceDir: dir,
        env: 'bench',
        target,
        commitSha: 'b'.repeat(40),
        log: silentLog(),
        pythonCacheDir: cacheDir,
        runner,
      });
      discardAssembly(assembly.dir);
    };
    let started = performance.now();
    await cairnSynth(); // installs the wheels (cold) and synthesizes once
    const coldInstallAndSynth = performance.now() - started;
    const deps = await installPythonDeps({
      requirementsFile: join(appDir, 'requirements.txt'),
      cacheDir,
      log: silentLog(),
      python: '/usr/bin/python3',
    });
    const direct = async () => {
      const out = mkdtempSync(join(tmpdir(), 'cairn-pysynth-direct-'));
      const result = await runProcess({
        file: '/usr/bin/python3',
        args: ['app.py'],
        cwd: appDir,
        env: {
          PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`,
          HOME: out,
          PYTHONPATH: deps,
          CDK_OUTDIR: out,
          CDK_CONTEXT_JSON: JSON.stringify({ 'gitops:environment': 'bench' }),
          CDK_VALIDATION: 'false',
        },
        timeoutMs: 600_000,
      });
      rmSync(out, { recursive: true, force: true });
      if (result.code !== 0) throw new Error(result.output);
    };
    const times = { cairn: [] as number[], direct: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      started = performance.now();
      await cairnSynth();
      times.cairn.push(performance.now() - started);
      started = performance.now();
      await direct();
      times.direct.push(performance.now() - started);
    }
    const figures = {
      coldInstallAndSynth: Math.round(coldInstallAndSynth),
      cairn: Math.round(median(times.cairn)),
      direct: Math.round(median(times.direct)),
      ratio: Number((median(times.cairn) / median(times.direct)).toFixed(2)),
    };
    if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
    else {
      console.log(`first synth with the wheels' install: ${figures.coldInstallAndSynth} ms`);
      console.log(`cairn (bubblewrap, warm cache), median of ${ROUNDS}: ${figures.cairn} ms`);
      console.log(`python3 app.py directly, median of ${ROUNDS}:      ${figures.direct} ms`);
      console.log(`ratio: ${figures.ratio}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
