import fs from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpClient } from 'isomorphic-git';
import { isCairnError } from '../model/errors';
import { checkedRef, checkedSha } from '../model';
import { mapLimit } from '../model/map-limit';
import type * as NodeHttp from 'isomorphic-git/http/node';
import {
  BlobTooLargeError,
  submoduleRefused,
  type CommitInfo,
  type GitReader,
  type TreeFile,
} from './git-reader';
import { abortableHttp } from './abortable-http';
import { headlessRemoteHttp } from './headless-remote-http';
import { loadIsomorphicGit } from './load-isomorphic-git';
import { readLooseBlob } from './loose-object';
import { ObjectSizes } from './object-size';
import { originBoundHttp } from './origin-bound-http';
import { guardPackSizes } from './pack-guard';

const git = loadIsomorphicGit();

// Blobs read at once: the reads overlap on the thread pool, well below any limit on open files.
const READ_CONCURRENCY = 8;
// Below this, an object's inflated copy costs the controller little.
const PACK_GUARD_FLOOR = 16 * 1024 * 1024;

/** Credentials for HTTPS, resolved from the environment by the caller. */
export interface HttpAuth {
  readonly username: string;
  readonly password: string;
}

/** isomorphic-git over a local repository read in place, or over a clone cached in `cacheDir`. */
export class IsomorphicReader implements GitReader {
  private readonly gitdir: string;
  private readonly refPrefix: string;
  private readonly cache = {};
  private readonly sizes: ObjectSizes;
  private readonly maxObjectBytes: number;
  private httpClient: HttpClient | undefined;

  constructor(
    private readonly url: string,
    private readonly local: boolean,
    cacheDir: string,
    private readonly auth?: HttpAuth,
    maxObjectBytes = Number.MAX_SAFE_INTEGER,
  ) {
    this.maxObjectBytes = maxObjectBytes;
    if (local) {
      this.gitdir = existsSync(join(url, '.git')) ? join(url, '.git') : url;
      this.refPrefix = 'refs/heads/';
    } else {
      this.gitdir = join(cacheDir, 'isomorphic.git');
      this.refPrefix = 'refs/remotes/origin/';
    }
    this.sizes = new ObjectSizes(this.gitdir);
  }

  /** The HTTP client of fetches, made (and its library loaded) only when a remote is fetched. */
  private get http(): HttpClient {
    if (!this.httpClient) {
      const nodeHttp = (require('isomorphic-git/http/node') as typeof NodeHttp).default;
      // Objects a little over a small cap are let through the pack guard, so that the checkout can
      // refuse them naming the file; only what could hurt the controller's memory stops the fetch.
      this.httpClient = guardPackSizes(
        headlessRemoteHttp(originBoundHttp(nodeHttp)),
        Math.max(this.maxObjectBytes, PACK_GUARD_FLOOR),
      );
    }
    return this.httpClient;
  }

  async update(branches: readonly string[]): Promise<ReadonlyMap<string, Error>> {
    const failures = new Map<string, Error>();
    if (this.local) return failures;
    const remote = await this.remote();
    // Ask which configured branches exist (one round trip), then fetch each of them by name.
    // Nothing here names HEAD, so a remote whose HEAD points at a missing branch fetches fine.
    const listed = await git.listServerRefs({ ...remote, prefix: 'refs/heads/' });
    const present = new Map(listed.map((r) => [r.ref, r.oid]));
    // A branch seen for the first time offers another branch's head as its "have", so that
    // history the environments share is downloaded once, not once per branch.
    let known: string | undefined;
    for (const branch of new Set(branches)) {
      const tracking = `${this.refPrefix}${branch}`;
      if (!present.has(`refs/heads/${branch}`)) {
        // Gone on the remote: forget it, so resolve() reports the branch missing.
        await git.deleteRef({ fs, gitdir: this.gitdir, ref: tracking }).catch(() => undefined);
        continue;
      }
      const local = await this.resolve(branch);
      // Unchanged since the last fetch: a poll costs one round trip, not one per branch.
      if (local === present.get(`refs/heads/${branch}`)) {
        known = tracking;
        continue;
      }
      await git
        .fetch({
          fs,
          ...remote,
          gitdir: this.gitdir,
          remote: 'origin',
          // isomorphic-git offers `ref`'s sha as its one "have": the branch's own tracking ref when
          // there is one, so only new objects come.
          ref: local !== null ? tracking : (known ?? tracking),
          remoteRef: `refs/heads/${branch}`,
          singleBranch: true,
          tags: false,
          cache: this.cache,
        })
        .then(() => (known = tracking))
        // One branch's oversized object must not stop the other environments.
        .catch((error: unknown) => {
          if (!isCairnError(error)) throw error;
          failures.set(branch, error);
        });
    }
    return failures;
  }

  /** The remote's connection options, after making the cache repository if it is not there yet. */
  /** The remote's settings for isomorphic-git; with `signal`, its requests stop once it is aborted. */
  private async remote(
    signal?: AbortSignal,
  ): Promise<{ http: HttpClient; url: string; onAuth?: () => HttpAuth }> {
    const onAuth = this.auth
      ? () => ({ username: this.auth!.username, password: this.auth!.password })
      : undefined;
    // init + fetch rather than clone: clone needs the remote's HEAD to name an existing branch.
    if (!existsSync(join(this.gitdir, 'HEAD'))) {
      await git.init({ fs, gitdir: this.gitdir, bare: true });
      await git.addRemote({ fs, gitdir: this.gitdir, remote: 'origin', url: this.url });
    }
    const http = signal ? abortableHttp(this.http, signal) : this.http;
    return { http, url: this.url, ...(onAuth ? { onAuth } : {}) };
  }

