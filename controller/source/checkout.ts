import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { CairnError } from '../model/errors';
import { checkedSha } from '../model';
import { removeLeftovers } from '../model/private-folder';
import { readRegularFile } from '../model/regular-file';
import { BlobTooLargeError, type TreeFile } from './git-reader';

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

/**
 * Refuses a tree whose paths alias each other, before anything is written: a path given twice, a
 * path below another file's (a folder of the same name as a file or link, which a crafted tree
 * object can hold beside it), and a component that is empty, `.` or `..` (git's own checkout
 * refuses these too). Found in review: with a link `c` and a folder `c` in one tree, the files of
 * folder `c` were written through the link, wherever it pointed, before the check of where links
 * lead refused the commit, so a push or a pull request wrote files outside the checkout. With
 * every path distinct and no file's path a folder of another, no write goes through a link.
 */
function checkPathsDistinct(files: readonly TreeFile[]): void {
  const paths = new Set<string>();
  const refuse = (path: string, why: string) =>
    new CairnError(why, {
      code: 'source.path',
      phase: 'fetch',
      subject: path,
      hint: 'the commit holds a tree git itself would not check out; rewrite it with git',
    });
  for (const { path } of files) {
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..'))
      throw refuse(path, 'a path component is empty, "." or ".."');
    if (paths.has(path)) throw refuse(path, 'the tree holds this path twice');
    paths.add(path);
  }
  for (const { path } of files) {
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const folder = path.slice(0, end);
      if (paths.has(folder)) throw refuse(folder, 'is both a file (or link) and a folder in the tree');
    }
  }
}

