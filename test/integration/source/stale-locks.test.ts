import { existsSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { BranchHead, GitSource } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';

let repo: TestRepo;
let http: GitHttpServer;
beforeAll(async () => {
  repo = createTestRepo('locks', { dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' } });
  http = await serveGitHttp(repo.bare);
});
afterAll(async () => {
  await http?.close();
  repo?.remove();
});

const shaOf = (head: BranchHead | undefined): string =>
  head?.kind === 'revision' ? head.revision.sha : `not a revision: ${JSON.stringify(head)}`;

/** The bare repository the native backend keeps under `dir`, found by its HEAD file. */
function cacheGitdir(dir: string): string {
  const walk = (d: string): string | undefined => {
    if (existsSync(join(d, 'HEAD')) && existsSync(join(d, 'refs'))) return d;
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) {
        const found = walk(join(d, e.name));
        if (found) return found;
      }
    return undefined;
  };
  const found = walk(dir);
  if (!found) throw new Error(`no git cache under ${dir}`);
  return found;
}

/**
 * A git killed mid-fetch (with the controller: an OOM kill, a lost node) leaves its lock file in
 * cairn's cache, and git never removes another process's lock: every later fetch of that branch
 * failed until someone deleted it by hand. The native backend, over `git http-backend`.
 */
describe('the native backend, after a git killed mid-fetch', () => {
  let dir: string;
  let source: GitSource;
  const specs = [{ env: 'dev', branch: 'dev' }];
  beforeAll(() => {
    dir = mkdtempSync(join(repo.root, 'ws-'));
    source = createGitSource(
      { url: http.url, backend: 'native', pollIntervalMs: 1000, watch: false },
      { dir, keep: 2, maxFileBytes: 1 << 20 },
      silentLog(),
      {},
    );
  });
  afterAll(() => source.close());

  it("fetches again past a dead git's stale lock, and leaves a young one (another process's) alone", async () => {
    // given a cache that has fetched dev once
    expect(shaOf((await source.fetch(specs))[0])).toBe(repo.sha('dev'));
    const lock = join(cacheGitdir(dir), 'refs', 'heads', 'dev.lock');

    // when a young lock is there (a fetch of another process under way), the fetch fails and the lock stays
    const moved = repo.commit('dev', 'next', { 'k8s-resources/more.yaml': 'kind: ConfigMap\n' });
    writeFileSync(lock, '');
    const blocked = (await source.fetch(specs))[0];
    expect(blocked?.kind).not.toBe('revision');
    expect(existsSync(lock)).toBe(true);

    // and once it is older than any git cairn runs, the next fetch removes it and gets the new head
    const old = new Date(Date.now() - 3600_000);
    utimesSync(lock, old, old);
    expect(shaOf((await source.fetch(specs))[0])).toBe(moved);
    expect(existsSync(lock)).toBe(false);
  });
});
