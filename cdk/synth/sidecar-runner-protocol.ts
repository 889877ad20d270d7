import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, sep } from 'node:path';

/**
 * The wire protocol between the controller and `cairn synth-runner`, over a Unix socket: one job
 * per connection, as lines of JSON. The first three lines prove the runner key (runner-auth.ts);
 * every line after them is signed (`{"mac","msg"}`).
 *
 *   controller → runner  {"v":2,"type":"hello",nonce}
 *   runner → controller  {"type":"hello",nonce,proof}            (the runner proves the key)
 *   controller → runner  {"type":"auth",proof}                   (the controller proves it)
 *   runner → controller  {"type":"ready"}                        (signed; its slot is this job's)
 *   controller → runner  {"v":2,"type":"run",command,cwd,env,writable,timeoutMs}   (signed)
 *   runner → controller  {"type":"started"}                      (signed)
 *   runner → controller  {"type":"exit",nonce,code,signal,timedOut,output}   (signed; nonce: the controller's)
 *   controller → runner  {"type":"release"}                      (signed; the output is taken back)
 *   runner → controller  {"type":"released"}                     (signed; its files are gone; next job)
 *   runner → controller  {"type":"error",message}                (refused; the connection ends)
 *
 * The request is sent only after `ready`: while an earlier job's code may run, the runner holds no
 * other job's request. The runner holds its single job slot until `release`, so no other job's
 * code runs between the app's exit and the controller's copy of its output.
 */
export const PROTOCOL_VERSION = 2;

/** The largest request line the runner reads; the context JSON of a big app fits many times over. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** The longest job the runner accepts, whatever the controller asks. */
export const MAX_JOB_TIMEOUT_MS = 60 * 60 * 1000;

/** At most this many writable folders per job (the CDK needs two: output and temp). */
const MAX_WRITABLE = 8;

/**
 * The variables a job may set: what the CDK app (TypeScript or Python), kustomize and helm need
 * and nothing else, so that a controller bug can never hand its own secrets (AWS keys, tokens) to
 * repository code. The render's names are those of controller/kube/render/render-folder.ts.
 */
const ALLOWED_ENV = new RegExp(
  '^(' +
    ['PATH', 'LANG', 'LC_[A-Z]+', 'HOME', 'TMPDIR', 'NODE_PATH', 'CDK_[A-Z0-9_]+'].join('|') +
    '|PYTHON(PATH|NOUSERSITE|DONTWRITEBYTECODE|UNBUFFERED)|JSII_RUNTIME_PACKAGE_CACHE' +
    '|BIN|SRC|OUT|LOAD_RESTRICTOR|RELEASE|NAMESPACE|ENV_VALUES' +
    ')$',
);

/** One job as the controller sends it. */
export interface RunRequest {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'run';
  /** Run with `sh -c`. */
  readonly command: string;
  /** A folder under the runner's work root. */
  readonly cwd: string;
  /** The job's whole environment (allowlisted names); the runner adds nothing of its own. */
  readonly env: Readonly<Record<string, string>>;
  /** Folders under the work root the job writes; the runner empties them at release. */
  readonly writable: readonly string[];
  readonly timeoutMs: number;
}

/** The controller's first line: a fresh nonce the runner's proof must cover. */
export interface HelloRequest {
  readonly v: typeof PROTOCOL_VERSION;
  readonly type: 'hello';
  readonly nonce: string;
}

/** The runner's answer to a hello: its own nonce and its proof of the key over both. */
export interface HelloAnswer {
  readonly type: 'hello';
  readonly nonce: string;
  readonly proof: string;
}

/** The controller's proof of the key, after the runner's. */
export interface AuthMessage {
  readonly type: 'auth';
  readonly proof: string;
}

/** A line the controller sends after the job exited. */
export interface ReleaseMessage {
  readonly type: 'release';
}

/** What the runner sends. */
export type RunnerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'started' }
  | {
      readonly type: 'exit';
      /** The controller's nonce of this connection, returned. */
      readonly nonce: string;
      readonly code: number | null;
      readonly signal: string | null;
      readonly timedOut: boolean;
      /** The raw tail of what the job printed (the controller masks it). */
      readonly output: string;
    }
  | { readonly type: 'released' }
  | { readonly type: 'error'; readonly message: string };

/** A request the runner refuses, with a message that says why (sent back to the controller). */
export class ProtocolError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is a nonce as runner-auth.ts makes them (128 bits, hex). */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);
}

