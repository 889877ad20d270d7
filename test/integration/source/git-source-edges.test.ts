import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RepositoryConfig } from '../../../controller/config/types';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import { watchLocalRepository } from '../../../controller/source/local-watcher';
import type { BranchHead, GitSource, Revision } from '../../../controller/source/types';
import { createTestRepo, GIT_IDENTITY, runGit, type TestRepo } from '../../helpers/git-repo';

const backends = ['isomorphic', 'native'] as const;
let repo: TestRepo;

beforeAll(() => {
  repo = createTestRepo('source-edges', {
    dev: { 'aws-resources/cdk.json': '{}', 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' },
    empty: { 'aws-resources/cdk.json': null, 'k8s-resources/cm.yaml': null, 'README.md': 'nothing' },
  });
});
afterAll(() => repo?.remove());

function sourceFor(url: string, backend: RepositoryConfig['backend'], keep = 2): GitSource {
  return createGitSource(
    { url, backend, pollIntervalMs: 1000, watch: false },
    { dir: mkdtempSync(join(repo.root, 'ws-')), keep, maxFileBytes: 1 << 20 },
    silentLog(),
    {},
  );
}

function revisionOf(head: BranchHead | undefined): Revision {
  if (head?.kind !== 'revision') throw new Error(`expected a revision, got ${JSON.stringify(head)}`);
  return head.revision;
}

describe.each(backends)('the %s backend', (backend) => {
  it('reports a branch deleted since the last fetch as missing, and the other environments go on', async () => {
    // given a branch that exists at the first fetch
    const branch = `gone-${backend}`;
    repo.commit(branch, 'short-lived', { 'k8s-resources/x.yaml': 'x: 1\n' }, 'dev');
    const source = sourceFor(repo.bare, backend);
    const specs = [
      { env: 'dev', branch: 'dev' },
      { env: 'gone', branch },
    ];
    expect((await source.fetch(specs)).map((h) => h.kind)).toEqual(['revision', 'revision']);
    // when it is deleted on the remote
    repo.deleteBranch(branch);
    // then the next fetch reports it missing and still brings dev
    const heads = await source.fetch(specs);
    expect(revisionOf(heads[0]).sha).toBe(repo.sha('dev'));
    expect(heads[1]).toEqual({ kind: 'missing-branch', env: 'gone', branch });
  });

  it('reads a file:// URL as the path it names', async () => {
    const heads = await sourceFor(pathToFileURL(repo.bare).href, backend).fetch([
      { env: 'dev', branch: 'dev' },
    ]);
    expect(revisionOf(heads[0]).sha).toBe(repo.sha('dev'));
  });

  it('gives null trees and an empty checkout for a branch without either folder', async () => {
    const source = sourceFor(repo.bare, backend);
    const revision = revisionOf((await source.fetch([{ env: 'e', branch: 'empty' }]))[0]);
    expect(revision.trees).toEqual({ aws: null, k8s: null });
    const workspace = await source.checkout(revision);
    expect(readdirSync(workspace.dir)).toEqual([]);
  });

  it('does not call a revert a force push', async () => {
    const branch = `revert-${backend}`;
    const first = repo.commit(branch, 'add', { 'k8s-resources/r.yaml': 'r: 1\n' }, 'dev');
    const source = sourceFor(repo.bare, backend);
    await source.fetch([{ env: 'r', branch }]);
    const reverted = repo.revert(branch);
    const revision = revisionOf((await source.fetch([{ env: 'r', branch }]))[0]);
    expect(revision).toMatchObject({ sha: reverted, previousSha: first, forcePushed: false });
    expect(revision.author).toEqual(GIT_IDENTITY);
  });

  it('keeps at most `keep` checkouts per environment, removing the oldest', async () => {
    const branch = `keep-${backend}`;
    const source = sourceFor(repo.bare, backend, 2);
    const dirs: string[] = [];
    for (const n of [1, 2, 3]) {
      repo.commit(branch, `c${n}`, { 'k8s-resources/n.yaml': `n: ${n}\n` }, 'dev');
      const revision = revisionOf((await source.fetch([{ env: 'k', branch }]))[0]);
      dirs.push((await source.checkout(revision)).dir);
      await new Promise((r) => setTimeout(r, 20)); // distinct mtimes, so "oldest" is well defined
    }
    expect(dirs.map((d) => existsSync(d))).toEqual([false, true, true]);
  });

  it('names the repository and says it is unreachable when nothing listens at the URL', async () => {
    const source = sourceFor('http://127.0.0.1:9/nothing.git', backend);
    const heads = await source.fetch([
      { env: 'dev', branch: 'dev' },
      { env: 'prod', branch: 'prod' },
    ]);
    expect(heads.map((h) => h.kind)).toEqual(['error', 'error']);
    const error = heads[0]?.kind === 'error' ? heads[0].error : undefined;
    expect(isCairnError(error) && error.code).toBe('source.unreachable');
    expect(error?.message).toMatch(/^repository http:\/\/127\.0\.0\.1:9\/nothing\.git/);
  });

  it.each([
    ['a folder that does not exist', () => join(repo.root, 'no-such-repo'), 'no such folder'],
    [
      'a folder that is not a repository',
      () => mkdtempSync(join(repo.root, 'plain-')),
      'is not a Git repository',
    ],
  ])('says the repository.url is %s, not that every branch is missing', async (_case, path, said) => {
    const url = path();
    const heads = await sourceFor(url, backend).fetch([{ env: 'dev', branch: 'dev' }]);
    expect(heads.map((h) => h.kind)).toEqual(['error']);
    const error = heads[0]?.kind === 'error' ? heads[0].error : undefined;
    expect(isCairnError(error) && [error.code, error.subject]).toEqual([
      'source.not-a-repository',
      `repository ${url}`,
    ]);
    expect(error?.message).toContain(said);
  });

  it('reports a corrupt repository (a missing commit object) as an error for that environment', async () => {
    // given a repository of its own whose head commit object was deleted
    const broken = createTestRepo(`corrupt-${backend}`, { dev: { 'k8s-resources/a.yaml': 'a: 1\n' } });
    const branch = 'to-corrupt';
    const sha = broken.commit(branch, 'to corrupt', { 'k8s-resources/c.yaml': 'c: 1\n' }, 'dev');
    const object = join(broken.bare, 'objects', sha.slice(0, 2), sha.slice(2));
    expect(existsSync(object)).toBe(true); // small pushes arrive as loose objects
    rmSync(object);
    // when it is fetched, then that environment is an error naming it and the others go on
    const heads = await sourceFor(broken.bare, backend).fetch([
      { env: 'dev', branch: 'dev' },
      { env: 'broken', branch },
    ]);
    expect(heads[0]?.kind).toBe('revision');
    expect(heads[1]).toMatchObject({ kind: 'error', env: 'broken' });
    const error = heads[1]?.kind === 'error' ? heads[1].error : undefined;
    expect(isCairnError(error) && error.code).toBe('source.corrupt');
    expect(error?.message).toContain('environment broken');
    broken.remove();
  });

  it('refuses a tree holding a link and a folder of one name before it writes anything through the link', async () => {
    // given a crafted tree (git fsck would refuse it; a push and git's readers take it) with a
    // link `b -> .`, a link `c` whose text stays in the checkout but, through `b`, climbs to the
    // folder above the workspaces folder, and a folder `c` whose file comes in a later batch
    const branch = `aliased-${backend}`;
    const commit = aliasedTreeCommit(repo.bare, 'b/b/b/b/../../../../..', 'pwned.txt');
    runGit(repo.bare, 'update-ref', `refs/heads/${branch}`, commit);
    const source = sourceFor(repo.bare, backend);
    const [head] = await source.fetch([{ env: branch, branch }]);
    // when it is checked out, then it is refused naming the path, and nothing lands outside
    const failure = await source.checkout(revisionOf(head)).catch((error: unknown) => error);
    expect(existsSync(join(repo.root, 'pwned.txt'))).toBe(false);
    expect(isCairnError(failure) && failure.code).toBe('source.path');
    expect((failure as Error).message).toMatch(/^k8s-resources\/c: is both a file \(or link\) and a folder/);
  });

  it.each([
    ['inside k8s-resources/', 'k8s-resources/vendored'],
    ['as aws-resources/ itself', 'aws-resources'],
  ])('refuses a submodule %s naming it, and the other environments go on', async (_, path) => {
    // given a branch whose tree holds a gitlink (`git submodule add`) where cairn reads files
    const branch = `submodule-${backend}-${path.replace(/\W/g, '-')}`;
    repo.commit(branch, 'base', { 'k8s-resources/own.yaml': 'kind: ConfigMap\n' }, 'dev');
    repo.commitSubmodule(branch, path, repo.sha('dev'));
    // when it is fetched and checked out
    const source = sourceFor(repo.bare, backend);
    const heads = await source.fetch([
      { env: 'dev', branch: 'dev' },
      { env: 'sub', branch },
    ]);
    const failure =
      heads[1]?.kind === 'error'
        ? heads[1].error
        : await source.checkout(revisionOf(heads[1])).catch((error: unknown) => error);
    // then it is refused naming the submodule's path, never applied without its files
    expect(isCairnError(failure) && failure.code).toBe('source.submodule');
    expect((failure as Error).message).toBe(
      `${path}: is a Git submodule: cairn reads only the branch's own files, not submodules. ` +
        'commit those files into the branch itself (git rm the submodule, then add its files)',
    );
    expect(heads[0]?.kind).toBe('revision');
  });

  it('refuses a Git LFS pointer where cairn reads files, naming it, rather than apply or upload the pointer', async () => {
    // given a branch whose CDK app keeps a Lambda's code in Git LFS (the pointer is what Git holds)
    const branch = `lfs-${backend}`;
    const pointer =
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';
    repo.commit(branch, 'lfs', { 'aws-resources/lambda/code.zip': pointer }, 'dev');
    const source = sourceFor(repo.bare, backend);
    const [head] = await source.fetch([{ env: branch, branch }]);
    // when it is checked out, then it is refused naming the file
    const failure = await source.checkout(revisionOf(head)).catch((error: unknown) => error);
    expect(isCairnError(failure) && failure.code).toBe('source.lfs-pointer');
    expect((failure as Error).message).toMatch(/^aws-resources\/lambda\/code\.zip: is a Git LFS pointer/);
  });
});

/** Writes an object as given, unchecked (what a hostile push carries); returns its id. */
function rawObject(bare: string, type: 'blob' | 'tree', bytes: Buffer): string {
  return execFileSync('git', ['hash-object', '-w', '--literally', '-t', type, '--stdin'], {
    cwd: bare,
    input: bytes,
  })
    .toString()
    .trim();
}

function treeEntry(mode: string, name: string, oid: string): Buffer {
  return Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]);
}

