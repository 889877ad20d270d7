import { mkdir, open, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { CairnError } from '../errors';
import type { TreeFile } from './git-reader';

/** The folders of a branch cairn reads; nothing else of the repository is written to disk. */
export const FOLDERS = ['aws-resources', 'k8s-resources'] as const;

/** Refuses a symlink whose target leaves the checkout, and a file over the size cap, naming the path. */
export function checkFile(
  file: { readonly path: string; readonly size: number },
  target: string | undefined,
  maxFileBytes: number,
): void {
  if (file.size > maxFileBytes) {
    throw new CairnError(`is ${file.size} bytes, over the ${maxFileBytes}-byte limit`, {
      code: 'source.file-too-large',
      phase: 'fetch',
      subject: file.path,
      hint: 'keep large files out of the repository, or raise workspaces.maxFileSize',
    });
  }
  if (target !== undefined) {
    const root = resolve('/checkout');
    const pointsTo = resolve(root, dirname(file.path), target);
    if (pointsTo !== root && !pointsTo.startsWith(root + sep)) {
      throw new CairnError(`is a symlink to "${target}", which leaves the checkout`, {
        code: 'source.symlink-escape',
        phase: 'fetch',
        subject: file.path,
        hint: 'symlinks may only point inside the repository',
      });
    }
  }
}

/** The git blob id of some bytes: what `git hash-object` prints. */
export function blobOid(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Where a checkout's bytes come from: the backend's blob reader. */
export type ReadBlobs = (oids: readonly string[]) => Promise<ReadonlyMap<string, Buffer>>;

/** Limits of one environment's checkouts. */
export interface CheckoutLimits {
  readonly maxFileBytes: number;
  readonly keep: number;
}

/** A finished checkout: where, and how many files came from git or from the previous checkout. */
export interface CheckoutResult {
  readonly dir: string;
  readonly readFromGit: number;
  readonly reused: number;
}

// Blobs are read in batches so a large checkout never holds every file in memory at once.
const BATCH = 1000;

/**
 * Writes the files into `<envDir>/<sha>` atomically: into a temporary folder first, renamed into
 * place when complete, so a crash never leaves a half checkout that looks whole. A regular file
 * whose copy in the newest previous checkout still hashes to the same blob id is taken from there
 * instead of git (content-addressed, so a tampered copy is never reused). Keeps the newest `keep`.
 */
export async function writeCheckout(
  envDir: string,
  sha: string,
  files: readonly TreeFile[],
  readBlobs: ReadBlobs,
  limits: CheckoutLimits,
): Promise<CheckoutResult> {
  const dir = join(envDir, sha);
  if (existsSync(dir)) return { dir, readFromGit: 0, reused: 0 };
  // Refuse a known oversized file before reading anything.
  for (const { path, size } of files) {
    if (size !== undefined) checkFile({ path, size }, undefined, limits.maxFileBytes);
  }
  await mkdir(envDir, { recursive: true });
  const previous = await newestCheckout(envDir);
  const tmp = join(envDir, `.${sha}.${randomBytes(4).toString('hex')}.tmp`);
  let readFromGit = 0;
  const madeDirs = new Set<string>();
  try {
    await mkdir(tmp, { recursive: true });
    for (let at = 0; at < files.length; at += BATCH) {
      const batch = files.slice(at, at + BATCH);
      const reused = await reusable(previous, batch, limits.maxFileBytes);
      const missing = batch.filter((f) => !reused.has(f.path)).map((f) => f.oid);
      const blobs = await readBlobs(missing);
      readFromGit += missing.length;
      const writes = batch.map((file) => {
        const bytes = reused.get(file.path) ?? blobs.get(file.oid);
        if (!bytes) throw new Error(`blob ${file.oid} of ${file.path} could not be read`);
        return checked(tmp, file, bytes, limits.maxFileBytes);
      });
      await writeAll(writes, madeDirs);
    }
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  await pruneCheckouts(envDir, limits.keep);
  return { dir, readFromGit, reused: files.length - readFromGit };
}

/** One file, checked, ready to be written. */
interface Write {
  readonly out: string;
  readonly bytes: Buffer;
  readonly link: string | undefined;
  readonly mode: number;
}

function checked(tmp: string, file: TreeFile, bytes: Buffer, maxFileBytes: number): Write {
  const link = file.mode === '120000' ? bytes.toString('utf8') : undefined;
  checkFile({ path: file.path, size: bytes.length }, link, maxFileBytes);
  const out = join(tmp, file.path);
  if (relative(tmp, out).startsWith('..'))
    throw new CairnError('path leaves the checkout', {
      code: 'source.path',
      phase: 'fetch',
      subject: file.path,
    });
  return { out, bytes, link, mode: file.mode === '100755' ? 0o555 : 0o444 };
}

// Small files are written many at a time: one by one, syscalls dominate a large checkout.
const PARALLEL_WRITES = 32;

async function writeAll(writes: readonly Write[], madeDirs: Set<string>): Promise<void> {
  for (const dir of new Set(writes.map((w) => dirname(w.out)))) {
    if (madeDirs.has(dir)) continue;
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  for (let at = 0; at < writes.length; at += PARALLEL_WRITES) {
    await Promise.all(
      writes
        .slice(at, at + PARALLEL_WRITES)
        .map((w) =>
          w.link !== undefined ? symlink(w.link, w.out) : writeFile(w.out, w.bytes, { mode: w.mode }),
        ),
    );
  }
}

/** The regular files of `batch` whose copy in the previous checkout has the same blob id. */
async function reusable(
  previous: string | undefined,
  batch: readonly TreeFile[],
  maxFileBytes: number,
): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (!previous) return out;
  const candidates = batch.filter((f) => f.mode !== '120000');
  for (let at = 0; at < candidates.length; at += PARALLEL_WRITES) {
    await Promise.all(
      candidates.slice(at, at + PARALLEL_WRITES).map(async (file) => {
        const bytes = await readRegularFile(join(previous, file.path), maxFileBytes);
        if (bytes && blobOid(bytes) === file.oid) out.set(file.path, bytes);
      }),
    );
  }
  return out;
}

/** The bytes of a regular file no larger than `maxBytes`; undefined for anything else (symlink, FIFO, gone). */
async function readRegularFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  // O_NOFOLLOW and fstat on the open descriptor: what is checked is what is read.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    return info.isFile() && info.size <= maxBytes ? await handle.readFile() : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

async function newestCheckout(envDir: string): Promise<string | undefined> {
  const dated = await datedCheckouts(envDir);
  return dated[0] ? join(envDir, dated[0].n) : undefined;
}

async function datedCheckouts(envDir: string): Promise<{ n: string; t: number }[]> {
  const names = (await readdir(envDir)).filter((n) => !n.startsWith('.'));
  const dated = await Promise.all(
    names.map(async (n) => ({ n, t: (await stat(join(envDir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  return dated.sort((a, b) => b.t - a.t);
}

async function pruneCheckouts(envDir: string, keep: number): Promise<void> {
  for (const old of (await datedCheckouts(envDir)).slice(keep)) {
    await rm(join(envDir, old.n), { recursive: true, force: true });
  }
}
