import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RepositoryConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import { watchLocalRepository } from '../../../controller/source/local-watcher';
import { startPoller } from '../../../controller/source/poller';
import type { BranchHead } from '../../../controller/source/types';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';

let repo: TestRepo;

beforeAll(() => {
  repo = createTestRepo('poll-watch', { dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' } });
});
afterAll(() => repo?.remove());

const shaOf = (heads: readonly BranchHead[]): string | undefined =>
  heads[0]?.kind === 'revision' ? heads[0].revision.sha : undefined;

it.each([
  ['isomorphic', 'a path', (p: string) => p],
  ['native', 'a file:// URL', (p: string) => pathToFileURL(p).href],
] as const)(
  'with the %s backend and %s, a commit on disk reaches the poller through the watcher, not the interval',
  async (backend: RepositoryConfig['backend'], _how, urlOf) => {
    // Given a poller whose interval is far longer than the test, poked by a watcher on the repository
    const url = urlOf(repo.bare);
    const source = createGitSource(
      { url, backend, pollIntervalMs: 600_000, watch: true },
      { dir: mkdtempSync(join(repo.root, `ws-${backend}-`)), keep: 2, maxFileBytes: 1 << 20 },
      silentLog(),
      {},
    );
    let expected = '';
    const seen = new Promise<number>((resolve) => {
      const poller = startPoller({
        source,
        branches: [{ env: 'dev', branch: 'dev' }],
        intervalMs: 600_000,
        log: silentLog(),
        onHeads: (heads) => {
          if (expected && shaOf(heads) === expected) {
            void Promise.all([watcher.close(), poller.stop()]).then(() => resolve(Date.now() - started));
          }
        },
      });
      const watcher = watchLocalRepository(url, () => poller.poke(), silentLog());
      const started = Date.now();
      // When a branch moves on disk (after chokidar has set its watches)
      setTimeout(() => {
        expected = repo.commit('dev', `watched by ${backend}`, { 'k8s-resources/w.yaml': `b: ${backend}\n` });
      }, 300);
    });
    // Then the new head arrives within seconds, long before the 10-minute poll
    await expect(seen).resolves.toBeLessThan(10_000);
    await source.close();
  },
);
