import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { checkedRef, checkedSha } from '../model';
import {
  BlobTooLargeError,
  submoduleRefused,
  type CommitInfo,
  type GitReader,
  type TreeFile,
} from './git-reader';
import type { HttpAuth } from './isomorphic-reader';
import { gitEnvironment } from './revert-commit';

const UNIT = '\u001f';

/**
 * How old a lock file in cairn's own cache must be before it is taken as a dead git's: every git
 * cairn runs is stopped after 120 s, and another cairn process (a `cairn plan` beside `cairn run`)
 * may be fetching into the same cache right now.
 */
const STALE_LOCK_MS = 10 * 60 * 1000;

/**
 * Removes the lock files a git killed mid-fetch left in cairn's cache (its process killed with the
 * controller: an OOM kill, a lost node, a restarted container on the same volume). git never
 * removes another process's lock, so one left behind made every later fetch of that branch fail
 * ("cannot lock ref") until someone deleted it by hand. Only ever called on the cache, never on a
 * repository read in place.
 */
function removeStaleLocks(gitdir: string): void {
  const before = Date.now() - STALE_LOCK_MS;
  const visit = (dir: string, depth: number): void => {
    let names: Dirent[];
    try {
      names = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no cache yet
    }
    for (const entry of names) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth > 0 && (dir !== gitdir || entry.name === 'refs'))
        visit(path, depth - 1);
      else if (entry.isFile() && entry.name.endsWith('.lock')) {
        const info = lstatSync(path, { throwIfNoEntry: false });
        if (info && info.mtimeMs < before) rmSync(path, { force: true });
      }
    }
  };
  // The locks at the top (packed-refs, shallow, config, HEAD) and under refs/, whose branch names
  // nest as deep as a ref may.
  visit(gitdir, 64);
}

/** The git binary through simple-git: a local repository read in place, or a mirror cached in `cacheDir`. */
export class NativeReader implements GitReader {
  private readonly gitdir: string;
  private readonly env: Record<string, string>;

  constructor(
    private readonly url: string,
    private readonly local: boolean,
    cacheDir: string,
    auth?: HttpAuth,
    sshKeyPath?: string,
  ) {
    this.gitdir = local
      ? existsSync(join(url, '.git'))
        ? join(url, '.git')
        : url
      : join(cacheDir, 'native.git');
    // The token travels in a header given through the environment (GIT_CONFIG_*, git >= 2.31), never in
    // the URL or on the command line: git never prints it, and `ps` never shows it to other users.
    // No system or global git config, as for a revert: found in review, a credential helper there
    // (cairn's ~/.git-credentials, a cloud's helper) handed git a password cairn never saw, and a
    // host or proxy whose refusal quoted the Basic header had it printed, unmasked, by `git fetch`.
    this.env = gitEnvironment(auth, sshKeyPath);
  }

  private git(cwd?: string): SimpleGit {
    return simpleGit({
      baseDir: cwd ?? this.gitdir,
      timeout: { block: 120_000 },
      allowEnvironment: Object.keys(this.env),
      // Only our own variables are set (the auth header, /dev/null for the global config, the ssh
      // command naming the key); simple-git refuses each unless this says so.
      unsafe: {
        allowUnsafeConfigEnvCount: 'GIT_CONFIG_COUNT' in this.env,
        allowUnsafeConfigPaths: true,
        allowUnsafeSshCommand: 'GIT_SSH_COMMAND' in this.env,
      },
    }).env(this.env);
  }

  /**
   * The bare mirror of the remote, made on first use (init + fetch rather than clone: nothing here
   * needs the remote's HEAD), with the lock files a killed git left behind removed.
   */
  private async openMirror(): Promise<void> {
    removeStaleLocks(this.gitdir);
    if (!existsSync(join(this.gitdir, 'HEAD'))) {
      mkdirSync(dirname(this.gitdir), { recursive: true, mode: 0o700 });
      await this.git(dirname(this.gitdir)).raw(['init', '--bare', '--quiet', this.gitdir]);
    }
  }

