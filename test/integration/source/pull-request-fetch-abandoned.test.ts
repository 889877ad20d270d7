import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { GitSource, PullRequestHead } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';
import { listenOnLoopback, type LoopbackServer } from '../../helpers/net';

jest.setTimeout(60_000);

// A pull request's head in a repository served by git http-backend, behind a proxy that lets the
// ref advertisement through and holds every pack transfer (a large or slow one) until released.
let repo: TestRepo;
let http: GitHttpServer;
let proxy: LoopbackServer;
let prSha: string;
const held: { res: ServerResponse; closed: boolean }[] = [];

beforeAll(async () => {
  repo = createTestRepo('pull-abandoned', { dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' } });
  prSha = repo.commit(
    'feature',
    'green',
    { 'k8s-resources/cm.yaml': 'kind: ConfigMap\ncolor: green\n' },
    'dev',
  );
  runGit(repo.work, 'push', '-q', 'origin', `${prSha}:refs/pull/5/head`);
  http = await serveGitHttp(repo.bare);
  const upstream = new URL(http.url);
  proxy = await listenOnLoopback(
    createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST' && req.url?.endsWith('/git-upload-pack')) {
        const entry = { res, closed: false };
        res.on('close', () => (entry.closed = true));
        held.push(entry);
        return;
      }
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(out);
    }),
  );
});
afterAll(async () => {
  await proxy?.close();
  await http?.close();
  repo?.remove();
});

const head = (): PullRequestHead => ({
  env: 'dev',
  base: 'dev',
  number: 5,
  ref: 'refs/pull/5/head',
  sha: prSha,
});

/** Polls `check` every 50 ms until it is true (fails after `ms`, naming `what`). */
async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(['isomorphic', 'native'] as const)(
  'a pull request plan abandoned during its fetch, %s backend',
  (backend) => {
    let source: GitSource;
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(repo.root, 'ws-'));
      source = createGitSource(
        { url: proxy.url + new URL(http.url).pathname, backend, pollIntervalMs: 1000, watch: false },
        { dir, keep: 2, maxFileBytes: 1 << 20 },
        silentLog(),
        {},
      );
    });
    afterEach(async () => {
      held.length = 0;
      await source.close();
    });

    it('stops the fetch at once, closing its transfer, and writes no ref', async () => {
      // Given a fetch of the pull request's head whose pack transfer the remote holds
      const plan = new AbortController();
      const fetching = source.fetchPullRequest!(head(), { signal: plan.signal }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await until('the pack transfer asked for', () => held.length > 0);

      // When the plan is abandoned
      const gaveUp = Date.now();
      plan.abort();

      // Then the fetch fails within a second, as abandoned, and its transfer is closed
      expect(await fetching).toMatchObject({ code: 'source.abandoned', phase: 'fetch' });
      expect(Date.now() - gaveUp).toBeLessThan(1000);
      await until('the transfer closed', () => held.every((h) => h.closed), 1_000);
      // and the cache holds no ref of the pull request
      const refs = join(dir, 'git', backend === 'native' ? 'native.git' : '', 'refs', 'cairn');
      expect(existsSync(refs) ? readdirSync(refs, { recursive: true }) : []).toEqual([]);
    });

    it('checks out nothing once abandoned', async () => {
      // Given a pull request's head fetched (from the repository's path: no transfer to hold)
      const local = createGitSource(
        { url: repo.bare, backend, pollIntervalMs: 1000, watch: false },
        { dir, keep: 2, maxFileBytes: 1 << 20 },
        silentLog(),
        {},
      );
      try {
        const revision = await local.fetchPullRequest!(head());
        // When its plan is abandoned before the checkout, then nothing is read or written
        const plan = new AbortController();
        plan.abort();
        await expect(local.checkout(revision, { signal: plan.signal })).rejects.toBeDefined();
        expect(existsSync(join(dir, 'pull-requests', 'dev', prSha))).toBe(false);
      } finally {
        await local.close();
      }
    });
  },
);