/** The git blob id of some bytes: what `git hash-object` prints. */
export function blobOid(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Where a checkout's bytes come from: the backend's blob reader. */
export type ReadBlobs = (oids: readonly string[]) => Promise<ReadonlyMap<string, Buffer>>;

/**
 * The most files the two folders of one commit may hold. Files cost no bytes in a pack (one empty
 * blob serves them all): an 888 KB repository of 300,000 files took 25 s, 241 MB and 300,000 inodes
 * per kept checkout, so without a count a tiny push exhausts the controller's disk and memory.
 */
export const MAX_CHECKOUT_FILES = 100_000;

/** Limits of one environment's checkouts. */
export interface CheckoutLimits {
  readonly maxFileBytes: number;
  readonly keep: number;
  /** Once aborted, no further batch of files is read: the temporary folder is removed, and it rejects. */
  readonly signal?: AbortSignal;
}

/** A finished checkout: where, and how many files came from git or from the previous checkout. */
export interface CheckoutResult {
  readonly dir: string;
  readonly readFromGit: number;
  readonly reused: number;
}

// Blobs are read in batches so a large checkout never holds every file in memory at once:
// at most this many files, and (when the backend knows sizes) about this many bytes.
const BATCH = 1000;
const BATCH_BYTES = 64 * 1024 * 1024;

// Checkouts are private to the controller's user: another local user must not read what a
// branch holds (nor learn its layout). Files are read-only even to their owner.
const DIR_MODE = 0o700;
const FILE_MODE = 0o400;
const EXEC_MODE = 0o500;

/** Cuts `files` into batches of at most BATCH files and about BATCH_BYTES known bytes. */
function batches(files: readonly TreeFile[]): TreeFile[][] {
  const out: TreeFile[][] = [];
  let current: TreeFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (current.length > 0 && (current.length >= BATCH || bytes + (file.size ?? 0) > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size ?? 0;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The reader's refusal of a blob (named by its id), named after the file it is instead. */
function namedAfterPath(error: unknown, files: readonly TreeFile[]): unknown {
  if (!(error instanceof BlobTooLargeError)) return error;
  const file = files.find((f) => f.oid === error.oid);
  if (file) checkFile({ path: file.path, size: error.size }, undefined, error.maxBytes);
  return error;
}

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
  // The sha names a folder: anything but hex digits (`../x`, `-x`) must not become a path.
  const dir = join(envDir, checkedSha(sha, 'commit'));
  if (existsSync(dir)) return { dir, readFromGit: 0, reused: 0 };
  if (files.length > MAX_CHECKOUT_FILES) {
    throw new CairnError(
      `the commit holds ${files.length} files, over the ${MAX_CHECKOUT_FILES}-file limit of a checkout`,
      {
        code: 'source.too-many-files',
        phase: 'fetch',
        subject: FOLDERS.join(' and '),
        hint: 'keep generated or vendored files (node_modules, build output) out of the repository',
      },
    );
  }
  checkPathsDistinct(files);
  // Refuse a known oversized file before reading anything.
  for (const { path, size } of files) {
    if (size !== undefined) checkFile({ path, size }, undefined, limits.maxFileBytes);
  }
  await mkdir(envDir, { recursive: true, mode: DIR_MODE });
  await chmod(envDir, DIR_MODE); // a folder made by an older cairn was 0755
  // A checkout's temporary folder whose process died before renaming it into place.
  await removeLeftovers(envDir);
  const previous = await newestCheckout(envDir);
  const tmp = join(envDir, `.${sha}.${randomBytes(4).toString('hex')}.tmp`);
  let readFromGit = 0;
  const madeDirs = new Set<string>();
  try {
    await mkdir(tmp, { recursive: true, mode: DIR_MODE });
    for (const batch of batches(files)) {
      limits.signal?.throwIfAborted();
      const reused = await reusable(previous, batch, limits.maxFileBytes);
      const missing = batch.filter((f) => !reused.has(f.path)).map((f) => f.oid);
      const blobs = await readBlobs(missing).catch((error: unknown) => {
        throw namedAfterPath(error, batch);
      });
      readFromGit += missing.length;
      const writes = batch.map((file) => {
        const bytes = reused.get(file.path) ?? blobs.get(file.oid);
        if (!bytes) throw new Error(`blob ${file.oid} of ${file.path} could not be read`);
        return checked(tmp, file, bytes, limits.maxFileBytes);
      });
      await writeAll(writes, madeDirs);
    }
    await checkLinksResolveInside(tmp, files);
    limits.signal?.throwIfAborted();
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  await pruneCheckouts(envDir, limits.keep);
  return { dir, readFromGit, reused: files.length - readFromGit };
}

// The kernel's own limit on links followed in one lookup (MAXSYMLINKS); past it a read fails.
const MAX_LINK_HOPS = 40;

/**
 * Whether the link at `path` (relative to `root`, its folders real) leads somewhere inside `root`
 * when the kernel follows it. Its target alone says too little: after `s -> .`, the text
 * `s/s/../../..` climbs from the real folder at each `..`, so it leaves a checkout it stays in as text.
 */
async function linkStaysInside(root: string, path: string): Promise<boolean> {
  const at = path.split('/');
  let rest = [at.pop()!];
  for (let hops = 0; rest.length > 0;) {
    const part = rest.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at.length === 0) return false;
      at.pop();
      continue;
    }
    const info = await lstat(join(root, ...at, part)).catch(() => undefined);
    // Nothing there: the kernel's lookup stops here, whatever follows.
    if (!info) return true;
    if (!info.isSymbolicLink()) {
      at.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return false;
    const target = await readlink(join(root, ...at, part));
    if (isAbsolute(target)) return false;
    rest = [...target.split('/'), ...rest];
  }
  return true;
}

/** Refuses a checkout with a link that, followed through the other links, resolves outside it. */
async function checkLinksResolveInside(root: string, files: readonly TreeFile[]): Promise<void> {
  for (const file of files) {
    if (file.mode !== '120000' || (await linkStaysInside(root, file.path))) continue;
    throw new CairnError('is a symlink that resolves outside the checkout (through another link)', {
      code: 'source.symlink-escape',
      phase: 'fetch',
      subject: file.path,
      hint: 'symlinks may only point inside the repository',
    });
  }
}

/** One file, checked, ready to be written. */
interface Write {
  readonly out: string;
  readonly bytes: Buffer;
  readonly link: string | undefined;
  readonly mode: number;
}

// What every Git LFS pointer file begins with (git-lfs's spec); a pointer is under 200 bytes.
const LFS_POINTER = Buffer.from('version https://git-lfs.github.com/spec/v1\n');

function checked(tmp: string, file: TreeFile, bytes: Buffer, maxFileBytes: number): Write {
  const link = file.mode === '120000' ? bytes.toString('utf8') : undefined;
  checkFile({ path: file.path, size: bytes.length }, link, maxFileBytes);
  // cairn reads the blobs, not the LFS objects they point at: a pointer would be applied as the
  // manifest or uploaded as the asset (a Lambda's code) it stands for.
  if (link === undefined && bytes.length < 1024 && bytes.subarray(0, LFS_POINTER.length).equals(LFS_POINTER))
    throw new CairnError('is a Git LFS pointer: cairn reads the files in Git, not LFS objects', {
      code: 'source.lfs-pointer',
      phase: 'fetch',
      subject: file.path,
      hint: 'commit the file itself (git lfs untrack it, or keep LFS files out of k8s-resources/ and aws-resources/)',
    });
  const out = join(tmp, file.path);
  if (relative(tmp, out).startsWith('..'))
    throw new CairnError('path leaves the checkout', {
      code: 'source.path',
      phase: 'fetch',
      subject: file.path,
    });
  return { out, bytes, link, mode: file.mode === '100755' ? EXEC_MODE : FILE_MODE };
}

// Small files are written many at a time: one by one, syscalls dominate a large checkout.
const PARALLEL_WRITES = 32;

async function writeAll(writes: readonly Write[], madeDirs: Set<string>): Promise<void> {
  for (const dir of new Set(writes.map((w) => dirname(w.out)))) {
    if (madeDirs.has(dir)) continue;
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
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
        const bytes = await regularFileBytes(join(previous, file.path), maxFileBytes);
        if (bytes && blobOid(bytes) === file.oid) out.set(file.path, bytes);
      }),
    );
  }
  return out;
}

/** The bytes of a regular file no larger than `maxBytes`; undefined for anything else (symlink, FIFO, gone). */
async function regularFileBytes(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const read = await readRegularFile(path, maxBytes).catch(() => undefined);
  return read && 'bytes' in read ? read.bytes : undefined;
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