  /**
   * A git that talks to the remote, stopped once `signal` is aborted. It runs in a process group of
   * its own, which is interrupted whole (SIGINT: each git removes its lock files): git's HTTP
   * helper (`git-remote-http`) holds the transfer, and interrupting git alone (as simple-git's
   * abort does) left it waiting on a stalled remote. Found in review. Stopped after 120 s without
   * output too, as simple-git stops every other git of the cache.
   */
  private remoteGit(args: readonly string[], signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', [...args], {
        cwd: this.gitdir,
        env: this.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const interrupt = () => {
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          // the group is gone already
        }
      };
      let quiet = setTimeout(interrupt, 120_000);
      const heard = () => {
        clearTimeout(quiet);
        quiet = setTimeout(interrupt, 120_000);
      };
      child.stdout.on('data', (c: Buffer) => (out.push(c), heard()));
      child.stderr.on('data', (c: Buffer) => (err.push(c), heard()));
      signal.addEventListener('abort', interrupt, { once: true });
      const done = () => {
        clearTimeout(quiet);
        signal.removeEventListener('abort', interrupt);
      };
      child.on('error', (error) => (done(), reject(error)));
      child.on('close', (code) => {
        done();
        if (signal.aborted) reject(signal.reason as Error);
        else if (code !== 0)
          reject(new Error(Buffer.concat(err).toString('utf8').trim() || `git exited ${String(code)}`));
        else resolve(Buffer.concat(out).toString('utf8'));
      });
      if (signal.aborted) interrupt();
    });
  }

  /** Fetches `refspecs` from the remote into the mirror, no tags and no FETCH_HEAD. */
  private async fetchRefspecs(refspecs: readonly string[], signal?: AbortSignal): Promise<void> {
    const args = ['fetch', '--no-tags', '--no-write-fetch-head', '--end-of-options', this.url, ...refspecs];
    if (signal) await this.remoteGit(args, signal);
    else await this.git().raw(args);
  }

  async update(branches: readonly string[]): Promise<ReadonlyMap<string, Error>> {
    if (this.local) return new Map();
    await this.openMirror();
    const wanted = [...new Set(branches)].map((b) => checkedRef(b, `branch ${b}`));
    if (wanted.length === 0) return new Map();
    // Which configured branches exist: a refspec naming a missing branch would fail the whole fetch.
    const listed = await this.git().raw([
      'ls-remote',
      '--heads',
      '--end-of-options',
      this.url,
      ...wanted.map((b) => `refs/heads/${b}`),
    ]);
    const present = new Map(
      listed
        .split('\n')
        .map((line) => line.split('\t'))
        .filter((parts): parts is [string, string] => parts.length === 2)
        .map(([oid, ref]) => [ref, oid] as const),
    );
    // Only what moved is fetched: a poll where nothing changed costs the one ls-remote.
    const fetch: string[] = [];
    for (const b of wanted) {
      const remote = present.get(`refs/heads/${b}`);
      if (remote !== undefined && remote !== (await this.resolve(b))) fetch.push(b);
    }
    if (fetch.length > 0) await this.fetchRefspecs(fetch.map((b) => `+refs/heads/${b}:refs/heads/${b}`));
    // A branch gone on the remote is dropped, so resolve() reports it missing.
    for (const branch of wanted.filter((b) => !present.has(`refs/heads/${b}`)))
      await this.git().raw(['update-ref', '-d', '--end-of-options', `refs/heads/${branch}`]);
    return new Map();
  }

  async fetchRef(ref: string, localRef: string, _near: string, signal?: AbortSignal): Promise<string | null> {
    checkedRef(ref, `ref ${ref}`);
    checkedRef(localRef, `ref ${localRef}`);
    const resolve = async (name: string) =>
      // --quiet: a missing ref prints nothing and simple-git then resolves with an empty string.
      (
        await this.git()
          .raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`])
          .catch(() => '')
      ).trim() || null;
    if (this.local) return resolve(ref);
    await this.openMirror();
    const lsRemote = ['ls-remote', '--end-of-options', this.url, ref];
    const listed = signal ? await this.remoteGit(lsRemote, signal) : await this.git().raw(lsRemote);
    if (!listed.split('\n').some((line) => line.split('\t')[1] === ref)) return null;
    await this.fetchRefspecs([`+${ref}:${localRef}`], signal);
    return resolve(localRef);
  }

  async resolve(branch: string): Promise<string | null> {
    checkedRef(branch, `branch ${branch}`);
    const out = await this.git().raw([
      'for-each-ref',
      '--format=%(objectname)',
      '--end-of-options',
      `refs/heads/${branch}`,
    ]);
    return out.trim() || null;
  }

  async commit(sha: string): Promise<CommitInfo> {
    checkedSha(sha, 'commit');
    const out = await this.git().raw([
      'show',
      '-s',
      `--format=%an${UNIT}%ae${UNIT}%cI${UNIT}%B`,
      '--end-of-options',
      sha,
    ]);
    const [name = '', email = '', date = '', ...message] = out.split(UNIT);
    return {
      author: { name, email },
      committedAt: new Date(date).toISOString(),
      message: message.join(UNIT).trim(),
    };
  }

  async rawCommit(sha: string): Promise<Buffer> {
    // Byte for byte (no text decoding): a signature is checked over these exact bytes.
    const all = await this.catFile('--batch', [sha]);
    const eol = all.indexOf(10);
    const [, type, size] = all.subarray(0, eol).toString().split(' ');
    if (type !== 'commit') throw new Error(`object ${sha} is ${type ?? 'missing'}, not a commit`);
    return all.subarray(eol + 1, eol + 1 + Number(size));
  }

  async folderTree(sha: string, folder: string): Promise<string | null> {
    checkedSha(sha, 'commit');
    const out = await this.git().raw(['ls-tree', '--end-of-options', sha, '--', folder]);
    if (out.startsWith('160000 commit ')) throw submoduleRefused(folder);
    const match = /^040000 tree ([0-9a-f]+)\t/.exec(out);
    return match ? (match[1] as string) : null;
  }

  async isAncestor(ancestor: string, sha: string): Promise<boolean> {
    checkedSha(ancestor, 'commit');
    checkedSha(sha, 'commit');
    if (ancestor === sha) return true;
    // simple-git does not reject on an exit code without stderr, so compare the merge base instead.
    const base = await this.git()
      .raw(['merge-base', '--end-of-options', ancestor, sha])
      .catch(() => '');
    return base.trim() === ancestor;
  }

  async files(sha: string, folder: string): Promise<readonly TreeFile[]> {
    checkedSha(sha, 'commit');
    const out = await this.git().raw([
      'ls-tree',
      '-r',
      '-z',
      '--long',
      '--end-of-options',
      sha,
      '--',
      folder,
    ]);
    const entries = out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, path] = line.split('\t') as [string, string];
        const [mode, type, oid, size] = meta.split(/\s+/) as [string, string, string, string];
        if (type === 'commit') throw submoduleRefused(path);
        return { mode, type, oid, size: Number(size), path };
      })
      .filter((e) => e.type === 'blob');
    return entries.map((e) => ({ path: e.path, mode: e.mode, oid: e.oid, size: e.size }));
  }

  /**
   * Reads many blobs through one `git cat-file --batch` process, after one `--batch-check` has
   * given every size: a blob over `maxBytes` is refused before git is asked for its bytes.
   */
  async readBlobs(oids: readonly string[], maxBytes: number): Promise<ReadonlyMap<string, Buffer>> {
    const wanted = [...new Set(oids)];
    if (wanted.length === 0) return new Map();
    const sizes = (await this.catFile('--batch-check', wanted)).toString('utf8').split('\n');
    wanted.forEach((oid, i) => {
      const [, type, size] = (sizes[i] ?? '').split(' ');
      if (type !== 'blob') throw new Error(`object ${oid} is ${type ?? 'missing'}, not a blob`);
      if (Number(size) > maxBytes) throw new BlobTooLargeError(oid, Number(size), maxBytes);
    });
    const all = await this.catFile('--batch', wanted);
    const result = new Map<string, Buffer>();
    let at = 0;
    for (const oid of wanted) {
      const eol = all.indexOf(10, at);
      const header = all.subarray(at, eol).toString();
      if (header.endsWith(' missing')) throw new Error(`object ${oid} is missing`);
      const size = Number(header.split(' ')[2]);
      result.set(oid, all.subarray(eol + 1, eol + 1 + size));
      at = eol + 1 + size + 1;
    }
    return result;
  }

  /** Runs `git cat-file <mode>` over the ids and returns all it printed. */
  private catFile(mode: '--batch' | '--batch-check', oids: readonly string[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['--git-dir', this.gitdir, 'cat-file', mode], {
        env: this.env,
        timeout: 120_000, // a stuck git must not hold a checkout forever
      });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`git cat-file ${mode} exited ${String(code)}`));
        else resolve(Buffer.concat(chunks));
      });
      child.stdin.end(`${oids.join('\n')}\n`);
    });
  }
}
