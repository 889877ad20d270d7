/**
 * `npm run bench`: runs every benchmark in test/bench/ (each `*-bench.ts`, with `--json`) against
 * the sandbox, one after another so they do not compete for the two cores, and prints one table
 * of their figures. Each benchmark also runs alone: `npx tsx test/bench/<name>-bench.ts`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');

/** `{ a: { b: 1 } }` → `[['a.b', 1]]`: every number in a benchmark's JSON, by its path. */
function figures(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => figures(v, path ? `${path}.${k}` : k));
  }
  return [];
}

function main(): number {
  execFileSync('bash', [join(root, 'test', 'sandbox', 'sandbox.sh'), 'up'], { stdio: 'inherit' });
  const only = process.argv.slice(2);
  const benches = readdirSync(__dirname)
    .filter((f) => f.endsWith('-bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  const rows: [string, string, number][] = [];
  let failed = 0;
  for (const bench of benches) {
    process.stderr.write(`running ${bench} ...\n`);
    const result = spawnSync(process.execPath, [tsx, join(__dirname, bench), '--json'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = result.stdout.trim().split('\n').pop() ?? '';
    try {
      for (const [name, value] of figures(JSON.parse(last)))
        rows.push([bench.replace(/\.ts$/, ''), name, value]);
    } catch {
      failed += 1;
      process.stderr.write(`${bench} exited ${String(result.status)} without a JSON line\n`);
    }
  }
  const width = Math.max(...rows.map((r) => r[0].length + r[1].length + 2), 10);
  console.log(`${'benchmark / figure'.padEnd(width)}  value (ms unless the name says otherwise)`);
  for (const [bench, name, value] of rows) {
    console.log(`${`${bench} ${name}`.padEnd(width)}  ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main();
