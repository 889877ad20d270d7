import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type EnvironmentStatus, type SessionInfo } from './api';
import { href, time } from './format';
import { followEvents } from './live';
import { Badge, Head, Notice, Sha } from './widgets';

/**
 * States an environment can be in. `suspended` and `waiting` come with day-two's promotion and
 * suspension (widened here before that branch is merged); any other string is shown as it is.
 */
const STATES = ['synced', 'progressing', 'failed', 'stalled', 'drifted', 'suspended', 'waiting', 'unknown'];

/** The environments page: one row each, filtered by name and state, kept current by live events. */
export function EnvironmentsPage({ session }: { session: SessionInfo }) {
  const [envs, setEnvs] = useState<readonly EnvironmentStatus[] | undefined>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');
  const [state, setState] = useState('');

  useEffect(() => {
    const all = () => api.environments().then(setEnvs, (e: Error) => setError(e.message));
    // An event re-reads the one environment it names, never the whole list.
    const one = (env: string) =>
      api.environment(env).then(
        (fresh) => setEnvs((list) => list?.map((e) => (e.name === fresh.name ? fresh : e))),
        () => undefined,
      );
    // The first connect reads the list; a reconnect reads it once again for what it missed.
    return followEvents(
      (event) => void one(event.env),
      () => void all(),
    );
  }, []);

  const shown = useMemo(() => {
    const needle = name.trim().toLowerCase();
    return (envs ?? []).filter(
      (e) => (!needle || e.name.toLowerCase().includes(needle)) && (!state || e.status === state),
    );
  }, [envs, name, state]);

  const sharded = useMemo(() => (envs ?? []).some((e) => e.shard), [envs]);
  return (
    <main>
      <h1>Environments</h1>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name <input type="search" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Status{' '}
          <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <span class="count" aria-live="polite">
          {envs ? `${shown.length} of ${envs.length}` : 'loading…'}
        </span>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      <table class="envs">
        <Head
          columns={[
            'Environment',
            'Status',
            'Head',
            'Applied',
            'Last reconcile',
            'Last check',
            sharded && 'Holder',
            session.canSync && 'Actions',
          ]}
        />
        <tbody>
          {shown.map((e) => (
            <EnvironmentRow key={e.name} env={e} session={session} holder={sharded} />
          ))}
        </tbody>
      </table>
    </main>
  );
}

function EnvironmentRow({
  env,
  session,
  holder,
}: {
  env: EnvironmentStatus;
  session: SessionInfo;
  holder: boolean;
}) {
  const [said, setSaid] = useState<string>();
  const extra = env as EnvironmentStatus & {
    suspended?: { by: string; reason: string; since: string };
    waiting?: { after: string; reason: string };
  };
  return (
    <tr data-env={env.name} data-status={env.status}>
      <th scope="row">
        <a href={href.environment(env.name)}>{env.name}</a>
        <div class="sub">branch {env.branch}</div>
      </th>
      <td>
        <Badge value={env.status} />
        {env.failure && (
          <div class="failure">
            <code>{env.failure.code}</code> {env.failure.message}
          </div>
        )}
        {extra.suspended && (
          <div class="sub">
            suspended by {extra.suspended.by}: {extra.suspended.reason}
          </div>
        )}
        {extra.waiting && (
          <div class="sub">
            waiting for {extra.waiting.after}: {extra.waiting.reason}
          </div>
        )}
      </td>
      <td>
        <Sha sha={env.headSha} template={session.commitUrl} />
        {env.headCommit && (
          <div class="sub">
            {env.headCommit.subject} — {env.headCommit.author}
          </div>
        )}
      </td>
      <td>
        <Sha sha={env.lastAppliedSha} template={session.commitUrl} />
      </td>
      <td>{time(env.lastReconcileAt)}</td>
      <td>{time(env.lastCheckedAt)}</td>
      {holder && <td>{env.shard ? (env.shard.holder ?? 'free') : '—'}</td>}
      {session.canSync && (
        <td>
          <button
            type="button"
            onClick={() =>
              api.sync(env.name).then(
                (r) => setSaid(r.message),
                (e: Error) => setSaid(e.message),
              )
            }
          >
            Sync now<span class="visually-hidden"> {env.name}</span>
          </button>
          {said && (
            <div class="sub" role="status">
              {said}
            </div>
          )}
        </td>
      )}
    </tr>
  );
}
