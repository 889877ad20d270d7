import { isAbsolute, join } from 'node:path';
import { Command, InvalidArgumentError, type Option } from 'commander';
import { AuditLog, verifyAuditLog } from '../../audit/audit-log';
import { loadConfig } from '../../config/load-config';
import { CairnError } from '../../errors';
import { renderAuditEntry, renderAuditList } from '../render-audit';

/** `cairn audit list|show|verify`: read the audit trail (never takes the writer's lock). */
export function auditCommands(configOption: () => Option, exit: (code: number) => void): Command {
  const audit = new Command('audit').description('read and verify the audit trail');

  audit
    .command('list')
    .description('the newest audit entries')
    .addOption(configOption())
    .option('-e, --env <name>', 'only this environment')
    .option('-n, --limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'), 20)
    .option('--json', 'print one JSON array')
    .action(async (o: { config: string; env?: string; limit: number; json?: boolean }) => {
      const reader = await AuditLog.reader(loadConfig(o.config).audit.dir);
      const entries = await reader.list({ ...(o.env ? { env: o.env } : {}), limit: o.limit });
      process.stdout.write(`${o.json ? JSON.stringify(entries, null, 2) : renderAuditList(entries)}\n`);
      exit(0);
    });

  audit
    .command('show')
    .description('one entry: the commit, the delta per stack and per object, the timings')
    .addOption(configOption())
    .argument('<id>', 'the entry id (a unique prefix is enough)')
    .option('--json', 'print one JSON object')
    .action(async (id: string, o: { config: string; json?: boolean }) => {
      const reader = await AuditLog.reader(loadConfig(o.config).audit.dir);
      const entry = await reader.get(id);
      if (!entry) {
        throw new CairnError(`no audit entry with id ${id}`, {
          code: 'audit.not-found',
          hint: 'list ids with `cairn audit list`',
        });
      }
      process.stdout.write(`${o.json ? JSON.stringify(entry, null, 2) : renderAuditEntry(entry)}\n`);
      exit(0);
    });

  audit
    .command('verify')
    .description('check the hash chain; exit 1 naming the first bad record')
    .addOption(configOption())
    .action(async (o: { config: string }) => {
      const dir = loadConfig(o.config).audit.dir;
      const result = await verifyAuditLog(dir);
      if (result.ok) {
        process.stdout.write(`audit trail intact: ${result.records} records\n`);
        exit(0);
      } else {
        process.stderr.write(
          `audit trail broken at ${isAbsolute(result.file) ? result.file : join(dir, result.file)}:${result.line} (record ${result.seq}): ${result.reason}\n`,
        );
        exit(1);
      }
    });
  return audit;
}

/** A usage error (exit code 2) when the value is not a whole number above 0. */
function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number above 0.`);
  return n;
}
