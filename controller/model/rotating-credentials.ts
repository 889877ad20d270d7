import type https from 'node:https';
import { CairnError, errorMessage, type Phase } from './errors';
import { maskSecrets, rememberSecrets } from './secret-mask';

/**
 * Credentials a kubeconfig's plugin hands out (an exec plugin such as `aws eks get-token`, an auth
 * provider, a token file): they rotate, and fetching them can mean running a program. What both
 * clients of a cluster (the apply's and the Lease API's) keep of them:
 *
 * - one fetch at a time, whatever the number of requests waiting (a thousand-object apply, or every
 *   shard renewing at once, runs the plugin once, not once per request);
 * - kept at most `ttlMs` (CREDENTIAL_TTL_MS), so a rotated token file or plugin answer is picked up;
 * - a failed fetch is never kept: the next request tries again, where keeping it would fail every
 *   request of the next minute for one slow plugin run;
 * - `refused(used)` after the server answered 401 with the credentials `used`: they are dropped and
 *   the next fetch is told so (the caller then also drops what its library kept, as client-go does
 *   on a 401). Many requests refused with the same credentials cause one new fetch, not one each.
 */
/** How long fetched credentials are kept at most: a rotated token file or plugin answer is read within it. */
export const CREDENTIAL_TTL_MS = 60_000;

export interface RotatingCredentials<T> {
  /** The credentials to send now (the same promise for every caller while they are kept). */
  get(): Promise<T>;
  /** The server refused `used`: fetch anew, unless that has been done since. */
  refused(used: Promise<T>): void;
}

/**
 * `fetch(afterRefusal)`: `afterRefusal` is true for the fetch that follows a 401, when whatever the
 * fetcher keeps (a library's token cache that still believes its token valid) must go too.
 */
export function rotatingCredentials<T>(
  fetch: (afterRefusal: boolean) => Promise<T>,
  ttlMs: number = CREDENTIAL_TTL_MS,
  now: () => number = Date.now,
): RotatingCredentials<T> {
  let held: { readonly at: number; readonly value: Promise<T> } | undefined;
  let afterRefusal = false;
  return {
    get() {
      if (held && now() - held.at <= ttlMs) return held.value;
      const value = fetch(afterRefusal);
      afterRefusal = false;
      const entry = { at: now(), value };
      held = entry;
      // A failure is the caller's to report; it is not the credentials of the next request.
      value.catch(() => {
        if (held === entry) held = undefined;
      });
      return value;
    },
    refused(used) {
      if (held?.value !== used) return;
      held = undefined;
      afterRefusal = true;
    },
  };
}

/** Where a client's credentials come from: `refused` is there only for credentials that rotate. */
export interface CredentialSource<T> {
  options(): Promise<T>;
  refused?(used: Promise<T>): void;
}

/**
 * Sends with the credentials held. After a 401 to ones that rotate (a token past its expiry, a
 * revoked one), fetches them anew, as client-go's exec authenticator does, and sends once more:
 * client-go leaves the resend to its caller, and here a refused write would cost the reconcile
 * and a refused renewal the shard. A second 401 is the answer; static credentials get no retry.
 */
export async function sendWithCredentials<T, R extends { readonly status: number }>(
  source: CredentialSource<T>,
  send: (credentials: T) => Promise<R>,
): Promise<R> {
  const used = source.options();
  const answer = await send(await used);
  if (answer.status !== 401 || !source.refused) return answer;
  source.refused(used);
  return send(await source.options());
}

/** What sets a request's TLS material and headers for a kubeconfig's user: the client library's KubeConfig. */
export interface CredentialApplier {
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/**
 * The request options of a kubeconfig user only the client library can serve (an exec plugin, an
 * auth provider, in-cluster), kept as `rotatingCredentials` says. `current()` is the KubeConfig to
 * ask; `reload()` replaces it after a 401, because the library's exec authenticator keeps a token
 * until the expiry its plugin gave, even once the server has refused it (a fresh one also reads
 * the file again). A failed fetch is a retryable CairnError of `failure`'s code, phase and subject
 * (the kubeconfig) that quotes the plugin.
 */
export function libraryCredentials(
  kubeconfig: { current(): CredentialApplier; reload(): void },
  failure: { readonly code: string; readonly phase: Phase; readonly subject: string },
): RotatingCredentials<https.RequestOptions> {
  return rotatingCredentials(async (afterRefusal) => {
    try {
      if (afterRefusal) kubeconfig.reload();
      const opts: https.RequestOptions = {};
      await kubeconfig.current().applyToHTTPSOptions(opts);
      return rememberCredentialsOf(opts);
    } catch (error) {
      throw new CairnError(`the kubeconfig's credentials could not be fetched: ${pluginMessage(error)}`, {
        ...failure,
        retryable: true,
        hint: "run the exec plugin or auth provider of the kubeconfig's user by hand to see why",
        cause: error,
      });
    }
  });
}

/**
 * Remembers, for masking, the secrets in a kubeconfig user's request options (a bearer token, a
 * client key, a basic-auth password) and returns them: whatever quotes them later (an API server
 * or proxy that echoes the Authorization header in its 401, a plugin's error) prints `[masked]`.
 * Every client of a cluster gets its credentials through here (kubeconfigSource).
 */
export function rememberCredentialsOf(opts: https.RequestOptions): https.RequestOptions {
  const headers = (opts.headers ?? {}) as Record<string, unknown>;
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const header = typeof authorization === 'string' ? authorization : undefined;
  const key = opts.key === undefined ? [] : [opts.key].flat();
  rememberSecrets([
    header,
    header?.replace(/^\S+\s+/, ''),
    ...key.map((k) => (typeof k === 'string' || Buffer.isBuffer(k) ? k.toString() : k.pem.toString())),
    basicPassword(opts.auth),
  ]);
  return opts;
}

/** The password of `user:password`; none for a user without one (written `user:undefined`). */
function basicPassword(auth: string | null | undefined): string | undefined {
  const password = auth?.slice(auth.indexOf(':') + 1);
  return password === 'undefined' ? undefined : password;
}

/**
 * A plugin's failure on one line and at most 300 characters: the library's error is its whole
 * stderr. Masked before the cut, so a secret the plugin printed and the cut halves is still masked.
 */
function pluginMessage(value: unknown): string {
  const text = maskSecrets(errorMessage(value)).replace(/\s+/g, ' ').trim();
  return (text.length > 300 ? `${text.slice(0, 300)}…` : text) || 'the plugin failed without a message';
}
