import { answersOf, EIGHT_LOOPBACK_ADDRESSES, holdConnections, networkAddress } from '../../helpers/net';
import { rawRequest } from '../../helpers/raw-http';
import { startTestServer, type TestServer } from './test-server';

/**
 * The probes have a listener of their own (server.probePort): connections that fill the main port's
 * caps (8 addresses × 32 silent connections = the 256 total) never fail the liveness or readiness
 * probe, which the kubelet would answer by restarting cairn mid-reconcile.
 */
describe('the probe listener', () => {
  let t: TestServer;
  afterEach(() => t?.server.close());

  it('answers /healthz and /readyz while silent connections hold every slot of the main port', async () => {
    // Given a server with the default caps (256 in all, 32 per address) and a probe listener
    t = await startTestServer({ config: { maxConnectionsPerClient: 32, probePort: 0 } });
    const probeUrl = t.server.probeUrl!;
    expect(new URL(probeUrl).port).not.toBe(new URL(t.server.url).port);
    // When 8 addresses open 32 silent connections each, opening new ones as they are cut
    const flood = holdConnections(Number(new URL(t.server.url).port), EIGHT_LOOPBACK_ADDRESSES, 32);
    try {
      await new Promise((r) => setTimeout(r, 500));
      // (the main port is full: its /healthz gets no answer)
      const main = await fetch(`${t.server.url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status,
        () => 'no answer',
      );
      expect(main).toBe('no answer');
      // Then the probe listener answers every probe at once
      for (let i = 0; i < 5; i += 1) {
        const started = Date.now();
        const health = await fetch(`${probeUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
        const ready = await fetch(`${probeUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
        expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
        expect(Date.now() - started).toBeLessThan(1000);
      }
    } finally {
      flood.release();
    }
  }, 30_000);

  it('answers the kubelet while a job of the pod holds connections from every loopback address', async () => {
    // Given a server as in a pod (every address) with its probe listener, and the machine's own
    // address beyond loopback standing in for the kubelet's (the node probes the pod's IP)
    const node = networkAddress();
    t = await startTestServer({ config: { host: '0.0.0.0', probePort: 0 } });
    const probePort = Number(new URL(t.server.probeUrl!).port);
    // When a job of the sidecar runner (the pod's network namespace: all of 127/8 is its own)
    // opens 8 silent connections from each of 8 loopback addresses, the listener's 64, opening new
    // ones as they are cut
    const flood = holdConnections(probePort, EIGHT_LOOPBACK_ADDRESSES, 8);
    try {
      await new Promise((r) => setTimeout(r, 500));
      // Then every probe of the kubelet is answered at once: loopback is one client, its 8 connections
      expect(await answersOf(`http://${node}:${probePort}/healthz`, 5)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      flood.release();
    }
  }, 30_000);

  it('serves only the two probes: no other route, no body, and it says when cairn is not ready', async () => {
    t = await startTestServer({ config: { probePort: 0 } });
    const probeUrl = t.server.probeUrl!;
    for (const path of ['/api/environments', '/metrics', '/', '/hooks/github'])
      expect([path, (await fetch(`${probeUrl}${path}`)).status]).toEqual([path, 404]);
    expect((await fetch(`${probeUrl}/healthz`, { method: 'POST', body: 'x' })).status).toBe(413);
    expect((await fetch(`${probeUrl}/healthz`, { method: 'POST' })).status).toBe(405);
    // A body announced is refused from the headers, and the connection closed at once
    const withBody = await rawRequest(
      probeUrl,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n',
      3000,
    );
    expect([withBody.status, withBody.closedByServer]).toEqual([413, true]);
    expect(withBody.ms).toBeLessThan(1000);
    // A silent connection is cut within seconds (headers timeout 2 s)
    const silent = await rawRequest(probeUrl, '', 6000);
    expect(silent.closedByServer).toBe(true);
    expect(silent.ms).toBeLessThan(4000);
    t.controller.isReady = false;
    const ready = await fetch(`${probeUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([
      503,
      { message: 'not ready: the first fetch is not done', cause: 'first-fetch' },
    ]);
    // the main port answers the probes too, the same way
    expect((await fetch(`${t.server.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${t.server.url}/healthz`)).status).toBe(200);
  }, 20_000);

  it('is off when no probe port is configured (embedded servers), and a taken probe port fails the start-up', async () => {
    t = await startTestServer();
    expect(t.server.probeUrl).toBeUndefined();
    const port = Number(new URL(t.server.url).port);
    await expect(startTestServer({ config: { probePort: port } })).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+ \(the probe listener\)/,
    );
  });
});
