import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, posix } from 'node:path';
import { CairnError, isCairnError, makeSharedJobFolder, shareTree, type Log } from '../../model';
import { safeOutput } from '../../model/secret-mask';
import { silentLog } from '../../log';
import type { InputTransform, RenderJob, RenderRunner, RenderRunResult } from './types';

/** The most a renderer may write: far more than any real release, and it is all held in memory. */
const MAX_RENDERED_BYTES = 64 * 1024 * 1024;
/**
 * The address space a renderer may use (`ulimit -v`): kustomize and helm hold their whole output in
 * memory (helm needed 0.8 GB for a 54 MB release), and a template loop can ask for any amount; the
 * sandbox has no cgroup of its own.
 */
const MAX_RENDER_MEMORY_BYTES = 3 * 1024 * 1024 * 1024;
/**
 * The limits every render runs under, set by the job's shell before the renderer starts (a process
 * cannot raise them again): files of at most the output cap (`ulimit -f`, in 512-byte blocks in
 * dash and POSIX shells, 1024 in bash, whose cap is then twice as high), so the cap holds while
 * the file is written, not only when cairn reads it (found in review: a chart wrote 157 MB to
 * cairn's temp folder before being refused); and the memory above. A shell that cannot set them
 * fails the render.
 */
const RENDER_LIMITS = `ulimit -f ${MAX_RENDERED_BYTES / 512 + 1} && ulimit -v ${MAX_RENDER_MEMORY_BYTES / 1024}`;

/** The folders of one render, all under a fresh root that is removed afterwards. */
export interface RenderFolders {
  readonly root: string;
  /** The copy of the rendered folder (and nothing else of the checkout). */
  readonly src: string;
  readonly out: string;
  readonly tmp: string;
}

/** One confined render: the program, its arguments as environment, and how it reads its output. */
export interface ConfinedRender {
  /** `k8s-resources/<folder>`, for messages. */
  readonly folder: string;
  /** `<folder> (kustomize)` or `<folder> (helm chart)`: the subject of errors and the rendered objects' file. */
  readonly subject: string;
  /** The absolute path of the renderer's binary on cairn's machine. */
  readonly binary: string;
  /** The shell command; it finds the binary as $BIN, the copy as $SRC and writes $OUT/rendered.yaml. */
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly transform?: InputTransform;
  /** Kills the render when aborted (its caller gave up), as its timeout would. */
  readonly signal?: AbortSignal;
  /** Checks on the copy (after the transform) that refuse what the renderer must not be asked. */
  readonly check: (src: string) => void;
}

/** Finds a program by name on cairn's PATH (or takes the configured path), or says how to get it. */
export function findBinary(name: string, configured: string | undefined, key: string): string {
  if (configured) {
    if (existsSync(configured)) return configured;
    throw renderFailed(
      configured,
      `${key} names ${configured}, which does not exist`,
      `install ${name} there or fix ${key}`,
    );
  }
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(delimiter);
  const found = dirs.map((d) => join(d, name)).find((f) => existsSync(f));
  if (found) return found;
  throw renderFailed(name, `${name} is not on PATH`, `install ${name} or set ${key} in the config`);
}

/** A rendering failure (terminal: the same commit renders the same way). */
export function renderFailed(subject: string, message: string, hint: string): CairnError {
  return new CairnError(message, { code: 'kube.render-failed', phase: 'plan', subject, hint });
}

/**
 * Runs a renderer on a copy of one folder under the synth isolation and returns what it wrote.
 * The copy is the folder only (so `../` and absolute paths find nothing of the checkout, the
 * controller or the host), the job has no network under bubblewrap, and when cairn runs as root
 * it runs as the runner's user, which cannot read cairn's cache: it runs the process's copy of the
 * binary (`sharedBinary`). For the sidecar runner the folders are made on the volume it shares,
 * open to the pod's group only, beside the one copy of the binary there (`volumeBinary`), and an
 * output over the cap is not copied back.
 */
