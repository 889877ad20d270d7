import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { CommitInfo, GitReader, TreeFile } from './git-reader';
import type { HttpAuth } from './isomorphic-reader';

const UNIT = '\u001f';

/** The git binary through simple-git: a local repository read in place, or a mirror cached in `cacheDir`. */
export class NativeReader implements GitReader {
  private readonly gitdir: string;
  private readonly env: Record<string, string>;
  private readonly config: string[];

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
    // The token travels in a header set per command, never in the URL, so git never prints it.
    this.config = auth
      ? [
          `http.extraHeader=Authorization: Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        ]
      : [];
    this.env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      GIT_TERMINAL_PROMPT: '0',
      ...(sshKeyPath
        ? { GIT_SSH_COMMAND: `ssh -i ${sshKeyPath} -o IdentitiesOnly=yes -o BatchMode=yes` }
        : {}),
    };
  }

  private git(cwd?: string): SimpleGit {
    return simpleGit({
      baseDir: cwd ?? this.gitdir,
      config: this.config,
      timeout: { block: 120_000 },
      allowEnvironment: Object.keys(this.env),
    }).env(this.env);
  }

  async update(): Promise<void> {
    if (this.local) return;
    if (!existsSync(join(this.gitdir, 'HEAD'))) {
      mkdirSync(dirname(this.gitdir), { recursive: true });
      await this.git(dirname(this.gitdir)).clone(this.url, this.gitdir, ['--mirror', '--no-tags']);
      return;
    }
    await this.git().raw(['fetch', '--prune', '--no-tags', 'origin', '+refs/heads/*:refs/heads/*']);
  }

  async resolve(branch: string): Promise<string | null> {
    const out = await this.git().raw(['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`]);
    return out.trim() || null;
  }

  async commit(sha: string): Promise<CommitInfo> {
    const out = await this.git().raw(['show', '-s', `--format=%an${UNIT}%ae${UNIT}%cI${UNIT}%B`, sha]);
    const [name = '', email = '', date = '', ...message] = out.split(UNIT);
    return {
      author: { name, email },
      committedAt: new Date(date).toISOString(),
      message: message.join(UNIT).trim(),
    };
  }

  async folderTree(sha: string, folder: string): Promise<string | null> {
    const out = await this.git().raw(['ls-tree', sha, '--', folder]);
    const match = /^040000 tree ([0-9a-f]+)\t/.exec(out);
    return match ? (match[1] as string) : null;
  }

  async isAncestor(ancestor: string, sha: string): Promise<boolean> {
    if (ancestor === sha) return true;
    // simple-git does not reject on an exit code without stderr, so compare the merge base instead.
    const base = await this.git()
      .raw(['merge-base', ancestor, sha])
      .catch(() => '');
    return base.trim() === ancestor;
  }

  async files(sha: string, folder: string): Promise<readonly TreeFile[]> {
    const out = await this.git().raw(['ls-tree', '-r', '-z', '--long', sha, '--', folder]);
    const entries = out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const [meta, path] = line.split('\t') as [string, string];
        const [mode, type, oid, size] = meta.split(/\s+/) as [string, string, string, string];
        return { mode, type, oid, size: Number(size), path };
      })
      .filter((e) => e.type === 'blob');
    const blobs = await this.readBlobs(entries.map((e) => e.oid));
    return entries.map((e) => ({
      path: e.path,
      mode: e.mode,
      size: e.size,
      read: async () => blobs.get(e.oid)!,
    }));
  }

  /** Reads many blobs through one `git cat-file --batch` process. */
  private readBlobs(oids: readonly string[]): Promise<Map<string, Buffer>> {
    const wanted = [...new Set(oids)];
    if (wanted.length === 0) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['--git-dir', this.gitdir, 'cat-file', '--batch'], { env: this.env });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`git cat-file exited ${String(code)}`));
        const all = Buffer.concat(chunks);
        const result = new Map<string, Buffer>();
        let at = 0;
        for (const oid of wanted) {
          const eol = all.indexOf(10, at);
          const size = Number(all.subarray(at, eol).toString().split(' ')[2]);
          result.set(oid, all.subarray(eol + 1, eol + 1 + size));
          at = eol + 1 + size + 1;
        }
        resolve(result);
      });
      child.stdin.end(`${wanted.join('\n')}\n`);
    });
  }
}
