import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient } from '../../../controller/kube/kube-client';

// The client builds each request's path from the server URL parsed once: a server with a path of
// its own (a proxy's `/k8s/clusters/<id>`), an IPv6 literal and query values that need escaping
// must reach the server exactly as a URL object would have sent them.
describe('kube client request paths', () => {
  let server: Server;
  let dir: string;
  const seen: { url: string; host: string; method: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          host: req.headers.host ?? '',
          method: req.method ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'cairn-kube-client-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => (seen.length = 0));

  function kubeconfig(serverUrl: string): string {
    const file = join(dir, `kubeconfig-${seen.length}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        'clusters: [{name: k, cluster: {server: "' + serverUrl + '"}}]',
        'contexts: [{name: c, context: {cluster: k, user: u}}]',
        'users: [{name: u, user: {token: t0ken}}]',
      ].join('\n'),
    );
    return file;
  }

  const port = () => (server.address() as AddressInfo).port;

  it('prefixes the server path, keeps the query escaped and sends the body, over IPv6', async () => {
    const client = createKubeClient({
      kubeconfig: kubeconfig(`http://[::1]:${port()}/k8s/clusters/c-1/`),
      concurrency: 2,
    });
    try {
      const res = await client.request({
        method: 'PATCH',
        path: '/api/v1/namespaces/a/configmaps/b',
        query: { fieldManager: 'cairn', labelSelector: 'app in (x, y)&z' },
        body: '{"a":1}',
        contentType: 'application/apply-patch+yaml',
      });
      expect(res).toEqual({ status: 200, body: { ok: true } });
      expect(seen).toEqual([
        {
          url: '/k8s/clusters/c-1/api/v1/namespaces/a/configmaps/b?fieldManager=cairn&labelSelector=app+in+%28x%2C+y%29%26z',
          host: `[::1]:${port()}`,
          method: 'PATCH',
          body: '{"a":1}',
        },
      ]);
    } finally {
      client.close();
    }
  });

  it('sends a path without a query as it is, and names it when the server cannot be reached', async () => {
    const client = createKubeClient({ kubeconfig: kubeconfig(`http://[::1]:${port()}`), concurrency: 2 });
    try {
      await client.request({ method: 'GET', path: '/api/v1' });
      // A name of `..` (which the API server refuses, naming it) is not resolved to its parent
      // collection's path, as a URL object would resolve it.
      await client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/..' });
      expect(seen.map((s) => s.url)).toEqual(['/api/v1', '/api/v1/namespaces/a/configmaps/..']);
    } finally {
      client.close();
    }
    const closed = createKubeClient({ kubeconfig: kubeconfig('http://127.0.0.1:9'), concurrency: 2 });
    try {
      await expect(
        closed.request({ method: 'GET', path: '/api/v1', query: { a: 'b' } }),
      ).rejects.toMatchObject({
        code: 'kube.unreachable',
        subject: 'GET /api/v1',
      });
    } finally {
      closed.close();
    }
  });

  it('names the server, the kubeconfig file and the context when the server cannot be reached', async () => {
    // given an environment's kubeconfig whose server refuses connections (a stopped cluster, a wrong port)
    const file = kubeconfig('http://127.0.0.1:9');
    const closed = createKubeClient({ kubeconfig: file, context: 'c', concurrency: 2 });
    try {
      // then its error says where cairn looked, not just "this kubeconfig"
      await expect(closed.request({ method: 'GET', path: '/api/v1' })).rejects.toMatchObject({
        code: 'kube.unreachable',
        hint: `check that http://127.0.0.1:9 is reachable: it is the server of context c in ${file}`,
      });
    } finally {
      closed.close();
    }
  });
});