export async function renderConfined(
  workspaceDir: string,
  runner: RenderRunner,
  job: ConfinedRender,
  log?: Log,
): Promise<string> {
  const why = await runner.unavailable();
  if (why)
    throw renderFailed(
      job.subject,
      `cannot render isolated from the controller: ${why}`,
      "install bubblewrap and allow user namespaces (see SECURITY.md's threat model); in a cluster set kubernetes.render.isolation: sidecar; none only where every author is trusted",
    );
  const folders = makeFolders(workspaceDir, job, runner, log);
  try {
    job.check(folders.src);
    // Every job runs one copy of the binary: in a folder of cairn's own on this machine, or on the
    // volume shared with a runner in another container.
    const bin = runner.workRoot
      ? volumeBinary(runner.workRoot, job.binary, log ?? silentLog())
      : sharedBinary(job.binary);
    if (runner.user) chownTree(folders.root, runner.user);
    // A runner in another container reads the copy through the pod's group only.
    if (folders.gid !== undefined) {
      shareTree(folders.root, folders.gid);
      shareTree(folders.out, folders.gid, true);
      shareTree(folders.tmp, folders.gid, true);
    }
    const result = await runOn(runner, job.subject, {
      command: `${RENDER_LIMITS} && ${job.command}`,
      cwd: folders.src,
      env: {
        PATH: '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        HOME: folders.tmp,
        TMPDIR: folders.tmp,
        BIN: bin,
        SRC: folders.src,
        OUT: folders.out,
        ...job.env,
      },
      readOnly: [folders.src, dirname(bin)],
      writable: [folders.out, folders.tmp],
      output: folders.out,
      maxOutputBytes: MAX_RENDERED_BYTES,
      timeoutMs: job.timeoutMs,
      ...(job.signal ? { signal: job.signal } : {}),
    });
    // The job is gone: what it wrote becomes cairn's before cairn reads it.
    if (runner.user) chownTree(folders.root, { uid: process.getuid!(), gid: process.getgid!() });
    // A Go renderer out of memory prints the reason first and then pages of goroutine stacks.
    if (result.code !== 0 && /^fatal error: out of memory$/m.test(result.output))
      throw renderFailed(
        job.subject,
        `rendering ran out of the ${MAX_RENDER_MEMORY_BYTES}-byte memory limit`,
        'split the folder into smaller ones, or look for a template loop',
      );
    if (result.timedOut || result.code !== 0) {
      const how = result.timedOut
        ? `did not finish within ${Math.round(job.timeoutMs / 1000)}s`
        : `exited with ${result.code === null ? `signal ${String(result.signal)}` : `code ${result.code}`}`;
      // The copy's path means nothing to the reader: show the folder instead.
      const output = safeOutput(result.output).split(folders.src).join(job.folder);
      throw renderFailed(
        job.subject,
        `rendering ${how}:\n${output}`,
        'render the folder locally to reproduce',
      );
    }
    return readRendered(folders.out, job.subject);
  } finally {
    try {
      rmSync(folders.root, { recursive: true, force: true });
    } catch {
      // A sidecar's files not yet emptied (it clears a job's folders after release, or after
      // its release timeout): they must not hide the render's own outcome.
    }
  }
}

/** This process's copies of renderer binaries: by binaryKey (local), or by volume and binaryKey. */
const copies = new Map<string, string>();
let sharedFolder: string | undefined;

/**
 * What names one version of a binary: a hash of its path, size, change time and inode, so an
 * upgraded binary at the same path gets a copy of its own.
 */
