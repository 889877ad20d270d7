import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import type { AuditEntry } from '../../../controller/model';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { LiveEvents } from '../../../controller/server/live-events';
import { Metrics } from '../../../controller/server/metrics';
import type { RevertPort } from '../../../controller/server/types';
import { CONTROLS_SHOWN } from '../../../controller/server/ui-api-routes';
import { UI_CSP } from '../../../controller/server/ui-routes';
import { buildUi } from '../../../controller/ui/build';
import { ArrayAuditReader, FakeController } from '../../helpers/fake-controller';

const READ = 'web-ui-routes-read';
const SYNC = 'web-ui-routes-sync';

function entry(i: number): AuditEntry {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 1000 - i)).toISOString();
  return {
    id: `entry-${String(i).padStart(4, '0')}`,
    env: 'dev',
    trigger: 'poll',
    fromSha: null,
    toSha: 'a'.repeat(40),
    author: 'Erin',
    message: `change ${i}`,
    committedAt: at,
    startedAt: at,
    finishedAt: at,
    outcome: 'succeeded',
    phases: [],
    changes: [],
  };
}

/**
 * The web UI's routes on a real HTTP server: the page and its files under a strict CSP, the
 * session's scopes per token, the ledger's pages, live events streamed to a read token (and
 * refused without one), and the revert route (sync scope, 501 without a RevertPort).
 */
