import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { createKubeLeaseApi } from '../../../controller/shard/kube-lease-api';

/**
 * A double of the API server over real HTTP: it answers Lease writes at once and holds every GET
 * open until released (and answers later ones at once), as a loaded API server does with slow reads.
 */
async function stallingServer(): Promise<{
  url: string;
  held: () => number;
  release(): void;
  close(): Promise<void>;
}> {
  const stalled: ServerResponse[] = [];
  let stalling = true;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && stalling) {
        stalled.push(res);
        return;
      }
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [] }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: object };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...body, metadata: { ...body.metadata, resourceVersion: '2' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    stalling = false;
    for (const res of stalled.splice(0)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [] }));
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    held: () => stalled.length,
    release,
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the Lease client: renewals never wait behind reads', () => {
  it('a renewal is answered while more listings than the read sockets hang on the server', async () => {
    const server = await stallingServer();
    const dir = mkdtempSync(join(tmpdir(), 'cairn-lease-sockets-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "' + server.url + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const api = createKubeLeaseApi({ kubeconfig, context: 'x', namespace: 'ns' }, 'g', silentLog());
    try {
      // More hanging reads than any socket pool the client had before (8, shared with writes).
      const reads = Array.from({ length: 12 }, () => api.list().catch(() => undefined));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.held()).toBeGreaterThan(0);
      const renewed = await Promise.race([
        api.replace({
          metadata: { name: 'cairn-shard-g-0', resourceVersion: '1' },
          spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
        }),
        new Promise<'queued'>((resolve) => setTimeout(() => resolve('queued'), 2_000)),
      ]);
      expect(renewed).toMatchObject({ metadata: { resourceVersion: '2' } });
      server.release();
      await Promise.all(reads);
    } finally {
      api.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