function binaryKey(binary: string): string {
  const found = statSync(binary);
  return createHash('sha256')
    .update([binary, found.size, found.mtimeMs, found.ino].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The renderer binary a runner in another container runs: one copy on the volume they share, in
 * `<workRoot>/synth/cairn-render-bin-<binaryKey>`,
 * open to the pod's group to read and run (0750) and to nobody else to change. Named by the
 * binary, so a restarted cairn finds the copy its last run made instead of leaving one more on
 * the volume; made under a random name and renamed, so a half-made copy is never used. Used again
 * only while it is cairn's as it was left; otherwise this process makes one of its own.
 */
function volumeBinary(workRoot: string, binary: string, log: Log): string {
  const key = binaryKey(binary);
  const known = copies.get(`${workRoot}\0${key}`);
  if (known && [dirname(known), known].every(unchangedOurs)) return known;
  const made = makeSharedJobFolder(workRoot, 'cairn-render-bin-new-', log);
  copyFileSync(binary, join(made.root, basename(binary)));
  chmodSync(join(made.root, basename(binary)), 0o750);
  shareTree(made.root, made.gid);
  const named = join(dirname(made.root), `cairn-render-bin-${key}`);
  let folder = made.root;
  try {
    renameSync(made.root, named);
    folder = named;
  } catch {
    // Already there (an earlier run of cairn made it): used when it is still cairn's alone.
    if ([named, join(named, basename(binary))].every(unchangedOurs)) {
      rmSync(made.root, { recursive: true, force: true });
      folder = named;
    }
  }
  const copy = join(folder, basename(binary));
  copies.set(`${workRoot}\0${key}`, copy);
  return copy;
}

/**
 * The renderer binary a job on this machine runs: copied once per process (and again when the
 * binary changes), not once per render (Helm is 60 MB), into a folder of cairn's own under the
 * temp folder, removed when the process exits. The job's user may run it but not change it: the
 * folders are 0755 and the copy 0555, all cairn's, and the job sees them read-only. It cannot run
 * the original, which may sit where only cairn can reach it (cairn's cache is cairn's alone).
 */
function sharedBinary(binary: string): string {
  const key = binaryKey(binary);
  const known = copies.get(key);
  // The temp folder is shared with every local user: what was made there is used again only while
  // it is still cairn's, as it was left (a cleaner may remove it, and anyone make one of that name).
  if (known && [sharedFolder!, dirname(known), known].every(unchangedOurs)) return known;
  if (!sharedFolder || !unchangedOurs(sharedFolder)) {
    const folder = mkdtempSync(join(tmpdir(), 'cairn-render-bin-'));
    chmodSync(folder, 0o755);
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    sharedFolder = folder;
  }
  // A folder per copy: a newer binary of the same name never replaces one a job may be running.
  const dir = mkdtempSync(join(sharedFolder, 'bin-'));
  chmodSync(dir, 0o755);
  const copy = join(dir, basename(binary));
  copyFileSync(binary, copy);
  chmodSync(copy, 0o555);
  copies.set(key, copy);
  return copy;
}

/** True for a folder or file of cairn's uid that nobody else may write, and not a symlink. */
function unchangedOurs(path: string): boolean {
  const found = lstatSync(path, { throwIfNoEntry: false });
  return (
    found !== undefined &&
    !found.isSymbolicLink() &&
    found.uid === process.getuid?.() &&
    (found.mode & 0o022) === 0
  );
}

/**
 * Runs the job; a runner's own failure (the sidecar unreachable, untrusted or refusing) keeps its
 * code and whether a retry helps, but names the rendered folder and the render's phase.
 */
async function runOn(runner: RenderRunner, subject: string, job: RenderJob): Promise<RenderRunResult> {
  try {
    return await runner.run(job);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    throw new CairnError(error.detail, {
      code: error.code,
      phase: 'plan',
      retryable: error.retryable,
      subject,
      ...(error.hint ? { hint: error.hint } : {}),
      cause: error,
    });
  }
}

/**
 * The render's folders: under a private temp folder, or, for a runner in another container (the
 * sidecar), in a job folder on the volume it shares, prepared as the CDK synth's are.
 */
function makeFolders(
  workspaceDir: string,
  job: ConfinedRender,
  runner: RenderRunner,
  log: Log | undefined,
): RenderFolders & { readonly gid?: number } {
  const shared = runner.workRoot
    ? makeSharedJobFolder(runner.workRoot, 'cairn-render-', log ?? silentLog())
    : undefined;
  const root = shared?.root ?? mkdtempSync(join(tmpdir(), 'cairn-render-'));
  chmodSync(root, 0o700);
  const src = join(root, 'src');
  const out = join(root, 'out');
  const tmp = join(root, 'tmp');
  cpSync(join(workspaceDir, job.folder), src, { recursive: true, verbatimSymlinks: true });
  mkdirSync(out, { mode: 0o700 });
  mkdirSync(tmp, { mode: 0o700 });
  if (job.transform) transformTree(src, job.folder, job.transform);
  return { root, src, out, tmp, ...(shared ? { gid: shared.gid } : {}) };
}

/** Applies the input transform to every text file of the copy (symlinks are left as they are). */
function transformTree(dir: string, shown: string, transform: InputTransform): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const file = posix.join(shown, entry.name);
    if (entry.isDirectory()) transformTree(path, file, transform);
    else if (entry.isFile()) {
      const bytes = readFileSync(path);
      if (bytes.includes(0)) continue; // binary (a packaged subchart): not text
      const text = bytes.toString('utf8');
      const next = transform(file, text);
      if (next !== text) writeFileSync(path, next);
    }
  }
}

function chownTree(path: string, user: { readonly uid: number; readonly gid: number }): void {
  lchownSync(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
}

function readRendered(out: string, subject: string): string {
  const file = join(out, 'rendered.yaml');
  const stat = existsSync(file) ? lstatSync(file) : undefined;
  // A symlink planted in the output could make cairn read one of its own files.
  if (!stat?.isFile())
    throw renderFailed(
      subject,
      'the renderer wrote no plain output file',
      'render the folder locally to reproduce',
    );
  if (stat.size > MAX_RENDERED_BYTES)
    throw renderFailed(
      subject,
      `rendered ${stat.size} bytes, over the ${MAX_RENDERED_BYTES}-byte limit`,
      'split the folder into smaller ones',
    );
  return readFileSync(file, 'utf8');
}
