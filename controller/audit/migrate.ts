import { CairnError } from '../model/errors';
import { ChainChecker } from './chain-check';
import type { ChainKey } from './chain-key';
import type { ChainHead, ChainStore } from './chain-store';

/** What `migrateChains` copied for one environment. */
export interface MigratedChain {
  readonly env: string;
  readonly records: number;
  readonly head: ChainHead;
}

/**
 * Copies every chain of `from` into `to` line for line (the same bytes, seqs and hashes, so the
 * copy verifies under the same key), each append conditional like any other. A source chain that
 * does not verify, or a destination chain that already has records, is refused before anything of
 * that environment is copied.
 */
export async function migrateChains(
  from: ChainStore,
  to: ChainStore,
  key: ChainKey,
): Promise<readonly MigratedChain[]> {
  const done: MigratedChain[] = [];
  for (const env of await from.envs()) {
    const checker = new ChainChecker(env, key);
    const lines: { line: Buffer; head: ChainHead }[] = [];
    for await (const stored of from.lines(env)) {
      const checked = checker.push(stored);
      if (checked)
        lines.push({
          line: Buffer.from(stored.bytes),
          head: { seq: checked.record.seq, hash: checked.hash },
        });
    }
    const report = checker.finish(await from.witness(env));
    if (report.firstBreak || report.tornTail) {
      throw new CairnError(
        `the ${env} chain does not verify, so it is not copied: ${report.firstBreak?.reason ?? 'an incomplete last line'}`,
        {
          code: 'audit.migrate-broken',
          subject: `${from.location} ${env}`,
          hint: 'run `cairn audit verify` and `cairn audit repair` on the source first',
        },
      );
    }
    if (await to.witness(env)) {
      throw new CairnError(`the ${env} chain already exists in ${to.location}`, {
        code: 'audit.migrate-exists',
        subject: `${to.location} ${env}`,
        hint: 'migrate into an empty table (or one without this environment)',
      });
    }
    let previous: ChainHead | null = null;
    for (const { line, head } of lines) {
      await to.append(env, line, head, previous);
      previous = head;
    }
    done.push({ env, records: lines.length, head: report.head });
  }
  return done;
}
