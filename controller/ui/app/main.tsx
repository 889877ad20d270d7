import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, savedToken, saveToken, type SessionInfo } from './api';
import { EntryPage } from './entry-page';
import { EnvironmentPage } from './environment-page';
import { EnvironmentsPage } from './environments-page';
import { href } from './format';
import { Notice } from './widgets';

type Route = { page: 'environments' } | { page: 'environment'; name: string } | { page: 'entry'; id: string };

/** The page a hash names (`#/env/<name>`, `#/entry/<id>`; anything else is the list). */
export function route(hash: string): Route {
  const env = /^#\/env\/(.+)$/.exec(hash);
  if (env) return { page: 'environment', name: decodeURIComponent(env[1]!) };
  const entry = /^#\/entry\/(.+)$/.exec(hash);
  if (entry) return { page: 'entry', id: decodeURIComponent(entry[1]!) };
  return { page: 'environments' };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function Login({ onSession, error }: { onSession: (s: SessionInfo) => void; error?: string | undefined }) {
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState(error);
  const submit = (e: Event) => {
    e.preventDefault();
    saveToken(token.trim());
    api.session().then(onSession, (err: Error) => {
      saveToken('');
      setProblem(
        err instanceof ApiError && err.status === 401 ? 'That token is not valid here.' : err.message,
      );
    });
  };
  return (
    <main class="login">
      <h1>Sign in to cairn</h1>
      <p>Paste an API token (server.apiTokens). It is kept in this tab only.</p>
      <form onSubmit={submit}>
        <label>
          API token{' '}
          <input
            type="password"
            autocomplete="off"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>{' '}
        <button type="submit">Sign in</button>
      </form>
      {problem && <Notice kind="error">{problem}</Notice>}
    </main>
  );
}

function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>();
  const [error, setError] = useState<string>();
  const hash = useHash();
  useEffect(() => {
    // An open API (no token configured) or a token kept from before needs no sign-in.
    api.session().then(setSession, (e: Error) => {
      if (savedToken() && e instanceof ApiError && e.status === 401) saveToken('');
      if (!(e instanceof ApiError && e.status === 401)) setError(e.message);
      setSession(null);
    });
  }, []);
  if (session === undefined)
    return (
      <main>
        <p>loading…</p>
      </main>
    );
  if (session === null) return <Login onSession={setSession} error={error} />;
  const r = route(hash);
  return (
    <>
      <header class="top">
        <a class="brand" href={href.environments()}>
          cairn
        </a>
        <span class="scopes">token scopes: {session.scopes.join(', ') || 'none'}</span>
        {savedToken() && (
          <button
            type="button"
            onClick={() => {
              saveToken('');
              setSession(null);
            }}
          >
            Sign out
          </button>
        )}
      </header>
      {r.page === 'environments' && <EnvironmentsPage session={session} />}
      {r.page === 'environment' && <EnvironmentPage key={r.name} name={r.name} session={session} />}
      {r.page === 'entry' && <EntryPage key={r.id} id={r.id} session={session} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
