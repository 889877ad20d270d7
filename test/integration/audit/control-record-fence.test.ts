import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { freshEnvState } from '../../../controller/reconcile/env-state';
import { promotionOpen, type PromotionContext } from '../../../controller/reconcile/promotion-waits';
import { heldLease } from '../../helpers/lost-lease';
import { fakeEnvironment, revision } from '../../helpers/reconcile-fakes';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { auditConfig, tempAuditDir } from './audit-fixtures';

/**
 * What a replica records in the ledger about its own work besides its reconciles (the `wait` of a
 * head its promotion gate holds, the `revert-proposed` of a revert it pushed) is fenced with its
 * Lease like the `start` record: a replica thawed past its Lease appends nothing after its
 * successor's records. Found in review: the `wait` record was written unfenced, so a replica paused
 * past its Lease told the shared ledger (and every reader of `cairn audit list` and the UI) that
 * the head its successor may have promoted since was held. On both ledgers, the shared one a
 * DynamoDB table on moto; the fence stands for the Lease (test/helpers/lost-lease.ts).
 */
const sandbox = sandboxEnv();
// The ledger's DynamoDB client takes its credentials from the process, as cairn's does.
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
});
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const ledgers: { name: string; config(test: string): Promise<AuditConfig> }[] = [
  {
    name: 'JSONL files',
    async config(test) {
      const root = await tempAuditDir(test);
      dirs.push(root);
      return auditConfig(join(root, 'audit'));
    },
  },
  {
    name: 'DynamoDB (moto)',
    async config(test) {
      const root = await tempAuditDir(test);
      dirs.push(root);
      return {
        ...auditConfig(join(root, 'audit')),
        backend: 'dynamodb',
        dynamodb: {
          table: `cairn-fence-${randomUUID().slice(0, 8)}`,
          region: sandbox.aws.region,
          endpoint: sandbox.aws.endpoint,
        },
      };
    },
  },
];

describe.each(ledgers)('control records of a replica that lost its Lease, on $name', (ledger) => {
  it('a held head is recorded as waiting only while the Lease holds', async () => {
    // given prod, gated on staging (never applied there), and a replica holding prod's Lease
    const config = await ledger.config('fence-wait');
    const log = await AuditLog.open(config);
    const lease = heldLease('prod');
    const prod = fakeEnvironment('prod', { promotion: { after: 'staging', healthyForMs: 60_000 } });
    const context: PromotionContext = {
      ledger: log,
      log: silentLog(),
      sharded: false,
      timers: { setTimeout: () => 0, clearTimeout: () => undefined },
      now: () => new Date(),
      lookAgain: () => undefined,
      fence: lease.fence,
    };
    const state = freshEnvState();
    try {
      // when the gate holds a head while the Lease holds, and another once it is lost
      expect(
        await promotionOpen(context, prod, revision('a1', { aws: null, k8s: 't1' }, 'prod'), state),
      ).toBe(false);
      lease.lose();
      expect(
        await promotionOpen(context, prod, revision('b2', { aws: null, k8s: 't2' }, 'prod'), state),
      ).toBe(false);

      // then only the first is in the ledger, as a reader opening it afresh sees it
      const reader = await AuditLog.reader(config);
      try {
        expect(reader.controls('prod').map((c) => [c.action, c.sha?.slice(0, 2)])).toEqual([['wait', 'a1']]);
      } finally {
        await reader.close();
      }
    } finally {
      await log.close();
    }
  });

  it('a revert-proposed record is refused once the Lease is lost, and nothing is appended', async () => {
    const log = await AuditLog.open(await ledger.config('fence-revert'));
    const lease = heldLease('dev');
    try {
      await log.control(
        'dev',
        'revert-proposed',
        'cairn',
        'revert of aaaa',
        { sha: 'a'.repeat(40) },
        lease.fence,
      );
      lease.lose();
      await expect(
        log.control(
          'dev',
          'revert-proposed',
          'cairn',
          'revert of bbbb',
          { sha: 'b'.repeat(40) },
          lease.fence,
        ),
      ).rejects.toMatchObject({ code: 'shard.lost' });
      expect(log.controls('dev').map((c) => c.sha?.slice(0, 4))).toEqual(['aaaa']);
    } finally {
      await log.close();
    }
  });
});