/** Parses and checks the controller's hello line; throws ProtocolError naming what is wrong. */
export function parseHello(line: string): HelloRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('the request is not JSON (expected one line: {"v":2,"type":"hello",...})');
  }
  if (!isRecord(value)) throw new ProtocolError('the request is not a JSON object');
  if (value.v !== PROTOCOL_VERSION)
    throw new ProtocolError(
      `unsupported protocol version ${JSON.stringify(value.v)} (this runner speaks ${PROTOCOL_VERSION}: run the controller and the runner from one release)`,
    );
  if (value.type !== 'hello')
    throw new ProtocolError(`expected a hello first, not ${JSON.stringify(value.type)}`);
  if (!isNonce(value.nonce)) throw new ProtocolError('"nonce" must be 32 hex digits');
  return { v: PROTOCOL_VERSION, type: 'hello', nonce: value.nonce };
}

/** Parses and checks one request line; throws ProtocolError naming the first thing wrong with it. */
export function parseRequest(line: string): RunRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProtocolError('the request is not JSON (expected one line: {"v":1,"type":"run",...})');
  }
  if (!isRecord(value)) throw new ProtocolError('the request is not a JSON object');
  if (value.v !== PROTOCOL_VERSION)
    throw new ProtocolError(
      `unsupported protocol version ${JSON.stringify(value.v)} (this runner speaks ${PROTOCOL_VERSION})`,
    );
  if (value.type !== 'run') throw new ProtocolError(`unknown request type ${JSON.stringify(value.type)}`);
  const { command, cwd, env, writable, timeoutMs } = value;
  if (typeof command !== 'string' || command.length === 0)
    throw new ProtocolError('"command" must be a non-empty string');
  if (typeof cwd !== 'string' || !isAbsolute(cwd)) throw new ProtocolError('"cwd" must be an absolute path');
  if (!isRecord(env)) throw new ProtocolError('"env" must be an object of strings');
  for (const [name, v] of Object.entries(env)) {
    if (!ALLOWED_ENV.test(name))
      throw new ProtocolError(`environment variable ${JSON.stringify(name)} is not one a synth job may set`);
    if (typeof v !== 'string' || v.includes('\0'))
      throw new ProtocolError(`environment variable ${name} must be a string without NUL`);
  }
  if (!Array.isArray(writable) || writable.length > MAX_WRITABLE)
    throw new ProtocolError(`"writable" must be an array of at most ${MAX_WRITABLE} absolute paths`);
  for (const dir of writable)
    if (typeof dir !== 'string' || !isAbsolute(dir))
      throw new ProtocolError('"writable" must be an array of absolute paths');
  if (
    typeof timeoutMs !== 'number' ||
    !Number.isInteger(timeoutMs) ||
    timeoutMs < 1 ||
    timeoutMs > MAX_JOB_TIMEOUT_MS
  )
    throw new ProtocolError(`"timeoutMs" must be an integer from 1 to ${MAX_JOB_TIMEOUT_MS}`);
  return {
    v: PROTOCOL_VERSION,
    type: 'run',
    command,
    cwd,
    env: env as Record<string, string>,
    writable: writable as string[],
    timeoutMs,
  };
}

/**
 * The real path of `path` when it is a folder strictly inside `root` once every symlink of both
 * is resolved (so a link inside the work root pointing out of it is refused); throws ProtocolError.
 */
export function folderUnder(root: string, path: string, what: string): string {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    throw new ProtocolError(`the runner's work root ${root} does not exist (is the shared volume mounted?)`);
  }
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    throw new ProtocolError(
      `${what} ${path} cannot be resolved: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if (!real.startsWith(realRoot + sep))
    throw new ProtocolError(`${what} ${path} is outside the runner's work root ${root}`);
  if (!statSync(real).isDirectory()) throw new ProtocolError(`${what} ${path} is not a folder`);
  return real;
}

/**
 * Splits a byte stream into lines of at most `maxBytes`; calls `onLine` for each and `onOversize`
 * once when a line grows past the cap (nothing more is read after that).
 */
export function lineReader(
  maxBytes: number,
  onLine: (line: string) => void,
  onOversize: () => void,
): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let size = 0;
  let over = false;
  return (chunk) => {
    if (over) return;
    let rest = chunk;
    for (let nl = rest.indexOf(10); nl !== -1; nl = rest.indexOf(10)) {
      if (size + nl > maxBytes) break;
      pending.push(rest.subarray(0, nl));
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      size = 0;
      rest = rest.subarray(nl + 1);
      onLine(line);
      if (over) return;
    }
    size += rest.length;
    if (size > maxBytes) {
      over = true;
      pending = [];
      onOversize();
      return;
    }
    if (rest.length > 0) pending.push(rest);
  };
}

/** One message as a line. */
export function encode(
  message: RunRequest | ReleaseMessage | RunnerMessage | HelloRequest | HelloAnswer | AuthMessage,
): string {
  return `${JSON.stringify(message)}\n`;
}
