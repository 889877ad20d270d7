import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { CairnError, maskSecrets, type WriteFence } from '../model';

/** Which host a request goes to and how it authenticates; the token never leaves this module's headers. */
export interface HostHttpOptions {
  readonly host: 'gitea' | 'github' | 'gitlab';
  /** `owner/name` (GitLab: the project's path), for error subjects. */
  readonly repo: string;
  /** Base of every path, e.g. `https://gitea.example/api/v1` (no trailing slash needed). */
  readonly apiUrl: string;
  /** Headers sent on every request (Accept, API version); the Authorization header is added from `token`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The full value of the Authorization header (`token abc`, `Bearer abc`). */
  readonly authorization: string;
  /** The bare token, masked out of every error message. */
  readonly token: string;
  /** Name of the environment variable the token came from, for hints. */
  readonly tokenEnv?: string;
  /** One attempt's limit, connect to last byte (default 10 s). */
  readonly timeoutMs?: number;
  /** Largest response body read (default 4 MiB); a larger one fails the request. */
  readonly maxBodyBytes?: number;
  /** Attempts after the first on 5xx, 429 or a connection error (default 2). */
  readonly retries?: number;
  /** First backoff; doubled per attempt, Retry-After honoured up to `maxBackoffMs` (default 250 ms). */
  readonly backoffMs?: number;
  /** Longest wait between attempts (default 5 s). */
  readonly maxBackoffMs?: number;
  /** The wait between attempts; tests pass one that does not sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A host's answer: status, headers and the parsed JSON body (undefined when empty). */
export interface HostResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What a caller may tell one request. */
export interface RequestOptions {
  /** Statuses the caller handles itself rather than as a failure (GitLab's 400 on a repeated state). */
  readonly accept?: readonly number[];
  /**
   * For a write that must not happen twice (creating a comment or a pull request): called before
   * each retry of an attempt the host may have carried out (a timeout, a dropped connection, a
   * 5xx), to look for what that attempt created. What it finds is answered instead of retrying;
   * undefined lets the retry go ahead.
   */
  readonly findCreated?: () => Promise<HostResponse | undefined>;
  /**
   * A write's fence (see WriteFence), called right before each attempt of a request that is not a
   * read (not GET or HEAD) goes on the wire: after its turn among the requests in flight, and again
   * before each retry. Checked only by the caller before the first attempt, a replica paused or cut
   * off during the backoff after a 5xx, 429 or timeout (seconds) sent the retry over what its
   * successor had posted meanwhile. Its `shard.lost` ends the request at once, never retried.
   */
  readonly fence?: WriteFence;
}

/** Methods that only read: never fenced, whatever the caller passes. */
const READS = new Set(['GET', 'HEAD']);

/** Whether a failed attempt may still have been carried out by the host (it was sent, the answer was lost). */
function mayHaveLanded(failure: CairnError): boolean {
  return (
    failure.code === 'host.timeout' ||
    failure.code === 'host.unreachable' ||
    failure.code === 'host.unavailable'
  );
}

/** Requests in flight at once; the rest wait their turn before their timeout starts. */
const MAX_IN_FLIGHT = 4;

const DEFAULTS = {
  timeoutMs: 10_000,
  maxBodyBytes: 4 * 1024 * 1024,
  retries: 2,
  backoffMs: 250,
  maxBackoffMs: 5_000,
};

/**
 * JSON over HTTP(S) to one Git host's REST API, with the limits every call needs: a timeout per
 * attempt that holds (an AbortSignal cuts the socket, body included), a capped response body, a
 * few retries with backoff on 5xx, 429 and dropped connections, no redirects (a redirect would
 * carry the token elsewhere), and errors that name the host, the repository and the HTTP status
 * but never the token. Connections are kept alive; `close()` ends them.
 */
export class HostHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly settings: typeof DEFAULTS;
  private readonly sleep: (ms: number) => Promise<void>;
  private inFlight = 0;
  private closed = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: HostHttpOptions) {
    this.base = new URL(options.apiUrl.replace(/\/+$/, ''));
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw this.error(`apiUrl ${this.base.origin} is not http(s)`, 'host.invalid-url', false);
    }
    this.settings = {
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      retries: options.retries ?? DEFAULTS.retries,
      backoffMs: options.backoffMs ?? DEFAULTS.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
    };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const agentOptions = { keepAlive: true, maxSockets: MAX_IN_FLIGHT };
    this.agent =
      this.base.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** `path` below the API URL (`/repos/o/r/statuses/sha`), or an absolute URL a host's `Link` header gave. */
  url(path: string): URL {
    if (/^https?:\/\//i.test(path)) {
      const next = new URL(path);
      // A pagination link to another origin or outside the API would send the token there.
      if (next.origin !== this.base.origin || !next.pathname.startsWith(this.base.pathname)) {
        throw this.error(
          `a link to ${next.origin}${next.pathname} leaves the API at ${this.base.href}`,
          'host.invalid-url',
          false,
        );
      }
      return next;
    }
    return new URL(`${this.base.href.replace(/\/+$/, '')}${path}`);
  }

  /** Sends one request (retried on 5xx, 429 and connection errors) and answers its JSON. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<HostResponse> {
    const url = this.url(path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const where = `${method} ${url.pathname}`;
    const fence = READS.has(method.toUpperCase()) ? undefined : options.fence;
    for (let attempt = 0; ; attempt++) {
      let response: HostResponse | undefined;
      let failure: CairnError;
      let fenced: unknown;
      try {
        response = await this.limited(() => {
          try {
            fence?.();
          } catch (error) {
            fenced = error;
            throw error;
          }
          return this.once(method, url, payload);
        });
      } catch (error) {
        // The fence's own failure (shard.lost, retryable for the reconcile) is not the host's: retrying would send the write it stopped.
        if (fenced !== undefined) throw fenced;
        failure =
          error instanceof CairnError
            ? error
            : this.error(`${where}: ${String(error)}`, 'host.unreachable', true);
        if (!failure.retryable || attempt >= this.settings.retries) throw failure;
        await this.sleep(this.backoff(attempt));
        const found = await this.created(failure, options);
        if (found) return found;
        continue;
      }
      if (response.status < 300 || options.accept?.includes(response.status)) return response;
      failure = this.statusError(where, response);
      if (!failure.retryable || attempt >= this.settings.retries) throw failure;
      await this.sleep(this.backoff(attempt, response.headers['retry-after']));
      const found = await this.created(failure, options);
      if (found) return found;
    }
  }

  /** Before retrying a write that must not happen twice: what the failed attempt created, if the host did. */
  private async created(failure: CairnError, options: RequestOptions): Promise<HostResponse | undefined> {
    if (!options.findCreated || !mayHaveLanded(failure)) return undefined;
    return options.findCreated();
  }

  /**
   * Closes the kept-alive connections and any request still running; requests still waiting for a
   * turn, and any made afterwards, fail at once, so nothing keeps the process alive.
   */
  close(): void {
    this.closed = true;
    this.agent.destroy();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * Runs `work` when fewer than MAX_IN_FLIGHT requests are under way. A burst (every environment
   * posting at start-up) queues here rather than in the agent, where the wait would count against
   * each request's timeout.
   */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    // A finishing request hands its slot straight to the next in line, so the count never overshoots.
    if (this.closed) throw this.error('the client is closed', 'host.closed', false);
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    try {
      if (this.closed) throw this.error('the client is closed', 'host.closed', false);
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private backoff(attempt: number, retryAfter?: string | string[]): number {
    const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    const wanted =
      Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : this.settings.backoffMs * 2 ** attempt;
    return Math.min(wanted, this.settings.maxBackoffMs);
  }

  private once(method: string, url: URL, payload: Buffer | undefined): Promise<HostResponse> {
    const { timeoutMs, maxBodyBytes } = this.settings;
    const where = `${method} ${url.pathname}`;
    const signal = AbortSignal.timeout(timeoutMs);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<HostResponse>((resolve, reject) => {
      let settled = false;
      const fail = (error: CairnError) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(error);
      };
      const req = transport.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            'User-Agent': 'cairn',
            Accept: 'application/json',
            ...this.options.headers,
            Authorization: this.options.authorization,
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBodyBytes) {
            res.destroy();
            fail(
              this.error(
                `${where} answered ${declared} bytes, more than the ${maxBodyBytes} read`,
                'host.response-too-large',
                false,
              ),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) {
              res.destroy();
              fail(
                this.error(
                  `${where} answered more than the ${maxBodyBytes} bytes read`,
                  'host.response-too-large',
                  false,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (error) =>
            fail(this.error(`${where}: ${error.message}`, 'host.unreachable', true)),
          );
          res.on('end', () => {
            if (settled) return;
            settled = true;
            signal.removeEventListener('abort', onAbort);
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseJson(text) });
          });
        },
      );
      const onAbort = () =>
        fail(this.error(`${where} did not answer within ${timeoutMs} ms`, 'host.timeout', true));
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => fail(this.error(`${where}: ${error.message}`, 'host.unreachable', true)));
      req.end(payload);
    });
  }

  /** The failure a status outside 2xx means: its code, whether a retry helps, and what to check. */
  statusError(where: string, response: HostResponse): CairnError {
    const { status } = response;
    const retryable = status >= 500 || status === 429;
    const said = hostMessage(response.body);
    const text = `${where} answered HTTP ${status}${said ? `: ${said}` : ''}`;
    const tokenName = this.options.tokenEnv ? `the token in ${this.options.tokenEnv}` : 'the token';
    const hint =
      status === 401
        ? `check ${tokenName}: the host does not accept it`
        : status === 403
          ? `${tokenName} lacks permission: commit statuses, comments and pull requests need write access to ${this.options.repo}`
          : status === 404
            ? `check repository.host.repo (${this.options.repo}) and apiUrl, and that ${tokenName} can see the repository`
            : undefined;
    const code =
      status === 401 || status === 403
        ? 'host.unauthorized'
        : status === 404
          ? 'host.not-found'
          : retryable
            ? 'host.unavailable'
            : 'host.rejected';
    return this.error(text, code, retryable, hint);
  }

  /** A CairnError naming the host and repository; the token is masked out of its text. */
  error(message: string, code: string, retryable: boolean, hint?: string): CairnError {
    const clean = (text: string) =>
      maskSecrets(this.options.token ? text.split(this.options.token).join('[masked]') : text);
    return new CairnError(clean(message), {
      code,
      retryable,
      subject: `${this.options.host} ${this.options.repo}`,
      ...(hint ? { hint: clean(hint) } : {}),
    });
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The host's own words about a failure (`message`, GitHub's `errors`, GitLab's `error`), one line, capped. */
function hostMessage(body: unknown): string {
  let said = '';
  if (typeof body === 'string') said = body;
  else if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const message = record.message ?? record.error;
    said = typeof message === 'string' ? message : message === undefined ? '' : JSON.stringify(message);
    if (Array.isArray(record.errors) && record.errors.length > 0) said += ` ${JSON.stringify(record.errors)}`;
  }
  const line = said.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The URL of the `rel="next"` page in a `Link` header, if any. */
export function nextLink(headers: IncomingHttpHeaders): string | undefined {
  const link = headers.link;
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

/** `text` cut to `max` characters (code points), ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
