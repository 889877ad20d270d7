import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_PAGE_BYTES, AUDIT_READS } from '../../../controller/server/api-routes';
import { MAX_LIVE_LISTENERS, MAX_LIVE_LISTENERS_PER_HOLDER } from '../../../controller/server/live-events';
import {
  startBuiltCairnRun,
  writeLargeLedger,
  type BuiltCairnRun as Run,
} from '../../helpers/built-cairn-run';

jest.setTimeout(60_000);

const READ_A = 'read-token-a-for-caps';
const READ_B = 'read-token-b-for-caps';
/** The built `cairn run` with both read tokens in its environment: each test's `server` says which it takes. */
const startRun = (dir: string, server: Record<string, unknown>, audit?: { dir: string; keyFile: string }) =>
  startBuiltCairnRun(dir, { server, audit, env: { CAPS_READ_A: READ_A, CAPS_READ_B: READ_B } });

/** One `GET /api/events` over its own connection from `from`; `head()` is what came back so far. */
interface Stream {
  readonly socket: Socket;
  head(): string;
}

function openStream(url: string, from: string, token?: string): Promise<Stream> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: from });
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      const auth = token ? `Authorization: Bearer ${token}\r\n` : '';
      socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`);
    });
    socket.once('error', reject);
    const deadline = Date.now() + 5_000;
    const wait = () => {
      if (text.includes('\r\n\r\n')) return resolve({ socket, head: () => text });
      if (Date.now() > deadline) return reject(new Error(`no answer from ${from}: ${JSON.stringify(text)}`));
      setTimeout(wait, 10);
    };
    wait();
  });
}

const status = (s: Stream) => Number(/^HTTP\/1\.1 (\d+)/.exec(s.head())?.[1]);

/**
 * `GET /api/events` holds a connection for as long as the page is open, and the server keeps at
 * most MAX_LIVE_LISTENERS of them. Found in review: one holder of a read token opened all 64 from
 * two loopback addresses (32 connections each, the per-address cap) of `cairn run`, and every other
 * user's page got 503 for as long as they were held.
 */
describe('event streams of cairn run, per token', () => {
  let dir: string;
  let run: Run | undefined;
  const streams: Stream[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-stream-caps-'));
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.socket.destroy();
    await run?.stop();
    run = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives one read token at most its own share, answered 429 naming the cap, and leaves the rest to others', async () => {
    // Given cairn run with two read tokens
    run = await startRun(dir, {
      apiTokens: [
        { env: 'CAPS_READ_A', scopes: ['read'] },
        { env: 'CAPS_READ_B', scopes: ['read'] },
      ],
    });
    // When token A asks for every stream the server has, from two addresses
    for (let i = 0; i < MAX_LIVE_LISTENERS; i++)
      streams.push(await openStream(run.url, i % 2 ? '127.0.0.2' : '127.0.0.3', READ_A));
    const answers = streams.map(status);
    // Then it gets its share and 429s for the rest, each naming the cap
    expect(answers.filter((s) => s === 200)).toHaveLength(MAX_LIVE_LISTENERS_PER_HOLDER);
    expect(answers.filter((s) => s === 429)).toHaveLength(MAX_LIVE_LISTENERS - MAX_LIVE_LISTENERS_PER_HOLDER);
    const refused = streams.find((s) => status(s) === 429)!.head();
    expect(refused).toContain(
      `this token has ${MAX_LIVE_LISTENERS_PER_HOLDER} event streams open already, the most one may hold`,
    );
    expect(refused.toLowerCase()).toContain('retry-after: 10');
    expect(refused).not.toContain(READ_A);
    // And token B, from another address, is still served
    const other = await openStream(run.url, '127.0.0.9', READ_B);
    streams.push(other);
    expect(status(other)).toBe(200);
    // And once A closes one of its streams, A may open one again
    streams.find((s) => status(s) === 200 && s !== other)!.socket.destroy();
    let again: Stream | undefined;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      again = await openStream(run.url, '127.0.0.4', READ_A);
      streams.push(again);
      if (status(again) === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status(again!)).toBe(200);
  });

  it('with no token configured (loopback only), gives one client address at most the same share', async () => {
    run = await startRun(dir, {});
    for (let i = 0; i <= MAX_LIVE_LISTENERS_PER_HOLDER; i++)
      streams.push(await openStream(run.url, '127.0.0.2'));
    expect(streams.map(status).filter((s) => s === 200)).toHaveLength(MAX_LIVE_LISTENERS_PER_HOLDER);
    expect(streams.at(-1)!.head()).toContain(
      `this client address has ${MAX_LIVE_LISTENERS_PER_HOLDER} event streams open already`,
    );
    const other = await openStream(run.url, '127.0.0.3');
    streams.push(other);
    expect(status(other)).toBe(200);
  });
});

/**
 * A commit decides how large its audit entry is (one change per object of its tree), and a read
 * token may ask for 1000 entries a page. Found in review: with 200 entries of 490 KB each, 8 pages
 * of `?limit=1000` asked at once with one read token took `cairn run` from 330 MB to 3 GB and held
 * its event loop (a /healthz answer) for 14 s.
 */
describe('audit pages of cairn run, per token', () => {
  let dir: string;
  let run: Run | undefined;
  const ENTRIES = 40;
  const OBJECTS = 3000;

  beforeAll(async () => {
    // Given a ledger of 40 entries, each of a tree of 3,000 objects (about 490 KB a record)
    dir = mkdtempSync(join(tmpdir(), 'cairn-audit-caps-'));
    const ledger = join(dir, 'ledger');
    await writeLargeLedger(ledger, { entries: ENTRIES, objects: OBJECTS });
    run = await startRun(
      dir,
      { apiTokens: [{ env: 'CAPS_READ_A', scopes: ['read'] }] },
      { dir: ledger, keyFile: `${ledger}.key` },
    );
    // cairn run's own reconcile at start-up adds an entry: the pages below are read after it
    while (!run.output().includes('"msg":"reconcile finished"')) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const page = (query: string) =>
    fetch(`${run!.url}/api/environments/dev/audit?${query}`, {
      headers: { authorization: `Bearer ${READ_A}` },
    });

  it('ends a page at AUDIT_PAGE_BYTES of records and says where the next one starts', async () => {
    // When a read token asks for 1000 entries
    const res = await page('limit=1000');
    const body = await res.text();
    // Then it gets what fits in the page's bytes (at least one entry), and where to go on
    expect(res.status).toBe(200);
    const entries = JSON.parse(body) as { id: string }[];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(ENTRIES);
    expect(body.length).toBeLessThan(AUDIT_PAGE_BYTES + 600_000);
    expect(res.headers.get('x-cairn-next-offset')).toBe(String(entries.length));
  });

  it.each(['limit=1000', 'limit=25'])(
    'with %s, leads through every entry once by X-Cairn-Next-Offset, and sends none with the last page',
    async (limit) => {
      // Found after the byte bound: the header came with every non-empty page, the last too, so a
      // client could not tell the last page from one cut short (the web UI showed no older link).
      // When a read token follows the header from the first page
      const ids: string[] = [];
      let last: Response | undefined;
      for (let next: string | null = '0'; next !== null; next = last.headers.get('x-cairn-next-offset')) {
        last = await page(`${limit}&offset=${next}`);
        expect(last.status).toBe(200);
        const entries = (await last.json()) as { id: string }[];
        // Then every page it is led to holds entries: none is empty
        expect(entries.length).toBeGreaterThan(0);
        ids.push(...entries.map((e) => e.id));
      }
      // And it read every entry once, newest first (cairn run's own reconcile at start-up may have added one, newest)
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => id.startsWith('e-'))).toEqual(
        Array.from({ length: ENTRIES }, (_, i) => `e-${String(ENTRIES - 1 - i).padStart(4, '0')}`),
      );
      // And nothing is left past the last page: the page there is empty, with no header either
      const past = await page(`${limit}&offset=${ids.length}`);
      expect(await past.json()).toEqual([]);
      expect(past.headers.get('x-cairn-next-offset')).toBeNull();
    },
  );

  it('reads at most AUDIT_READS.perHolder pages of one token at once, and answers 429 past that', async () => {
    // When one read token asks for 24 pages at once
    const answers = await Promise.all(
      Array.from({ length: 24 }, async () => {
        const res = await page('limit=1000');
        return { status: res.status, body: await res.text() };
      }),
    );
    // Then some are read, and those past its share of the reads at once are told the cap
    expect(answers.some((a) => a.status === 200)).toBe(true);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    const refused = answers.find((a) => a.status === 429);
    expect(refused?.body).toContain(
      `this token has ${AUDIT_READS.perHolder} audit reads under way already, the most one may`,
    );
  });

  it('holds a read in its slot until its answer is written: unread answers do not pile up', async () => {
    // Found in review: with the slot given back once the records were read, 64 connections of one
    // read token that asked for a page a second each and read nothing took cairn run from 320 MB
    // to 1 GB, every answer waiting in memory for its client.
    // Given AUDIT_READS.perHolder connections of one token that each ask for a page and read nothing
    const { port } = new URL(run!.url);
    const stalled = await Promise.all(
      Array.from(
        { length: AUDIT_READS.perHolder },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.5' });
            socket.on('error', () => undefined);
            socket.once('connect', () => {
              socket.pause();
              socket.write(
                `GET /api/environments/dev/audit?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${READ_A}\r\n\r\n`,
              );
              resolve(socket);
            });
          }),
      ),
    );
    try {
      // When, once their records are read, the same token asks for another page
      await new Promise((r) => setTimeout(r, 1500));
      const res = await page('limit=1');
      // Then it is refused: its share is held by the answers not yet taken
      expect(res.status).toBe(429);
    } finally {
      for (const s of stalled) s.destroy();
    }
    // And once those connections are gone, the token is served again
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      if ((await page('limit=1')).status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the token was not served again after its stalled connections closed');
  });
});
