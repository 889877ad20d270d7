import { randomBytes, randomUUID } from 'node:crypto';
import { silentLog } from '../../../controller/log';
import type { SyncAnswer } from '../../../controller/reconcile/handed-requests';
import type { EnvironmentPlan } from '../../../controller/reconcile/plan-environment';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import {
  HANDOFF_PATH,
  HANDOFF_SIGNATURE,
  loadHandoffKey,
  signHandoff,
} from '../../../controller/server/shard-handoff';
import { REQUEST_PATH, RESULT_PATH } from '../../../controller/server/shard-requests';
import { FakeController } from '../../helpers/fake-controller';
import { rawRequest } from '../../helpers/raw-http';

const KEY = loadHandoffKey({ handoffKeyEnv: 'K' }, undefined, { K: randomBytes(32).toString('base64') });

/** A holder's controller: holds `dev`, and answers a sync once `finish` is called. */
class HolderController extends FakeController {
  readonly shardIdentity = 'replica-a';
  syncs = 0;
  finish: (answer: SyncAnswer) => void = () => undefined;
  constructor() {
    super({ dev: 'dev', prod: 'main' });
  }
  holds(env: string): boolean {
    return env === 'dev';
  }
  syncNow(): Promise<SyncAnswer> {
    this.syncs += 1;
    return new Promise((resolve) => (this.finish = resolve));
  }
  async planNow(env: string): Promise<EnvironmentPlan> {
    return { env, sha: 'a'.repeat(40), aws: null, kubernetes: null };
  }
}

/**
 * The routes a sharded `cairn sync` / `cairn plan` hands its request to (issue 24), on a real
 * HTTP server: only a body signed with the handoff key, fresh and seen once, is taken; an
 * environment the replica does not hold is answered 409; the result is collected by ticket.
 */
describe('handed-over sync and plan requests (real HTTP server)', () => {
  const controller = new HolderController();
  let server: RunningServer;

  beforeAll(async () => {
    server = await createServer({
      controller,
      metrics: new Metrics(),
      log: silentLog(),
      config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20 },
      handoffKey: KEY,
    });
  });
  afterAll(() => server.close());

  const post = (path: string, fields: object, key: Buffer = KEY, extra: object = {}) => {
    const text = JSON.stringify({ at: new Date().toISOString(), nonce: randomUUID(), ...fields, ...extra });
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HANDOFF_SIGNATURE]: signHandoff(key, text) },
      body: text,
    });
  };

  it('runs a signed sync of a held environment and hands its answer back by ticket', async () => {
    const taken = await post(REQUEST_PATH, { env: 'dev', action: 'sync', from: 'cli-x' });
    expect(taken.status).toBe(202);
    const { ticket, holder } = (await taken.json()) as { ticket: string; holder: string };
    expect(holder).toBe('replica-a');
    expect(await (await post(RESULT_PATH, { ticket })).json()).toEqual({
      state: 'running',
      holder: 'replica-a',
    });
    controller.finish({ outcome: 'succeeded' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await (await post(RESULT_PATH, { ticket })).json()).toEqual({
      state: 'done',
      holder: 'replica-a',
      sync: { outcome: 'succeeded' },
    });
    // Collected once: the ticket is gone.
    expect((await post(RESULT_PATH, { ticket })).status).toBe(404);
  });

  it.each([
    [
      'signed with another key',
      () => post(REQUEST_PATH, { env: 'dev', action: 'sync' }, randomBytes(32)),
      401,
    ],
    [
      'too old',
      () => post(REQUEST_PATH, { env: 'dev', action: 'sync' }, KEY, { at: '2020-01-01T00:00:00Z' }),
      400,
    ],
    ['for an environment held elsewhere', () => post(REQUEST_PATH, { env: 'prod', action: 'sync' }), 409],
    ['of an unknown action', () => post(REQUEST_PATH, { env: 'dev', action: 'apply' }), 400],
  ])('refuses a request %s, and runs nothing', async (_what, send, status) => {
    const before = controller.syncs;
    expect((await send()).status).toBe(status);
    expect(controller.syncs).toBe(before);
  });

  it('refuses a replayed request', async () => {
    const text = JSON.stringify({
      env: 'dev',
      action: 'plan',
      at: new Date().toISOString(),
      nonce: randomUUID(),
    });
    const send = () =>
      fetch(`${server.url}${REQUEST_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HANDOFF_SIGNATURE]: signHandoff(KEY, text) },
        body: text,
      });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(409);
  });

  it('gives no result for a ticket to an unsigned poll', async () => {
    const taken = await post(REQUEST_PATH, { env: 'dev', action: 'plan' });
    const { ticket } = (await taken.json()) as { ticket: string };
    const unsigned = await fetch(`${server.url}${RESULT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket, at: new Date().toISOString(), nonce: randomUUID() }),
    });
    expect(unsigned.status).toBe(401);
  });
});

/**
 * Every /internal/shard/* route decides from the headers before reading a body: an unsigned request
 * or one announcing more than the small cap is answered at once and its connection closed, never
 * held open (and buffered) for up to server.bodyTimeout while a megabyte of body trickles in.
 */
describe('shard routes refuse before the body', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await createServer({
      controller: new HolderController(),
      metrics: new Metrics(),
      log: silentLog(),
      config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, bodyTimeoutMs: 3000 },
      handoffKey: KEY,
    });
  });
  afterAll(() => server.close());

  const head = (path: string, headers: string) =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`;

  it.each([HANDOFF_PATH, REQUEST_PATH, RESULT_PATH])('%s', async (path) => {
    // Headers only: 1 MB announced, not a byte of it sent.
    const unsigned = await rawRequest(server.url, head(path, 'Content-Length: 1000000\r\n'), 2500);
    expect([unsigned.status, unsigned.closedByServer]).toEqual([401, true]);
    expect(unsigned.ms).toBeLessThan(1000);
    const large = await rawRequest(
      server.url,
      head(path, `${HANDOFF_SIGNATURE}: sha256=${'0'.repeat(64)}\r\nContent-Length: 1000000\r\n`),
      2500,
    );
    expect([large.status, large.closedByServer]).toEqual([413, true]);
    expect(large.ms).toBeLessThan(1000);
    const chunked = await rawRequest(
      server.url,
      head(path, `${HANDOFF_SIGNATURE}: sha256=${'0'.repeat(64)}\r\nTransfer-Encoding: chunked\r\n`),
      2500,
    );
    expect([chunked.status, chunked.closedByServer]).toEqual([411, true]);
  });
});
