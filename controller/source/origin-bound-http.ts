import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { CairnError } from '../model/errors';

// As many hops as a moved repository needs (a rename, an added `.git`), and no redirect loop.
const MAX_REDIRECTS = 5;

/** Headers that carry credentials: never sent to an origin other than the repository's. */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);

function withoutCredentials(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([k]) => !CREDENTIALS.has(k.toLowerCase())));
}

async function drain(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<void> {
  if (body) for await (const _ of body);
}

function refused(request: GitHttpRequest, why: string): CairnError {
  return new CairnError(`the remote answered with a redirect that is not followed: ${why}`, {
    code: 'source.redirect',
    phase: 'fetch',
    subject: `repository ${new URL(request.url).origin}`,
    hint: 'set repository.url to where the repository is now',
  });
}

/**
 * Wraps isomorphic-git's HTTP client so that it follows redirects itself, and sends the token only
 * to the repository's own origin (scheme, host and port). Why: the client underneath (simple-get)
 * follows every redirect and drops `Authorization` only when the host name changes, so a redirect
 * to another port or from https to http of the same host carried the token there (git's own
 * client, curl, drops it on any change of origin). A redirected GET is followed, without
 * credentials once it leaves the origin; a redirected POST (its body already sent) is refused.
 */
export function originBoundHttp(inner: HttpClient): HttpClient {
  return {
    async request(request): Promise<GitHttpResponse> {
      const origin = new URL(request.url).origin;
      let current: GitHttpRequest = request;
      for (let hops = 0; ; hops++) {
        const response = await inner.request({
          ...current,
          fetchOptions: { ...current.fetchOptions, followRedirects: false },
        });
        const location = response.headers?.location;
        if (response.statusCode < 300 || response.statusCode >= 400 || !location) return response;
        await drain(response.body);
        if ((current.method ?? 'GET').toUpperCase() !== 'GET')
          throw refused(request, `a ${current.method} request was redirected`);
        if (hops >= MAX_REDIRECTS) throw refused(request, `more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, current.url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:')
          throw refused(request, `a redirect to a ${next.protocol} URL`);
        const headers = next.origin === origin ? current.headers : withoutCredentials(current.headers);
        current = { ...current, url: next.href, headers };
      }
    },
  };
}
