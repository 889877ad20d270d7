/**
 * A small writer process for the lock tests: opens the audit trail named by the JSON config in
 * argv[2], closes starts a dead predecessor left, writes one start, prints a JSON line saying so,
 * and then holds the trail until it is killed. Run as pid 1 under `unshare --pid --fork`.
 */
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditConfig } from '../../../controller/config/types';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as AuditConfig;
  const audit = await AuditLog.open(config);
  const interrupted = await audit.interrupted();
  const id = await audit.start({ env: 'dev', trigger: 'poll', fromSha: null, toSha: 'a'.repeat(40) });
  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, interrupted: interrupted.map((e) => e.id), id })}\n`,
  );
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  process.exit(1);
});
