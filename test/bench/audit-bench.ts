/**
 * Audit append benchmark: 100 environments record reconciles at the same time (a start and an end
 * each, like the reconciler), every append durable and witnessed, on both backends: JSONL files
 * (fsync per record, witness file per append) and DynamoDB (one conditional transaction per
 * record, against the sandbox's moto_server). Also times `verify` (open and check every chain), and
 * the DynamoDB ledger's open through a proxy that holds each request as a region's round trip does.
 * Run: `npx tsx test/bench/audit-bench.ts` (table) or with `--json` (one JSON line).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../controller/audit/audit-log';
import type { AuditConfig } from '../../controller/config/types';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { startLatencyProxy } from '../helpers/latency-proxy';
import { recordReconciles } from './bench-ledger';

const ENVS = 100;
const RECONCILES_PER_ENV = 10;
// moto deep-copies the whole table for every transaction (its rollback), so its cost grows with
// the table: fewer reconciles keep the run short, and the figure is moto's, not DynamoDB's.
const RECONCILES_PER_ENV_MOTO = 2;
/** A round trip to a DynamoDB table in the same region, about. */
const ROUND_TRIP_MS = 10;

/** What one backend did. */
export interface BackendFigures {
  readonly appends: number;
  readonly appendMs: number;
  readonly appendsPerSecond: number;
  readonly verifyMs: number;
}

async function measure(config: AuditConfig, reconciles: number): Promise<BackendFigures> {
  const log = await AuditLog.open(config);
  const started = performance.now();
  const envs = Array.from({ length: ENVS }, (_, n) => `env-${String(n).padStart(3, '0')}`);
  await recordReconciles(log, envs, reconciles);
  const appendMs = performance.now() - started;
  await log.close();
  const verifyStarted = performance.now();
  const reader = await AuditLog.reader(config);
  const broken = reader.reports().filter((r) => r.firstBreak || r.tornTail).length;
  await reader.close();
  if (broken > 0) throw new Error(`${broken} chains did not verify after the benchmark`);
  const appends = ENVS * reconciles * 2;
  return {
    appends,
    appendMs: Math.round(appendMs),
    appendsPerSecond: Math.round((appends / appendMs) * 1000),
    verifyMs: Math.round(performance.now() - verifyStarted),
  };
}

/**
 * Opens the DynamoDB ledger `config` names (the one `measure` wrote) for reading through a proxy
 * that holds each request ROUND_TRIP_MS, as a region does: moto on loopback answers faster than
 * any real table, so how the open's requests overlap shows only this way.
 */
async function openAcrossRoundTrips(config: AuditConfig): Promise<{ openMs: number; mostAtOnce: number }> {
  const proxy = await startLatencyProxy(config.dynamodb!.endpoint!, ROUND_TRIP_MS);
  try {
    const started = performance.now();
    const reader = await AuditLog.reader({
      ...config,
      dynamodb: { ...config.dynamodb!, endpoint: proxy.url },
    });
    const openMs = Math.round(performance.now() - started);
    await reader.close();
    return { openMs, mostAtOnce: proxy.mostAtOnce() };
  } finally {
    await proxy.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-audit-bench-'));
  const keyFile = join(dir, 'audit.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'));
  const base: AuditConfig = {
    backend: 'jsonl',
    dir: join(dir, 'audit'),
    witnessDir: join(dir, 'witness'),
    keyFile,
    unkeyed: false,
  };
  try {
    const jsonl = await measure(base, RECONCILES_PER_ENV);
    const sandbox = sandboxEnv();
    process.env.AWS_ACCESS_KEY_ID = sandbox.aws.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = sandbox.aws.secretAccessKey;
    const dynamoConfig: AuditConfig = {
      ...base,
      backend: 'dynamodb',
      dynamodb: {
        table: `cairn-audit-bench-${Date.now()}`,
        region: sandbox.aws.region,
        endpoint: sandbox.aws.endpoint,
      },
    };
    const dynamodb = await measure(dynamoConfig, RECONCILES_PER_ENV_MOTO);
    const remote = await openAcrossRoundTrips(dynamoConfig);
    const figures = { envs: ENVS, jsonl, dynamodbMoto: dynamodb, dynamodbOpenAt10msRoundTrip: remote };
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(figures));
    } else {
      console.log(`${ENVS} environments appending at once (keyed, witnessed)`);
      for (const [name, f] of [
        ['jsonl', jsonl],
        ['dynamodb (moto)', dynamodb],
      ] as const) {
        console.log(
          `${name.padEnd(16)} ${String(f.appendsPerSecond).padStart(6)} appends/s  (${f.appends} appends in ${f.appendMs} ms)  verify ${f.verifyMs} ms`,
        );
      }
      console.log(
        `dynamodb (moto) opened through a ${ROUND_TRIP_MS} ms round trip: ${remote.openMs} ms for ${ENVS} chains (${remote.mostAtOnce} requests at once at most)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
