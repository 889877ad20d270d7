import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Change } from '../../model/change';
import { api, type ListedEntry, type SessionInfo } from './api';
import { duration, href, time } from './format';
import { Timeline } from './timeline';
import { Badge, Notice, Sha } from './widgets';

/** Changes grouped for display: AWS by stack, Kubernetes by namespace (cluster-scoped apart). */
export function groupChanges(
  changes: readonly Change[],
): { key: string; title: string; changes: Change[] }[] {
  const groups = new Map<string, { key: string; title: string; changes: Change[] }>();
  for (const change of changes) {
    const parts = change.subject.split('/');
    const title =
      change.target === 'aws'
        ? `AWS stack ${parts[0]}`
        : parts.length >= 3
          ? `Kubernetes namespace ${parts[1]}`
          : 'Kubernetes, cluster-scoped';
    const key = `${change.target}:${title}`;
    const group = groups.get(key) ?? { key, title, changes: [] };
    group.changes.push(change);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** One audit entry: its commit, both planes' changes with their diffs, failure, phases, lease and revert. */
export function EntryPage({ id, session }: { id: string; session: SessionInfo }) {
  const [entry, setEntry] = useState<ListedEntry>();
  const [error, setError] = useState<string>();
  const [said, setSaid] = useState<{ kind: 'error' | 'info'; text: string; url?: string }>();
  const [hideUnchanged, setHideUnchanged] = useState(true);

  useEffect(() => {
    api.entry(id).then(setEntry, (e: Error) => setError(e.message));
  }, [id]);

  const groups = useMemo(
    () => groupChanges((entry?.changes ?? []).filter((c) => !hideUnchanged || c.action !== 'unchanged')),
    [entry, hideUnchanged],
  );
  if (error)
    return (
      <main>
        <Notice kind="error">{error}</Notice>
      </main>
    );
  if (!entry)
    return (
      <main>
        <p>loading…</p>
      </main>
    );
  const command = `cairn revert --config <cairn.yaml> ${entry.id}`;
  const openRevert = () =>
    api.revert(entry.env, entry.id).then(
      (r) =>
        setSaid({
          kind: 'info',
          text: `${r.message}: ${r.sha.slice(0, 8)}`,
          ...(r.url ? { url: r.url } : {}),
        }),
      (e: Error) => setSaid({ kind: 'error', text: e.message }),
    );
  return (
    <main>
      <p class="crumbs">
        <a href={href.environments()}>Environments</a> / <a href={href.environment(entry.env)}>{entry.env}</a>{' '}
        / {entry.id.slice(0, 12)}
      </p>
      <h1>
        Entry <code>{entry.id.slice(0, 12)}</code> <Badge value={entry.outcome} />
      </h1>
      <dl class="facts">
        <dt>Commit</dt>
        <dd>
          <Sha sha={entry.fromSha} template={session.commitUrl} /> →{' '}
          <Sha sha={entry.toSha} template={session.commitUrl} />
          {entry.forcePushed && ' (force-pushed)'}
        </dd>
        <dt>Author</dt>
        <dd>{entry.author}</dd>
        <dt>Message</dt>
        <dd>
          <pre class="message">{entry.message}</pre>
        </dd>
        <dt>Trigger</dt>
        <dd>{entry.trigger}</dd>
        <dt>Ran</dt>
        <dd>
          {time(entry.startedAt)} to {time(entry.finishedAt)}
        </dd>
        {entry.lease && (
          <>
            <dt>Fenced with</dt>
            <dd>
              Lease {entry.lease.name ?? '(unnamed)'} held by {entry.lease.holder} at resourceVersion{' '}
              {entry.lease.resourceVersion}
            </dd>
          </>
        )}
        {entry.untrusted && (
          <>
            <dt>Chain</dt>
            <dd class="failure">untrusted: {entry.untrusted}</dd>
          </>
        )}
      </dl>
      {entry.failure && (
        <section class="failure-box" aria-label="failure">
          <h2>Failure</h2>
          <p>
            <code>{entry.failure.code}</code> in phase <strong>{entry.failure.phase}</strong>
            {entry.failure.subject && <> on {entry.failure.subject}</>}
            {entry.failure.retryable ? ' (retryable)' : ' (terminal)'}
          </p>
          <pre class="message">{entry.failure.message}</pre>
        </section>
      )}
      <Warnings changes={entry.changes} />
      <h2>Phases</h2>
      <Timeline entry={entry} />
      <h2>Changes</h2>
      {entry.skipped?.aws && <p class="sub">AWS: {entry.skipped.aws}</p>}
      {entry.skipped?.kubernetes && <p class="sub">Kubernetes: {entry.skipped.kubernetes}</p>}
      <label class="toggle">
        <input
          type="checkbox"
          checked={hideUnchanged}
          onChange={(e) => setHideUnchanged(e.currentTarget.checked)}
        />{' '}
        hide unchanged ({entry.changes.filter((c) => c.action === 'unchanged').length})
      </label>
      {groups.map((g) => (
        <section key={g.key} class="group" aria-label={g.title}>
          <h3>{g.title}</h3>
          <ul class="changes">
            {g.changes.map((c) => (
              <ChangeRow key={`${c.target}:${c.subject}`} change={c} />
            ))}
          </ul>
        </section>
      ))}
      <h2>Revert</h2>
      <p>
        Undo this entry's commits with a revert commit (add <code>--pr</code> for a pull request):
      </p>
      <div class="command">
        <code>{command}</code>{' '}
        <button type="button" onClick={() => void navigator.clipboard?.writeText(command)}>
          Copy
        </button>
      </div>
      {session.canRevert && (
        <p>
          <button type="button" onClick={openRevert}>
            Open revert PR
          </button>
        </p>
      )}
      {said && (
        <Notice kind={said.kind}>
          {said.text}
          {said.url && /^https?:\/\//.test(said.url) && (
            <>
              {' '}
              <a href={said.url} rel="noreferrer noopener">
                open the pull request
              </a>
            </>
          )}
        </Notice>
      )}
    </main>
  );
}

/**
 * What the API server warned about while it went ahead (a deprecated API, a Pod Security `warn`
 * violation), one item per warning naming file and object, as `cairn audit show` lists them. Apart
 * from the change rows, so that a warning on an object hidden as unchanged is still seen.
 */
function Warnings({ changes }: { changes: readonly Change[] }) {
  const warned = changes.filter((c) => c.warnings && c.warnings.length > 0);
  if (warned.length === 0) return null;
  return (
    <section class="warning-box" aria-label="Warnings from the API server">
      <h2>Warnings from the API server</h2>
      <ul class="warnings">
        {warned.flatMap((c) =>
          c.warnings!.map((text, i) => (
            <li key={`${c.target}:${c.subject}:${i}`} data-subject={c.subject}>
              {c.file && <span class="sub">{c.file}: </span>}
              <span class="subject">{c.subject}</span>: {text}
            </li>
          )),
        )}
      </ul>
    </section>
  );
}

function ChangeRow({ change }: { change: Change }) {
  const [open, setOpen] = useState(false);
  return (
    <li data-subject={change.subject}>
      <Badge value={change.action} /> <span class="subject">{change.subject}</span>
      {change.type && <span class="sub"> {change.type}</span>}
      {change.replacement !== undefined && change.replacement !== false && (
        <span class="failure">
          {' '}
          replacement{change.replacement === 'conditional' ? ' (conditional)' : ''}
        </span>
      )}
      {change.reason && <span class="sub"> ({change.reason})</span>}
      {change.warnings && change.warnings.length > 0 && (
        <span class="warned">
          {' '}
          ⚠ {change.warnings.length} {change.warnings.length === 1 ? 'warning' : 'warnings'}
        </span>
      )}
      {change.durationMs !== undefined && <span class="sub"> {duration(change.durationMs)}</span>}
      {change.file && <div class="sub">{change.file}</div>}
      {change.diff && (
        // The diff is put in the page only once opened: a release of a thousand objects stays quick.
        <details onToggle={(e) => setOpen(e.currentTarget.open)}>
          <summary>diff</summary>
          {open && <pre class="diff">{change.diff}</pre>}
        </details>
      )}
    </li>
  );
}
