import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  api,
  type ChainState,
  type ControlSummary,
  type EnvironmentStatus,
  type LedgerPage,
  type ListedEntry,
  type PullRequestPlanStatus,
  type SessionInfo,
} from './api';
import { duration, href, short, subject, time } from './format';
import { followEvents } from './live';
import { Badge, Head, Notice, Sha } from './widgets';

/** Entries per page of the ledger, at most (the server ends a page of large entries early). */
export const PAGE_SIZE = 25;

/**
 * One environment: its status, its ledger (newest first, paged), its chain's state, its pull
 * request plans and its control records.
 */
export function EnvironmentPage({ name, session }: { name: string; session: SessionInfo }) {
  const [env, setEnv] = useState<EnvironmentStatus>();
  const [ledger, setLedger] = useState<LedgerPage>();
  const [chain, setChain] = useState<ChainState>();
  const [plans, setPlans] = useState<readonly PullRequestPlanStatus[]>([]);
  const [controls, setControls] = useState<readonly ControlSummary[]>([]);
  // The offsets of the pages gone through, from the first (0): the last is this page's, and "Newer"
  // goes back to the one before it (a page's size is the server's, so no offset can be computed).
  const [offsets, setOffsets] = useState<readonly number[]>([0]);
  const offset = offsets.at(-1) ?? 0;
  const [error, setError] = useState<string>();
  const [said, setSaid] = useState<string>();

  const load = useCallback(() => {
    const failed = (e: Error) => setError(e.message);
    api.environment(name).then(setEnv, failed);
    api.ledger(name, PAGE_SIZE, offset).then(setLedger, failed);
    api.chain(name).then(setChain, failed);
    api.plans(name).then(setPlans, failed);
    api.controls(name).then(setControls, failed);
  }, [name, offset]);

  useEffect(
    () =>
      followEvents((event) => {
        if (event.env === name) load();
      }, load),
    [name, load],
  );

  const entries = ledger?.entries;
  const older = ledger?.next ?? null;
  return (
    <main>
      <p class="crumbs">
        <a href={href.environments()}>Environments</a> / {name}
      </p>
      <h1>{name}</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {env && (
        <section class="summary" aria-label="status">
          <Badge value={env.status} /> branch <code>{env.branch}</code>, head{' '}
          <Sha sha={env.headSha} template={session.commitUrl} />, applied{' '}
          <Sha sha={env.lastAppliedSha} template={session.commitUrl} />
          {env.failure && (
            <div class="failure">
              <code>{env.failure.code}</code> in {env.failure.phase}: {env.failure.message}
            </div>
          )}
          {session.canSync && (
            <p>
              <button
                type="button"
                onClick={() =>
                  api.sync(name).then(
                    (r) => setSaid(r.message),
                    (e: Error) => setSaid(e.message),
                  )
                }
              >
                Sync now
              </button>{' '}
              {said && <span role="status">{said}</span>}
            </p>
          )}
        </section>
      )}
      {chain && (
        <p class={`chain chain-${chain.state}`}>
          Audit chain: <strong>{chain.state}</strong>, {chain.records} records, head at {chain.headSeq}
          {chain.state === 'broken' && ` (broken at ${chain.brokenAt}: ${chain.reason})`}
          {chain.witnessBehind && ' (one record past its witness)'}
        </p>
      )}
      {plans.length > 0 && (
        <section>
          <h2>Pull request plans</h2>
          <table>
            <Head columns={['Pull request', 'Head', 'Plan', 'Since']} />
            <tbody>
              {plans.map((p) => (
                <tr key={p.number}>
                  <td>#{p.number}</td>
                  <td>
                    <Sha sha={p.sha} template={session.commitUrl} />
                  </td>
                  <td>
                    <Badge value={p.state} /> {p.description}
                  </td>
                  <td>{time(p.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {controls.length > 0 && <ControlRecords controls={controls} session={session} />}
      <h2>Ledger</h2>
      <table class="ledger">
        <Head columns={['Finished', 'Trigger', 'From → to', 'Commit', 'Outcome', 'Duration']} />
        <tbody>
          {(entries ?? []).map((e) => (
            <LedgerRow key={e.id} entry={e} />
          ))}
        </tbody>
      </table>
      {entries?.length === 0 && <p>No entries yet.</p>}
      <nav class="pager" aria-label="ledger pages">
        <button
          type="button"
          disabled={offsets.length === 1}
          onClick={() => setOffsets(offsets.slice(0, -1))}
        >
          Newer
        </button>
        <span>page {offsets.length}</span>
        <button
          type="button"
          disabled={older === null}
          onClick={() => older !== null && setOffsets([...offsets, older])}
        >
          Older
        </button>
      </nav>
    </main>
  );
}

function LedgerRow({ entry }: { entry: ListedEntry }) {
  const took = Date.parse(entry.finishedAt) - Date.parse(entry.startedAt);
  return (
    <tr data-entry={entry.id}>
      <td>
        <a href={href.entry(entry.id)}>{time(entry.finishedAt)}</a>
        {entry.checks && (
          <details class="folded">
            <summary>checked {entry.checks.count} more time(s)</summary>
            quiet passes with nothing to do, {time(entry.checks.firstAt)} to {time(entry.checks.lastAt)}
          </details>
        )}
      </td>
      <td>{entry.trigger}</td>
      <td>
        <code>{short(entry.fromSha)}</code> → <code>{short(entry.toSha)}</code>
      </td>
      <td>
        {subject(entry.message)}
        <div class="sub">{entry.author}</div>
      </td>
      <td>
        <Badge value={entry.outcome} />
        {entry.untrusted && <div class="failure">untrusted: {entry.untrusted}</div>}
        {entry.failure && (
          <div class="sub">
            <code>{entry.failure.code}</code>
          </div>
        )}
      </td>
      <td>{duration(Number.isNaN(took) ? undefined : took)}</td>
    </tr>
  );
}

/**
 * Who suspended, resumed or promoted the environment and why, the heads a promotion gate holds
 * back, and the reverts cairn proposed (newest first, as `cairn audit list` prints them). Every
 * field is text from the ledger; a record past a break of its chain is marked, never obeyed.
 */
function ControlRecords({
  controls,
  session,
}: {
  controls: readonly ControlSummary[];
  session: SessionInfo;
}) {
  return (
    <section>
      <h2>Control records</h2>
      <table class="controls">
        <Head columns={['At', 'Action', 'By', 'Why']} />
        <tbody>
          {controls.map((c) => (
            <tr key={c.seq} data-control={c.action}>
              <td>{time(c.at)}</td>
              <td>
                <Badge value={c.action} />
                {c.untrusted && <div class="failure">untrusted: past a break of the chain</div>}
              </td>
              <td>{c.by}</td>
              <td>
                {c.reason}
                {c.sha && (
                  <div class="sub">
                    commit <Sha sha={c.sha} template={session.commitUrl} />
                  </div>
                )}
                {c.entry && (
                  <div class="sub">
                    entry <a href={href.entry(c.entry)}>{short(c.entry)}</a>
                  </div>
                )}
                {c.url && (
                  <div class="sub">
                    <code>{c.url}</code>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
