import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { RepositoryConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { BranchHead, GitSource } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

// A bare repository made with `git init --bare -b main` that holds only environment branches:
// its HEAD names refs/heads/main, which does not exist.
let repo: TestRepo;
let http: GitHttpServer;

beforeAll(async () => {
  repo = createTestRepo(
    'no-head',
    {
      dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' },
      prod: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\nprod: true\n' },
    },
    { head: 'main' },
  );
  http = await serveGitHttp(repo.bare);
});
afterAll(async () => {
  await http?.close();
  repo?.remove();
});

function sourceFor(url: string, backend: RepositoryConfig['backend']): GitSource {
  return createGitSource(
    { url, backend, pollIntervalMs: 1000, watch: false },
    { dir: mkdtempSync(join(repo.root, 'ws-')), keep: 2, maxFileBytes: 1 << 20 },
    silentLog(),
    {},
  );
}

const shaOf = (head: BranchHead | undefined): string =>
  head?.kind === 'revision' ? head.revision.sha : `not a revision: ${JSON.stringify(head)}`;

describe.each(['isomorphic', 'native'] as const)(
  'the %s backend, remote HEAD naming a missing branch',
  (backend) => {
    it('has a dangling HEAD to begin with', () => {
      // given: HEAD says main, and main does not exist
      expect(runGit(repo.bare, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
      expect(runGit(repo.bare, 'branch', '--list', 'main')).toBe('');
    });

    it.each([
      ['a path', () => repo.bare],
      ['git http-backend', () => http.url],
    ])('fetches the environment branches over %s', async (_via, url) => {
      // when only the configured branches are fetched
      const source = sourceFor(url(), backend);
      const specs = [
        { env: 'dev', branch: 'dev' },
        { env: 'prod', branch: 'prod' },
        { env: 'qa', branch: 'qa' },
      ];
      const heads = await source.fetch(specs);
      // then each existing branch resolves, and a missing one is reported as missing, not as a fetch error
      expect(heads.map(shaOf).slice(0, 2)).toEqual([repo.sha('dev'), repo.sha('prod')]);
      expect(heads[2]).toEqual({ kind: 'missing-branch', env: 'qa', branch: 'qa' });
      // and a new commit arrives on the next fetch, and checks out
      const next = repo.commit('dev', 'next', { 'k8s-resources/more.yaml': 'kind: ConfigMap\n' });
      const again = await source.fetch(specs);
      expect(shaOf(again[0])).toBe(next);
      if (again[0]?.kind !== 'revision') throw new Error('no revision');
      const workspace = await source.checkout(again[0].revision);
      expect(workspace.sha).toBe(next);
      await source.close();
    });
  },
);
