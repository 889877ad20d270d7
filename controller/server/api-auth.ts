import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiScope, ServerConfig } from '../config/types';
import { CairnError } from '../model/errors';
import { refuse } from './reply';
import { safeEqual } from './webhooks/verdict';
import { isLoopback } from './connection-guard';

/** One API token, read from where the config says, with what it may do. */
export interface ApiToken {
  /** Where it came from (`env CAIRN_API_TOKEN`, `file /etc/cairn/token`): for messages, never the value. */
  readonly source: string;
  readonly value: string;
  readonly scopes: readonly ApiScope[];
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function missing(what: string, subject: string, hint: string): CairnError {
  return new CairnError(`${what} is unset or empty`, {
    code: 'server.secret-missing',
    phase: 'server',
    subject,
    hint,
  });
}

/**
 * Reads the API tokens the config names (`server.apiTokenEnv` and `server.apiTokens`), once, at
 * start-up. Throws a CairnError naming the field when a variable is unset or a file is empty or
 * unreadable, so a misconfigured controller never serves the API with fewer checks than intended.
 */
export function loadApiTokens(config: ServerConfig, env: NodeJS.ProcessEnv): readonly ApiToken[] {
  const tokens: ApiToken[] = [];
  if (config.apiTokenEnv) {
    const value = env[config.apiTokenEnv];
    if (!value)
      throw missing(
        `environment variable ${config.apiTokenEnv}`,
        'server.apiTokenEnv',
        `export ${config.apiTokenEnv} before starting cairn, or remove server.apiTokenEnv`,
      );
    tokens.push({ source: `env ${config.apiTokenEnv}`, value, scopes: ['read', 'sync'] });
  }
  (config.apiTokens ?? []).forEach((token, i) => {
    const field = `server.apiTokens[${i}]`;
    if (token.env) {
      const value = env[token.env];
      if (!value)
        throw missing(
          `environment variable ${token.env}`,
          `${field}.env`,
          `export ${token.env} before starting cairn`,
        );
      tokens.push({ source: `env ${token.env}`, value, scopes: token.scopes });
    } else if (token.file) {
      let value: string;
      try {
        value = readFileSync(token.file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new CairnError(`cannot read ${token.file}: ${(err as Error).message}`, {
          code: 'server.secret-missing',
          phase: 'server',
          subject: `${field}.file`,
          hint: 'make the file readable by cairn (and by no one else)',
          cause: err,
        });
      }
      if (!value) throw missing(`file ${token.file}`, `${field}.file`, 'write the token into the file');
      tokens.push({ source: `file ${token.file}`, value, scopes: token.scopes });
    }
  });
  return tokens;
}

/** The scope a request to `/api/...` needs: `sync` for anything that changes state, `read` otherwise. */
export function scopeFor(method: string): ApiScope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'sync';
}

/**
 * The scopes the request's bearer token grants, or undefined when it has no valid token. Every
 * configured token is compared, in constant time each, whichever matches, so timing tells nothing
 * about which token (or how much of one) was right.
 */
export function grantedScopes(
  authorization: string | undefined,
  tokens: readonly ApiToken[],
): readonly ApiScope[] | undefined {
  const given = BEARER.exec(authorization ?? '')?.[1] ?? '';
  let granted: ApiScope[] | undefined;
  for (const token of tokens) {
    const match = safeEqual(given, token.value);
    if (match && given !== '') granted = [...(granted ?? []), ...token.scopes];
  }
  return granted;
}

/**
 * The configured token the request's bearer token matches (its source and scopes, never compared
 * early), or undefined. Used to say who asked for a revert and what the web UI may offer.
 */
export function grantingToken(
  authorization: string | undefined,
  tokens: readonly ApiToken[],
): Pick<ApiToken, 'source' | 'scopes'> | undefined {
  const scopes = grantedScopes(authorization, tokens);
  if (!scopes) return undefined;
  const given = BEARER.exec(authorization ?? '')?.[1] ?? '';
  const sources = tokens.filter((t) => safeEqual(given, t.value)).map((t) => t.source);
  return { source: sources.join(', '), scopes: [...new Set(scopes)] };
}

/** Who a request counts against in the caps one client may not fill alone (see `requesterOf`). */
export interface Requester {
  /** The key the caps count by: a token's source, or an address; never a token's value. */
  readonly key: string;
  /** How an answer names it to the client: `this token`, `this client address`. */
  readonly named: string;
}

/**
 * Who a request counts against in per-client caps: where tokens are configured, the token it
 * carries (by where it was read from: every request with a valid token passed the auth hook); with
 * none, the peer's address (the API is then open on loopback only). Never an address a header
 * names: behind a proxy anyone could name any address (SECURITY.md, "the HTTP port's caps").
 */
export function requesterOf(
  authorization: string | undefined,
  peer: string | undefined,
  tokens: readonly ApiToken[],
): Requester {
  const token = tokens.length > 0 ? grantingToken(authorization, tokens) : undefined;
  if (token) return { key: `token ${token.source}`, named: 'this token' };
  return { key: `address ${peer ?? 'unknown'}`, named: 'this client address' };
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** Options of `registerApiAuth`. */
export interface ApiAuthOptions {
  /** `server.metricsAuth`: `/metrics` needs the `read` scope too. */
  readonly metricsAuth?: boolean;
}

/**
 * Puts every `/api/*` route (and `/metrics` with `metricsAuth`) behind the tokens: without a valid
 * bearer token 401, with a token that lacks the scope 403. With no token configured the API stays
 * open (the server then listens on loopback only) and sync answers 503, as the route says;
 * `metricsAuth` without a token is refused at start-up (createServer).
 */
export function registerApiAuth(
  app: FastifyInstance,
  tokens: readonly ApiToken[],
  options: ApiAuthOptions = {},
): void {
  if (tokens.length === 0) return;
  // The same decision by matched route and by raw path as for /api (see below).
  const guarded = (path: string) => isApiPath(path) || (options.metricsAuth === true && path === '/metrics');
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    // Decide by the route the router matched, not by the raw URL: the router decodes `/%61pi/...`
    // and strips an absolute-form target (`GET http://host/api/...`), which a check of req.url alone
    // would let through to the API unauthenticated. The raw path still covers unmatched /api URLs.
    const path = req.url.split('?')[0] ?? '';
    if (!guarded(req.routeOptions.url ?? '') && !guarded(path)) return;
    const granted = grantedScopes(req.headers.authorization, tokens);
    if (!granted) {
      void reply.header('www-authenticate', 'Bearer');
      // Refused with the connection cut, so a body sent along is never read and dropped (see refuse).
      return refuse(reply, 401, 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
    const scope = scopeFor(req.method);
    if (!granted.includes(scope)) return refuse(reply, 403, `this token lacks the ${scope} scope`);
  });
}

/** The host part of a Host header (lower-cased, port and IPv6 brackets removed). */
function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  const colon = h.indexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, no port.
  return colon !== -1 && h.indexOf(':', colon + 1) === -1 ? h.slice(0, colon) : h;
}

/**
 * With no API token configured the API is open on loopback, so it must answer only requests
 * addressed to this machine: a web page whose DNS name is rebound to 127.0.0.1 would otherwise
 * read `/api/*` from the browser of whoever runs `cairn run`. Every request whose Host is not
 * localhost, a 127.x address, [::1] or `listenHost` (with or without a port) is refused with 421
 * before its body is read. Webhooks (`/hooks/*`) are exempt: each is signed, answers nothing
 * readable, and a tunnel forwarding them to a workstation keeps its public Host.
 */
export function registerLocalHostCheck(app: FastifyInstance, listenHost: string): void {
  const listen = hostOf(listenHost);
  const local = (host: string) => isLoopback(host) || host === listen;
  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (path.startsWith('/hooks/') || (req.routeOptions.url ?? '').startsWith('/hooks/')) return;
    const host = req.headers.host;
    if (host !== undefined && local(hostOf(host))) return;
    return refuse(
      reply,
      421,
      `no API token is configured, so this server answers only requests addressed to localhost, 127.0.0.1 or [::1]; ` +
        `Host ${JSON.stringify(host ?? '')} is refused (use http://127.0.0.1:<port>/, or configure server.apiTokens)`,
    );
  });
}
