import { Command, InvalidArgumentError, type Option } from 'commander';
import { openAuditBackend } from '../../audit/audit-backend';
import { AuditLog } from '../../audit/audit-log';
import type { RepairSummary } from '../../audit/audit-index';
import { migrateChains } from '../../audit/migrate';
import type { ListedEntry } from '../../audit/types';
import type { CairnConfig } from '../../config/types';
import { loadConfig } from '../../config/load-config';
import { CairnError } from '../../model/errors';
import { formatTime, renderAuditEntry, renderAuditList, renderControlList } from '../render-audit';

/** `cairn audit list|show|verify|repair|migrate`: read, check and mend the audit trail. */
export function auditCommands(configOption: () => Option, exit: (code: number) => void): Command {
  const audit = new Command('audit').description('read, verify and repair the audit trail');

  audit
    .command('list')
    .description('the newest audit entries, when each environment was last checked, and repairs')
    .addOption(configOption())
    .option('-e, --env <name>', 'only this environment')
    .option('-n, --limit <n>', 'at most this many', (v) => positiveInt(v, '--limit'), 20)
    .option('--json', 'print one JSON array')
    .action(async (o: { config: string; env?: string; limit: number; json?: boolean }) => {
      const config = loadConfig(o.config);
      // With --env only that chain is read: the others' history costs this command nothing.
      const reader = await AuditLog.reader(config.audit, o.env ? { envs: [o.env] } : {});
      try {
        const entries = await reader.list({ ...(o.env ? { env: o.env } : {}), limit: o.limit });
        // A removed environment's chain still lists; a name neither knows is a typo, not an empty history.
        if (
          o.env &&
          entries.length === 0 &&
          !config.environments.some((e) => e.name === o.env) &&
          reader.controls(o.env).length === 0 &&
          reader.repairs(o.env).length === 0 &&
          // A chain broken at its first record lists nothing, yet it is there (and said below).
          !reader.reports().some((r) => r.env === o.env)
        ) {
          throw new CairnError(`no environment named "${o.env}", and no audit chain of that name`, {
            code: 'config.unknown-env',
            phase: 'config',
            subject: config.file,
            hint: `use one of: ${config.environments.map((e) => e.name).join(', ')}`,
          });
        }
        // On stderr, so that --json stays one array: a record whose hash does not match cannot be
        // read at all, and without this a chain broken at its first record listed as empty.
        for (const line of breakLines(reader)) process.stderr.write(`${line}\n`);
        if (o.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        else {
          const envs = o.env ? [o.env] : config.environments.map((e) => e.name);
          const controls = envs
            .flatMap((env) => reader.controls(env))
            .sort((a, b) => b.at.localeCompare(a.at))
            .slice(0, o.limit);
          process.stdout.write(
            `${[renderAuditList(entries), ...trustLines(entries), ...renderControlList(controls), ...checkedLines(reader, entries, o.env), ...repairLines(reader.repairs(o.env))].join('\n')}\n`,
          );
        }
        exit(0);
      } finally {
        await reader.close();
      }
    });

  audit
    .command('show')
    .description('one entry: the commit, the delta per stack and per object, the timings')
    .addOption(configOption())
    .argument('<id>', 'the entry id (a unique prefix is enough)')
    .option('-e, --env <name>', "look in this environment's chain only (the others are not read)")
    .option('--json', 'print one JSON object')
    .action(async (id: string, o: { config: string; env?: string; json?: boolean }) => {
      const entry = await auditEntry(loadConfig(o.config), id, o.env);
      if (o.json) process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
      else {
        const head = entry.untrusted ? [`UNTRUSTED: ${entry.untrusted}`, ''] : [];
        const folded = entry.checks
          ? [
              '',
              `Checked ${entry.checks.count} more time(s) with nothing to do: first ${formatTime(entry.checks.firstAt)}, last ${formatTime(entry.checks.lastAt)}`,
            ]
          : [];
        process.stdout.write(`${[...head, renderAuditEntry(entry), ...folded].join('\n')}\n`);
      }
      exit(0);
    });

  audit
    .command('verify')
    .description('check every chain (keyed hashes, order, witness); exit 1 naming the first bad record')
    .addOption(configOption())
    .action(async (o: { config: string }) => {
      const reader = await AuditLog.reader(loadConfig(o.config).audit);
      try {
        let bad = 0;
        const reports = reader.reports();
        for (const r of reports) {
          if (r.firstBreak) {
            bad += 1;
            const b = r.firstBreak;
            process.stderr.write(
              `audit chain ${r.env} broken at ${b.file}:${b.line} (record ${b.seq}): ${b.reason}\n`,
            );
          } else if (r.tornTail) {
            bad += 1;
            process.stderr.write(
              `audit chain ${r.env} has an incomplete last line at ${r.tornTail.at.file}:${r.tornTail.at.line} (${r.tornTail.bytes} bytes): the writer cuts and records it when it next starts\n`,
            );
          } else {
            const behind = r.witnessBehind
              ? ' (the witness is one record behind: the writer died between an append and its witness write)'
              : '';
            process.stdout.write(
              `audit chain ${r.env} intact: ${r.records} records, head ${r.head.seq}${behind}\n`,
            );
          }
        }
        if (reports.length === 0) process.stdout.write('audit trail empty\n');
        else if (bad === 0)
          process.stdout.write(
            `audit trail intact: ${reports.reduce((n, r) => n + r.records, 0)} records in ${reports.length} chain(s)\n`,
          );
        exit(bad === 0 ? 0 : 1);
      } finally {
        await reader.close();
      }
    });

  audit
    .command('repair')
    .description(
      "record a broken chain's break, move what follows it into a quarantine, and resume the chain (stop the controller first)",
    )
    .addOption(configOption())
    .requiredOption('-e, --env <name>', 'the environment whose chain to repair')
    .option('--by <who>', 'who repairs (default: user@host)')
    .action(async (o: { config: string; env: string; by?: string }) => {
      const log = await AuditLog.open(loadConfig(o.config).audit, undefined, { envs: [o.env] });
      try {
        const repaired = await log.repair(o.env, o.by);
        if (!repaired) {
          const torn = log.repairs(o.env).filter((r) => r.kind === 'torn-tail');
          process.stdout.write(
            `audit chain ${o.env} is not broken${torn.length > 0 ? '' : '; nothing to repair'}\n`,
          );
        } else process.stdout.write(`${repairLines([repaired]).join('\n')}\n`);
        exit(0);
      } finally {
        await log.close();
      }
    });

  audit
    .command('migrate')
    .description(
      'copy a JSONL audit log into the DynamoDB table of this config, record for record (it stays verifiable)',
    )
    .addOption(configOption())
    .requiredOption('--from-dir <dir>', 'the JSONL audit.dir to copy')
    .option('--from-witness-dir <dir>', 'its witness folder (default: <from-dir>.witness)')
    .action(async (o: { config: string; fromDir: string; fromWitnessDir?: string }) => {
      const config = loadConfig(o.config).audit;
      if (config.backend !== 'dynamodb') {
        throw new CairnError('migrate copies into DynamoDB, but this config has audit.backend jsonl', {
          code: 'cli.usage',
          subject: 'audit.backend',
          hint: 'give a config whose audit.backend is dynamodb (with the same key)',
        });
      }
      const from = await openAuditBackend(
        {
          ...config,
          backend: 'jsonl',
          dir: o.fromDir,
          witnessDir: o.fromWitnessDir ?? `${o.fromDir}.witness`,
        },
        false,
      );
      const to = await openAuditBackend(config, true);
      try {
        const copied = await migrateChains(from.store, to.store, from.key);
        for (const c of copied)
          process.stdout.write(`copied ${c.env}: ${c.records} records, head ${c.head.seq}\n`);
        exit(0);
      } finally {
        await from.store.close();
        await to.store.close();
      }
    });
  return audit;
}

/** One warning per chain read that is broken or ends in a torn line (what `cairn audit verify` reports in full). */
function breakLines(reader: AuditLog): string[] {
  return reader
    .reports()
    .flatMap((r) =>
      r.firstBreak
        ? [
            `cairn: audit chain ${r.env} is broken at record ${r.firstBreak.seq} (${r.firstBreak.file}:${r.firstBreak.line}): ${r.firstBreak.reason}; what follows is marked UNTRUSTED, or left out where unreadable (see \`cairn audit verify\`)`,
          ]
        : [],
    );
}

function trustLines(entries: readonly ListedEntry[]): string[] {
  return entries
    .filter((e) => e.untrusted)
    .map((e) => `! ${e.id.slice(0, 8)} (${e.env}, ${e.outcome} as recorded) is UNTRUSTED: ${e.untrusted}`);
}

function checkedLines(reader: AuditLog, entries: readonly ListedEntry[], env?: string): string[] {
  const envs = env ? [env] : [...new Set(entries.map((e) => e.env))].sort();
  const lines = envs.flatMap((name) => {
    const at = reader.lastChecked(name);
    return at ? [`  ${name}: last checked ${formatTime(at)}`] : [];
  });
  const folded = entries
    .filter((e) => e.checks)
    .map(
      (e) =>
        `  ${e.id.slice(0, 8)} (${e.env}): ${e.checks!.count} quiet pass(es) folded, ${formatTime(e.checks!.firstAt)} to ${formatTime(e.checks!.lastAt)}`,
    );
  return lines.length + folded.length === 0 ? [] : ['', 'Checks', ...lines, ...folded];
}

function repairLines(repairs: readonly RepairSummary[]): string[] {
  if (repairs.length === 0) return [];
  return [
    '',
    'Repairs',
    ...repairs.map((r) => {
      const cut = r.cut
        ? `; cut ${r.cut.lines} line(s), ${r.cut.bytes} bytes from record ${r.cut.fromSeq}, kept in ${r.cut.quarantine}`
        : '';
      return `  ${r.env} record ${r.seq}: ${r.kind} repaired ${formatTime(r.at)} by ${r.by}: ${r.reason}${cut}`;
    }),
  ];
}

/** A usage error (exit code 2) when the value is not a whole number above 0. */
function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number above 0.`);
  return n;
}

/**
 * The audit entry `id` (or unique id prefix) for `cairn audit show`, `cairn revert` and the API's
 * revert; with `env`, looked for in that environment's chain alone, the others not read (a prefix is
 * then unique within it).
 */
export async function auditEntry(config: CairnConfig, id: string, env?: string): Promise<ListedEntry> {
  const reader = await AuditLog.reader(config.audit, env ? { envs: [env] } : {});
  try {
    const entry = await reader.get(id);
    if (!entry) {
      throw new CairnError(`no audit entry with id ${id}${env ? ` in ${env}'s chain` : ''}`, {
        code: 'audit.not-found',
        hint: env
          ? `list ${env}'s ids with \`cairn audit list --env ${env}\``
          : 'list ids with `cairn audit list`',
      });
    }
    return entry;
  } finally {
    await reader.close();
  }
}