describe('web UI routes', () => {
  const assets = mkdtempSync(join(tmpdir(), 'cairn-ui-assets-'));
  const live = new LiveEvents();
  const reverts: [string, string, string][] = [];
  const revert: RevertPort = {
    propose: async (env, id, by) => {
      reverts.push([env, id, by]);
      return { sha: 'b'.repeat(40), url: 'https://git.example.com/pr/7' };
    },
  };
  let withPort: RunningServer;
  let withoutPort: RunningServer;
  const controller = new FakeController(
    { dev: 'dev', prod: 'main' },
    new ArrayAuditReader(Array.from({ length: 60 }, (_, i) => entry(i))),
  );

  const start = (ui: Parameters<typeof createServer>[0]['ui']) =>
    createServer({
      controller,
      metrics: new Metrics(),
      log: silentLog(),
      live,
      ...(ui ? { ui } : {}),
      uiAssetsDir: assets,
      config: {
        port: 0,
        host: '127.0.0.1',
        maxBodyBytes: 1024 * 1024,
        headersTimeoutMs: 1_000,
        bodyTimeoutMs: 1_000,
        apiTokens: [
          { env: 'UI_READ', scopes: ['read'] },
          { env: 'UI_SYNC', scopes: ['read', 'sync'] },
        ],
      },
      env: { UI_READ: READ, UI_SYNC: SYNC },
    });

  beforeAll(async () => {
    await buildUi(assets);
    withPort = await start({
      revert,
      commitUrl: 'https://git.example.com/o/r/commit/{sha}',
      // 60 suspends and resumes of dev, oldest first, as the ledger keeps them.
      controls: (env) =>
        env === 'dev'
          ? Array.from({ length: 60 }, (_, i) => ({
              env,
              seq: i + 1,
              action: i % 2 === 0 ? ('suspend' as const) : ('resume' as const),
              at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
              by: 'ana',
              reason: `control ${i + 1}`,
            }))
          : [],
    });
    withoutPort = await start(undefined);
  });

  afterAll(async () => {
    await withPort?.close();
    await withoutPort?.close();
    rmSync(assets, { recursive: true, force: true });
  });

  const get = (server: RunningServer, path: string, token?: string) =>
    fetch(`${server.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const post = (server: RunningServer, path: string, token: string, body: string) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });

  it('serves the page and its files without a token, under a CSP that allows no inline script', async () => {
    const page = await get(withPort, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<script src="/ui/app.js" defer></script>');
    expect(html).not.toMatch(/<script>[^<]/);
    const script = await get(withPort, '/ui/app.js');
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await script.text()).length).toBeGreaterThan(1000);
    expect((await get(withPort, '/ui/constructor')).status).toBe(404);
    expect((await get(withPort, '/ui/..%2Fpackage.json')).status).toBe(404);
  });

  it('says, to anyone, that the UI is not built without saying where cairn is installed', async () => {
    // Found in review: the 503 named the absolute folder of the package to unauthenticated peers.
    const empty = mkdtempSync(join(tmpdir(), 'cairn-no-ui-'));
    const bare = await createServer({
      controller,
      metrics: new Metrics(),
      log: silentLog(),
      uiAssetsDir: empty,
      config: {
        port: 0,
        host: '127.0.0.1',
        maxBodyBytes: 1024 * 1024,
        apiTokens: [{ env: 'UI_READ', scopes: ['read'] }],
      },
      env: { UI_READ: READ },
    });
    try {
      for (const path of ['/', '/ui/app.js']) {
        const answer = await fetch(`${bare.url}${path}`);
        expect(answer.status).toBe(503);
        const { message } = (await answer.json()) as { message: string };
        expect(message).toContain('npm run build');
        expect(message).not.toContain(empty);
      }
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.each([
    ['read', READ, ['read'], false, false],
    ['read+sync', SYNC, ['read', 'sync'], true, true],
  ])(
    'tells a %s token its scopes and what it may press',
    async (_name, token, scopes, canSync, canRevert) => {
      const session = await (await get(withPort, '/api/session', token)).json();
      expect(session).toEqual({
        scopes,
        canSync,
        canRevert,
        commitUrl: 'https://git.example.com/o/r/commit/{sha}',
      });
      expect((await get(withPort, '/api/session')).status).toBe(401);
    },
  );

  it("lists an environment's newest control records first, at most CONTROLS_SHOWN, to a read token", async () => {
    const res = await get(withPort, '/api/environments/dev/controls', READ);
    const { controls } = (await res.json()) as { controls: { seq: number }[] };
    expect(controls.map((c) => c.seq)).toEqual(Array.from({ length: CONTROLS_SHOWN }, (_, i) => 60 - i));
    expect((await get(withPort, '/api/environments/prod/controls', READ)).status).toBe(200);
    expect((await get(withPort, '/api/environments/nope/controls', READ)).status).toBe(404);
    expect((await get(withPort, '/api/environments/dev/controls')).status).toBe(401);
    // Without the source (a server without the ledger's controls): an empty list, not an error.
    await expect((await get(withoutPort, '/api/environments/dev/controls', READ)).json()).resolves.toEqual({
      controls: [],
    });
  });

  it('pages the ledger newest first', async () => {
    const page2 = (await (
      await get(withPort, '/api/environments/dev/audit?limit=25&offset=25', READ)
    ).json()) as AuditEntry[];
    expect(page2.map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => entry(i + 25).id));
    expect((await get(withPort, '/api/environments/dev/audit?offset=-1', READ)).status).toBe(400);
  });

  it('streams reconcile starts and ends to a read token, and refuses a stream without one', async () => {
    expect((await get(withPort, '/api/events')).status).toBe(401);
    const aborter = new AbortController();
    const response = await fetch(`${withPort.url}/api/events`, {
      headers: { authorization: `Bearer ${READ}` },
      signal: aborter.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value, { stream: true });
    };
    await until(': cairn events');
    live.started('dev', 'c'.repeat(40), 'webhook');
    live.finished('dev', 'c'.repeat(40), 'webhook', { outcome: 'succeeded', durationMs: 12, entryId: 'e1' });
    await until('event: finished');
    expect(text).toContain('event: started\ndata: {"type":"started"');
    expect(text).toContain('"entryId":"e1"');
    // Idle, the stream outlives the guard's cut of a silent connection (2 s here): heartbeats keep it.
    await new Promise((r) => setTimeout(r, 2_500));
    live.started('prod', 'd'.repeat(40), 'poll');
    await until('"env":"prod"');
    aborter.abort();
  });

  it('opens a revert through the RevertPort for a sync token only, and says 501 without a port', async () => {
    const body = JSON.stringify({ entry: 'entry-0003' });
    expect((await post(withPort, '/api/environments/dev/revert', READ, body)).status).toBe(403);
    const made = await post(withPort, '/api/environments/dev/revert', SYNC, body);
    expect(made.status).toBe(201);
    expect(await made.json()).toMatchObject({ sha: 'b'.repeat(40), url: 'https://git.example.com/pr/7' });
    expect(reverts).toEqual([['dev', 'entry-0003', 'api token (env UI_SYNC)']]);
    expect((await post(withPort, '/api/environments/dev/revert', SYNC, '{"entry":"<x>"}')).status).toBe(400);
    expect((await post(withPort, '/api/environments/nope/revert', SYNC, body)).status).toBe(404);
    const none = await post(withoutPort, '/api/environments/dev/revert', SYNC, body);
    expect(none.status).toBe(501);
    expect(((await none.json()) as { message: string }).message).toContain('cairn revert');
  });
});
