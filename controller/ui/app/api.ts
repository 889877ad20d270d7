import type { ControlSummary, ListedEntry } from '../../audit/types';
import type { ChainState, EnvironmentStatus, PullRequestPlanStatus } from '../../server/types';
import type { SessionInfo } from '../../server/ui-api-routes';

export type {
  ChainState,
  ControlSummary,
  EnvironmentStatus,
  ListedEntry,
  PullRequestPlanStatus,
  SessionInfo,
};

const TOKEN_KEY = 'cairn.token';

/** The bearer token the user gave, kept for this tab only (sessionStorage, never a cookie). */
export function savedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps (or with '' forgets) the token for this tab. */
export function saveToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer of the API that was not 2xx: its status and the server's sentence. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The headers every API call carries. */
export function authHeaders(): Record<string, string> {
  const token = savedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A call's JSON body, with its response for the headers. */
async function answered<T>(path: string, init: RequestInit = {}): Promise<{ body: T; response: Response }> {
  const response = await fetch(path, {
    ...init,
    headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) },
    cache: 'no-store',
  });
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok)
    throw new ApiError(response.status, body.message ?? `${response.status} ${response.statusText}`);
  return { body: body as T, response };
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await answered<T>(path, init)).body;
}

/** One page of a ledger, and the offset of the next (older) page; null on the last. */
export interface LedgerPage {
  readonly entries: ListedEntry[];
  readonly next: number | null;
}

const enc = encodeURIComponent;

/** The API's read and sync calls the pages make. */
export const api = {
  session: () => call<SessionInfo>('/api/session'),
  environments: () =>
    call<{ environments: EnvironmentStatus[] }>('/api/environments').then((r) => r.environments),
  environment: (env: string) => call<EnvironmentStatus>(`/api/environments/${enc(env)}`),
  // A page may end early (the server bounds its bytes): X-Cairn-Next-Offset, absent on the last
  // page, is where the next one starts.
  ledger: (env: string, limit: number, offset: number): Promise<LedgerPage> =>
    answered<ListedEntry[]>(`/api/environments/${enc(env)}/audit?limit=${limit}&offset=${offset}`).then(
      ({ body, response }) => {
        const next = response.headers.get('x-cairn-next-offset');
        return { entries: body, next: next === null ? null : Number(next) };
      },
    ),
  chain: (env: string) => call<ChainState>(`/api/environments/${enc(env)}/chain`),
  plans: (env: string) =>
    call<{ plans: PullRequestPlanStatus[] }>(`/api/environments/${enc(env)}/plans`).then((r) => r.plans),
  controls: (env: string) =>
    call<{ controls: ControlSummary[] }>(`/api/environments/${enc(env)}/controls`).then((r) => r.controls),
  entry: (id: string) => call<ListedEntry>(`/api/audit/${enc(id)}`),
  sync: (env: string) => call<{ message: string }>(`/api/environments/${enc(env)}/sync`, { method: 'POST' }),
  revert: (env: string, entry: string) =>
    call<{ message: string; url?: string; sha: string }>(`/api/environments/${enc(env)}/revert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entry }),
    }),
};
