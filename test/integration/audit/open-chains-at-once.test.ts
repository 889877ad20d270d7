import { rm } from 'node:fs/promises';
import { openAuditBackend, type AuditBackend } from '../../../controller/audit/audit-backend';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { ChainStore } from '../../../controller/audit/chain-store';
import { auditConfig, entry, sha, tempAuditDir } from './audit-fixtures';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const ENVS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];
const FINISHED = '2025-06-01T10:00:00.000Z';

/** A ledger of one entry per environment, every one finished at the same instant (a tie for `list`). */
async function tiedLedger(): Promise<string> {
  const dir = await tempAuditDir('chains-at-once');
  dirs.push(dir);
  const log = await AuditLog.open(auditConfig(dir));
  for (const env of ENVS) {
    const e = entry({ id: `${env}-1`, env, toSha: sha('1'), finishedAt: FINISHED });
    await log.start({ id: e.id, env, trigger: e.trigger, fromSha: e.fromSha, toSha: e.toSha });
    await log.end(e);
  }
  await log.close();
  return dir;
}

/**
 * The ledger's real files behind a store whose chain reads take `delayMs(env)` longer, counting
 * how many are under way at once.
 */
async function slowBackend(dir: string, delayMs: (env: string) => number) {
  const real = await openAuditBackend(auditConfig(dir), false);
  const seen = { inFlight: 0, most: 0 };
  const store: ChainStore = Object.create(real.store, {
    witness: {
      value: async (env: string) => {
        seen.inFlight += 1;
        seen.most = Math.max(seen.most, seen.inFlight);
        try {
          await new Promise((resolve) => setTimeout(resolve, delayMs(env)));
          return await real.store.witness(env);
        } finally {
          seen.inFlight -= 1;
        }
      },
    },
  }) as ChainStore;
  const backend: AuditBackend = { ...real, store };
  return { backend, seen };
}

// Opening a ledger reads its chains several at once (each is a round trip on DynamoDB), and still
// builds the index a read in turn would: the order `list` gives entries that tie does not depend
// on which chain answered first.
describe('opening a ledger of many chains', () => {
  it('reads several chains at once, a bounded number', async () => {
    const dir = await tiedLedger();
    const { backend, seen } = await slowBackend(dir, () => 20);
    const reader = await AuditLog.over(backend, false);
    expect(reader.reports()).toHaveLength(ENVS.length);
    expect(seen.most).toBeGreaterThan(1);
    expect(seen.most).toBeLessThanOrEqual(8);
    await reader.close();
  });

  it('indexes the chains in the same order whichever answers first', async () => {
    const dir = await tiedLedger();
    const listed = async (delayMs: (env: string) => number) => {
      const { backend } = await slowBackend(dir, delayMs);
      const reader = await AuditLog.over(backend, false);
      try {
        return (await reader.list()).map((e) => e.id);
      } finally {
        await reader.close();
      }
    };
    // the first chains the store names answer last, then the other way round
    const firstSlow = await listed((env) => 60 - 5 * ENVS.indexOf(env));
    const lastSlow = await listed((env) => 5 * ENVS.indexOf(env));
    expect(firstSlow).toHaveLength(ENVS.length);
    expect(firstSlow).toEqual(lastSlow);
  });
});