/**
 * A commit whose `k8s-resources` holds 998 empty files, a link `b -> .`, a link `c -> <target>`
 * and a folder `c` holding `<file>`: the links end the first batch of a checkout's writes, the
 * folder's file is in the second.
 */
function aliasedTreeCommit(bare: string, target: string, file: string): string {
  const empty = rawObject(bare, 'blob', Buffer.alloc(0));
  const entries = Array.from({ length: 998 }, (_, i) =>
    treeEntry('100644', `a${String(i).padStart(4, '0')}`, empty),
  );
  const folder = rawObject(
    bare,
    'tree',
    treeEntry('100644', file, rawObject(bare, 'blob', Buffer.from('x\n'))),
  );
  entries.push(
    treeEntry('120000', 'b', rawObject(bare, 'blob', Buffer.from('.'))),
    treeEntry('120000', 'c', rawObject(bare, 'blob', Buffer.from(target))),
    treeEntry('40000', 'c', folder),
  );
  const k8s = rawObject(bare, 'tree', Buffer.concat(entries));
  const top = rawObject(bare, 'tree', treeEntry('40000', 'k8s-resources', k8s));
  return runGit(bare, 'commit-tree', top, '-m', 'aliased paths');
}

it('the local watcher calls back at once when a branch of a repository on disk moves', async () => {
  const changed = new Promise<number>((resolve) => {
    const started = Date.now();
    const watcher = watchLocalRepository(
      repo.bare,
      () => void watcher.close().then(() => resolve(Date.now() - started)),
      silentLog(),
    );
    // chokidar needs a moment to set its watches before the ref moves
    setTimeout(() => repo.commit('dev', 'watched', { 'k8s-resources/w.yaml': 'w: 1\n' }), 300);
  });
  await expect(changed).resolves.toBeLessThan(5000);
});

it('the native backend runs ssh with repository.auth.sshKeyPath (simple-git refused GIT_SSH_COMMAND)', async () => {
  // given an SSH URL nothing listens at, and a key path
  const key = join(repo.root, 'missing-key');
  const source = createGitSource(
    {
      url: 'ssh://git@127.0.0.1:9/nothing.git',
      backend: 'native',
      pollIntervalMs: 1000,
      watch: false,
      auth: { sshKeyPath: key },
    },
    { dir: mkdtempSync(join(repo.root, 'ws-')), keep: 2, maxFileBytes: 1 << 20 },
    silentLog(),
    {},
  );
  // when it fetches
  const [head] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
  // then ssh itself ran, with the key, and failed to connect
  const error = head?.kind === 'error' ? head.error : undefined;
  expect(error?.message).toContain(`Identity file ${key} not accessible`);
  expect(error?.message).not.toContain('not permitted');
});
