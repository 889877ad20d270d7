import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * How the controller and `cairn synth-runner` prove to each other who they are, for every job.
 *
 * Why a key and not a folder only the runner may write: in the pod, a job runs as the runner's own
 * uid (the runner container holds no capability to change uid), so whatever folder holds the
 * runner's socket, a job can replace the socket in it and listen there; and Node cannot read the
 * peer's uid (no SO_PEERCRED). So the runner makes a 256-bit key at start and writes it beside its
 * socket (0640: its uid and the pod's group, which the controller is in). The key file exists only
 * while no job code is alive: the runner removes it before it starts a job and writes it again
 * after the job's processes are killed and its socket bound again. The controller reads it only
 * while none of its jobs runs on that runner, keeps it, and from then on both sides prove it over
 * fresh nonces (an HMAC) on every connection; every later line is signed. A listener that a job
 * put in the socket's place cannot answer the proof, and, because the controller sends a job's
 * request only after the runner says its slot is free (the earlier job's processes are dead by
 * then), no job ever sees another job's request, even through a relay to the real runner.
 */

/** The key file's name, in the folder of the runner's socket. */
export const KEY_FILE = 'runner.key';

/** The key file of the runner listening on `socket`. */
export function keyFileOf(socket: string): string {
  return join(dirname(socket), KEY_FILE);
}

/** A fresh random nonce (128 bits, hex). */
export function nonce(): string {
  return randomBytes(16).toString('hex');
}

/** A fresh per-start key. */
export function newKey(): Buffer {
  return randomBytes(32);
}

/** Who sent a proof or a signed line: the two directions never share a MAC. */
export type Side = 'runner' | 'controller';

/** The proof of `side` over both nonces of one connection. */
export function proof(key: Buffer, side: Side, controllerNonce: string, runnerNonce: string): string {
  return createHmac('sha256', key)
    .update(`cairn-synth-v2|hello|${side}|${controllerNonce}|${runnerNonce}`)
    .digest('hex');
}

/** Whether `given` equals `expected` (two hex MACs), compared in constant time. */
export function sameMac(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/**
 * One authenticated connection's signing: every line after the handshake is
 * `{"mac":…,"msg":"<the message's JSON>"}`, the MAC over the sender, both nonces, the line's number
 * in its direction and the message text, so a line cannot be forged, replayed, reordered or moved
 * to another connection.
 */
export class SignedChannel {
  private sent = 0;
  private received = 0;

  constructor(
    private readonly key: Buffer,
    private readonly me: Side,
    private readonly controllerNonce: string,
    private readonly runnerNonce: string,
  ) {}

  private mac(side: Side, seq: number, text: string): string {
    return createHmac('sha256', this.key)
      .update(`cairn-synth-v2|line|${side}|${this.controllerNonce}|${this.runnerNonce}|${seq}|`)
      .update(text)
      .digest('hex');
  }

  /** The line that carries `message`, signed. */
  sign(message: object): string {
    const text = JSON.stringify(message);
    return `${JSON.stringify({ mac: this.mac(this.me, this.sent++, text), msg: text })}\n`;
  }

  /** The message a signed line carries, or undefined when its signature is not the peer's. */
  open(line: string): unknown {
    let envelope: unknown;
    try {
      envelope = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (typeof envelope !== 'object' || envelope === null) return undefined;
    const { mac, msg } = envelope as { mac?: unknown; msg?: unknown };
    if (typeof msg !== 'string') return undefined;
    const peer: Side = this.me === 'runner' ? 'controller' : 'runner';
    if (!sameMac(mac, this.mac(peer, this.received, msg))) return undefined;
    this.received++;
    try {
      return JSON.parse(msg) as unknown;
    } catch {
      return undefined;
    }
  }
}

/**
 * Writes the key beside the socket: a fresh file (0640, never through a link: whatever a job left
 * at the name is replaced by rename), flushed before it is named.
 */
export function writeKeyFile(socket: string, key: Buffer): void {
  const file = keyFileOf(socket);
  const tmp = join(dirname(file), `.${basename(file)}.${nonce()}`);
  const fd = openSync(tmp, 'wx', 0o640);
  try {
    writeSync(fd, key.toString('hex'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // A job may have left a folder at the name, which a rename cannot replace.
  rmSync(file, { recursive: true, force: true });
  renameSync(tmp, file);
}

/** Removes the key file: done before any job code runs. */
export function removeKeyFile(socket: string): void {
  rmSync(keyFileOf(socket), { force: true });
}

/**
 * Reads the runner's key, checking on the way that the folder of its socket is one only the runner
 * controls: a real folder (not a link) that no one but its owner may write, holding a socket and a
 * key file of that same owner (not links), the key readable by no one outside the owner's group.
 * Returns the key, or why the endpoint cannot be trusted.
 */
export function readRunnerKey(socket: string): { key: Buffer } | { untrusted: string } | { missing: string } {
  const dir = dirname(socket);
  const file = keyFileOf(socket);
  const why = checkEndpoint(socket);
  if (why) return why.startsWith('missing:') ? { missing: why.slice(8) } : { untrusted: why };
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return { missing: `no key file ${file} (the runner is busy with a job, or not started)` };
  }
  const owner = lstatSync(dir).uid;
  if (!stat.isFile()) return { untrusted: `${file} is not a regular file` };
  if (stat.uid !== owner)
    return { untrusted: `${file} is owned by uid ${stat.uid}, not the folder's owner ${owner}` };
  if (stat.mode & 0o037)
    return { untrusted: `${file} has mode ${(stat.mode & 0o777).toString(8)}, more open than 0640` };
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) return { untrusted: `${file} does not hold a 256-bit hex key` };
  return { key: Buffer.from(text, 'hex') };
}

/**
 * Why the runner's endpoint cannot be trusted (checked before every connect), or undefined: its
 * folder must be a real folder that only its owner may write, and the socket that owner's socket.
 * A reason starting with `missing:` means there is no runner there (yet).
 */
export function checkEndpoint(socket: string): string | undefined {
  const dir = dirname(socket);
  let sockStat;
  try {
    sockStat = lstatSync(socket);
  } catch {
    return `missing:no socket at ${socket}`;
  }
  const dirStat = lstatSync(dir);
  if (dirStat.isSymbolicLink()) return `the runner's folder ${dir} is a symbolic link`;
  if (!dirStat.isDirectory()) return `${dir} is not a folder`;
  if (dirStat.mode & 0o022)
    return `the runner's folder ${dir} has mode ${(dirStat.mode & 0o777).toString(8)}: others may write it (want 0750, a folder of the runner's own)`;
  if (!sockStat.isSocket()) return `${socket} is not a socket`;
  if (sockStat.uid !== dirStat.uid)
    return `${socket} is owned by uid ${sockStat.uid}, not by its folder's owner ${dirStat.uid}`;
  return undefined;
}
