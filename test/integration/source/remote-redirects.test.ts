import { mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RepositoryConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';

const TOKEN = 'redirect-test-token';
let repo: TestRepo;
let backend: GitHttpServer;
let front: Server;
let frontUrl: string;
let other: Server;
let otherUrl: string;
/** The Authorization headers the other origin received. */
const otherSaw: string[] = [];

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

beforeAll(async () => {
  repo = createTestRepo('redirects', { dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n' } });
  // The real git http-backend, behind the token.
  backend = await serveGitHttp(repo.bare, { token: TOKEN });
  const backendUrl = new URL(backend.url);
  // Another origin on the same host name (another port): what must never see the token.
  [other, otherUrl] = await listen((req, res) => {
    otherSaw.push(req.headers.authorization ?? '');
    res.writeHead(404).end();
  });
  // The Git host's front: `moved.git` is redirected within the origin (a renamed repository),
  // `elsewhere.git` to the other origin once the client has shown its token; the rest is proxied.
  [front, frontUrl] = await listen((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path.startsWith('/moved.git/')) {
      res.writeHead(302, { location: path.replace('/moved.git/', '/repo.git/') }).end();
      return;
    }
    if (path.startsWith('/elsewhere.git/')) {
      if (!req.headers.authorization) res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      else res.writeHead(302, { location: `${otherUrl}${path}` }).end();
      return;
    }
    const upstream = request(
      {
        host: backendUrl.hostname,
        port: backendUrl.port,
        method: req.method,
        path: path.replace('/moved.git/', '/repo.git/'),
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
});
afterAll(async () => {
  await backend?.close();
  await new Promise((resolve) => front?.close(resolve));
  await new Promise((resolve) => other?.close(resolve));
  repo?.remove();
});

function sourceFor(url: string, backendName: RepositoryConfig['backend']) {
  return createGitSource(
    { url, backend: backendName, pollIntervalMs: 1000, watch: false, auth: { tokenEnv: 'GIT_TOKEN' } },
    { dir: mkdtempSync(join(repo.root, 'ws-')), keep: 2, maxFileBytes: 1 << 20 },
    silentLog(),
    { GIT_TOKEN: TOKEN },
  );
}

describe.each(['isomorphic', 'native'] as const)('the %s backend', (backendName) => {
  it('follows a redirect within the repository origin, with its token', async () => {
    const [head] = await sourceFor(`${frontUrl}/moved.git`, backendName).fetch([
      { env: 'dev', branch: 'dev' },
    ]);
    expect(head).toMatchObject({ kind: 'revision', revision: { sha: repo.sha('dev') } });
  });

  it('never sends the token to another origin a redirect names (another port of the same host)', async () => {
    otherSaw.length = 0;
    const [head] = await sourceFor(`${frontUrl}/elsewhere.git`, backendName).fetch([
      { env: 'dev', branch: 'dev' },
    ]);
    expect(head?.kind).toBe('error');
    expect(otherSaw.length).toBeGreaterThan(0);
    expect(otherSaw.filter((auth) => auth !== '')).toEqual([]);
  });
});
