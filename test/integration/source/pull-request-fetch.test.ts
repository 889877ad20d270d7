import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RepositoryConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { GitSource, PullRequestHead } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

// A repository like a Git host keeps it: environment branches, and a pull request's head that
// only `refs/pull/5/head` reaches (the head branch itself is gone, as after a fork's push).
let repo: TestRepo;
let http: GitHttpServer;
let prSha: string;
let escapeSha: string;

beforeAll(async () => {
  repo = createTestRepo('pull-fetch', {
    dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\ncolor: blue\n' },
  });
  prSha = repo.commit(
    'feature',
    'green',
    { 'k8s-resources/cm.yaml': 'kind: ConfigMap\ncolor: green\n' },
    'dev',
  );
  runGit(repo.work, 'push', '-q', 'origin', `${prSha}:refs/pull/5/head`);
  // Another pull request's head holds a symlink out of the checkout (git mode 120000).
  runGit(repo.work, 'checkout', '-q', '-b', 'evil', 'dev');
  symlinkSync('../../../../etc/passwd', join(repo.work, 'k8s-resources/link.yaml'));
  runGit(repo.work, 'add', '-A');
  runGit(repo.work, 'commit', '-q', '-m', 'escape');
  escapeSha = runGit(repo.work, 'rev-parse', 'HEAD');
  runGit(repo.work, 'push', '-q', 'origin', `${escapeSha}:refs/pull/7/head`);
  runGit(repo.bare, 'branch', '-q', '-D', 'feature');
  http = await serveGitHttp(repo.bare);
});
afterAll(async () => {
  await http?.close();
  repo?.remove();
});

function sourceFor(url: string, backend: RepositoryConfig['backend']): { source: GitSource; dir: string } {
  const dir = mkdtempSync(join(repo.root, 'ws-'));
  const source = createGitSource(
    { url, backend, pollIntervalMs: 1000, watch: false },
    { dir, keep: 2, maxFileBytes: 1 << 20 },
    silentLog(),
    {},
  );
  return { source, dir };
}

const head = (over: Partial<PullRequestHead> = {}): PullRequestHead => ({
  env: 'dev',
  base: 'dev',
  number: 5,
  ref: 'refs/pull/5/head',
  sha: prSha,
  ...over,
});

describe.each(['isomorphic', 'native'] as const)('fetching a pull request head, %s backend', (backend) => {
  it.each([
    ['a path', () => repo.bare],
    ['git http-backend', () => http.url],
  ])('over %s: checks out the head apart and leaves the environment branch as it was', async (_via, url) => {
    const { source, dir } = sourceFor(url(), backend);
    const [before] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
    // when the pull request's head is fetched from its ref
    const revision = await source.fetchPullRequest!(head());
    // then it is a revision of that sha for dev, marked as the pull request's
    expect(revision).toMatchObject({
      env: 'dev',
      branch: 'dev',
      sha: prSha,
      pullRequest: 5,
      forcePushed: false,
    });
    expect(revision.trees.k8s).toMatch(/^[0-9a-f]{40}$/);
    const workspace = await source.checkout(revision);
    expect(workspace.dir.startsWith(join(dir, 'pull-requests', 'dev'))).toBe(true);
    expect(readFileSync(join(workspace.dir, 'k8s-resources/cm.yaml'), 'utf8')).toContain('green');
    expect(existsSync(join(dir, 'checkouts', 'dev'))).toBe(false);
    // and the environment's branch is untouched: same head, no move, no force push seen
    const [after] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
    expect(after).toEqual(before);
    expect(after?.kind === 'revision' && after.revision.previousSha).toBeUndefined();
    await source.close();
  });

  it('the checkout of a head refuses a symlink that leaves it, naming the file', async () => {
    const { source } = sourceFor(http.url, backend);
    const revision = await source.fetchPullRequest!(
      head({ number: 7, ref: 'refs/pull/7/head', sha: escapeSha }),
    );
    await expect(source.checkout(revision)).rejects.toMatchObject({
      code: 'source.symlink-escape',
      subject: 'k8s-resources/link.yaml',
    });
    await source.close();
  });

  it('a ref the repository lacks is a clear error naming the pull request', async () => {
    const { source } = sourceFor(http.url, backend);
    await source.fetch([{ env: 'dev', branch: 'dev' }]);
    await expect(
      source.fetchPullRequest!(head({ number: 6, ref: 'refs/pull/6/head' })),
    ).rejects.toMatchObject({
      code: 'source.no-pull-ref',
      subject: 'pull request 6 (refs/pull/6/head)',
    });
    await source.close();
  });

  it('a head sha the ref does not hold is a clear error', async () => {
    const { source } = sourceFor(http.url, backend);
    await expect(source.fetchPullRequest!(head({ sha: 'f'.repeat(40) }))).rejects.toMatchObject({
      code: 'source.pull-head-gone',
      message: expect.stringContaining(`its head is now ${prSha.slice(0, 12)}`),
    });
    await source.close();
  });
});