  async fetchRef(ref: string, localRef: string, near: string, signal?: AbortSignal): Promise<string | null> {
    // isomorphic-git takes no argv, but a ref with `..` or a leading `-` is no name cairn should ask for.
    checkedRef(ref, `ref ${ref}`);
    checkedRef(localRef, `ref ${localRef}`);
    checkedRef(near, `branch ${near}`);
    if (this.local) return this.resolveRef(ref);
    const remote = await this.remote(signal);
    const oid = (await git.listServerRefs({ ...remote, prefix: ref })).find((r) => r.ref === ref)?.oid;
    if (!oid) return null;
    // The ref matches none of origin's refspecs (refs/heads/*), so the fetch writes no ref:
    // the objects arrive, and the one ref cairn keeps is written below, apart from every branch.
    await git.fetch({
      fs,
      ...remote,
      gitdir: this.gitdir,
      remote: 'origin',
      // Only read as the "have" offered to the remote; never written.
      ref: `${this.refPrefix}${near}`,
      remoteRef: ref,
      singleBranch: true,
      tags: false,
      cache: this.cache,
    });
    await git.writeRef({ fs, gitdir: this.gitdir, ref: localRef, value: oid, force: true });
    return oid;
  }

  private async resolveRef(ref: string): Promise<string | null> {
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref });
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return null;
      throw error;
    }
  }

  async resolve(branch: string): Promise<string | null> {
    checkedRef(branch, `branch ${branch}`);
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref: `${this.refPrefix}${branch}` });
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return null;
      throw error;
    }
  }

  async commit(sha: string): Promise<CommitInfo> {
    checkedSha(sha, 'commit');
    const { commit } = await git.readCommit({ fs, gitdir: this.gitdir, oid: sha, cache: this.cache });
    return {
      author: { name: commit.author.name, email: commit.author.email },
      committedAt: new Date(commit.committer.timestamp * 1000).toISOString(),
      message: commit.message.trim(),
    };
  }

  async rawCommit(sha: string): Promise<Buffer> {
    const { type, object } = await git.readObject({
      fs,
      gitdir: this.gitdir,
      oid: sha,
      format: 'content',
      cache: this.cache,
    });
    if (type !== 'commit') throw new Error(`object ${sha} is ${type}, not a commit`);
    return Buffer.from(object as Uint8Array);
  }

  async folderTree(sha: string, folder: string): Promise<string | null> {
    checkedSha(sha, 'commit');
    const { tree } = await git.readTree({ fs, gitdir: this.gitdir, oid: sha, cache: this.cache });
    const entry = tree.find((e) => e.path === folder);
    if (entry?.type === 'commit') throw submoduleRefused(folder);
    return entry?.type === 'tree' ? entry.oid : null;
  }

  async isAncestor(ancestor: string, sha: string): Promise<boolean> {
    checkedSha(ancestor, 'commit');
    checkedSha(sha, 'commit');
    if (ancestor === sha) return true;
    return git
      .isDescendent({ fs, gitdir: this.gitdir, oid: sha, ancestor, depth: -1, cache: this.cache })
      .catch(() => false);
  }

  async files(sha: string, folder: string): Promise<readonly TreeFile[]> {
    const root = await this.folderTree(sha, folder);
    if (!root) return [];
    const found: { path: string; mode: string; oid: string }[] = [];
    const walk = async (oid: string, prefix: string): Promise<void> => {
      const { tree } = await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache });
      for (const entry of tree) {
        const path = `${prefix}/${entry.path}`;
        if (entry.type === 'tree') await walk(entry.oid, path);
        else if (entry.type === 'blob') found.push({ path, mode: entry.mode, oid: entry.oid });
        else if (entry.type === 'commit') throw submoduleRefused(path);
      }
    };
    await walk(root, folder);
    // Sizes come from the objects' headers, so a huge blob is refused before it is read.
    const sizes = await this.sizesOf(found.map((f) => f.oid));
    return found.map((f) => ({ ...f, size: sizes.get(f.oid)! }));
  }

  async readBlobs(oids: readonly string[], maxBytes: number): Promise<ReadonlyMap<string, Buffer>> {
    const wanted = [...new Set(oids)];
    // isomorphic-git inflates a blob whole; every size is checked first, from the headers alone.
    const sizes = await this.sizesOf(wanted);
    for (const oid of wanted) {
      const size = sizes.get(oid)!;
      if (size > maxBytes) throw new BlobTooLargeError(oid, size, maxBytes);
    }
    const out = new Map<string, Buffer>();
    // A loose blob is read natively and checked against its id; isomorphic-git reads the packed.
    await mapLimit(wanted, READ_CONCURRENCY, async (oid) => {
      let bytes = await readLooseBlob(this.gitdir, oid, sizes.get(oid)!);
      if (!bytes) {
        const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache });
        bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      }
      out.set(oid, bytes);
    });
    return out;
  }

  private async sizesOf(oids: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const sizes = await this.sizes.sizesOf(oids);
    for (const [oid, size] of sizes)
      if (size === undefined) throw new Error(`object ${oid} is in no loose file and no pack`);
    return sizes as ReadonlyMap<string, number>;
  }
}
