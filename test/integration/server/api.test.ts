import { rm } from 'node:fs/promises';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry } from '../../../controller/audit/types';
import { auditConfig, entry, recordEntry, sha, tempAuditDir } from '../audit/audit-fixtures';
import { ArrayAuditReader, FakeController } from '../../helpers/fake-controller';
import { startTestServer, TOKEN, type TestServer } from './test-server';

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const messageOf = async (r: Response) => ((await r.json()) as { message: string }).message;

describe('the HTTP API over a real audit log', () => {
  let dir: string;
  let audit: AuditLog;
  let t: TestServer;

  beforeAll(async () => {
    // Given a real audit trail: dev a→b→c, prod a; ids share the prefix "e-"
    dir = await tempAuditDir('server-api');
    audit = await AuditLog.open(auditConfig(dir));
    const entries: AuditEntry[] = [
      entry({ id: 'e-dev-1', env: 'dev', toSha: sha('a') }),
      entry({ id: 'e-prod-1', env: 'prod', toSha: sha('a') }),
      entry({ id: 'e-dev-2', env: 'dev', fromSha: sha('a'), toSha: sha('b'), trigger: 'webhook' }),
      entry({ id: 'e-dev-3', env: 'dev', fromSha: sha('b'), toSha: sha('c'), outcome: 'failed' }),
    ];
    for (const e of entries) {
      await recordEntry(audit, e);
    }
    t = await startTestServer({ controller: new FakeController({ dev: 'dev', prod: 'main' }, audit) });
  });
  afterAll(async () => {
    await t.server.close();
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => t.controller.triggers.splice(0));

  it('lists every environment with its branch and status', async () => {
    const body = (await (await t.get('/api/environments')).json()) as {
      environments: { name: string; branch: string }[];
    };
    expect(body.environments.map((e) => [e.name, e.branch])).toEqual([
      ['dev', 'dev'],
      ['prod', 'main'],
    ]);
    expect(((await (await t.get('/api/environments/prod')).json()) as { branch: string }).branch).toBe(
      'main',
    );
  });

  it.each([
    ['no limit', '', 3],
    ['limit=2', '?limit=2', 2],
    ['a limit above the entries', '?limit=100', 3],
  ])(
    'serves the audit of one environment with %s, in the JSON of `cairn audit list --json`',
    async (_n, query, count) => {
      const response = await t.get(`/api/environments/dev/audit${query}`);
      expect(response.status).toBe(200);
      const expected = asJson(
        await AuditLog.reader(auditConfig(dir)).then((r) => r.list({ env: 'dev', limit: count })),
      );
      expect(await response.json()).toEqual(expected);
      expect((expected as unknown[]).length).toBe(count);
    },
  );

  it('serves one audit entry by id or unique prefix, as `cairn audit show --json` does', async () => {
    const full = await t.get('/api/audit/e-dev-2');
    expect(await full.json()).toEqual(asJson(await audit.get('e-dev-2')));
    expect(((await (await t.get('/api/audit/e-p')).json()) as AuditEntry).id).toBe('e-prod-1');
  });

  it.each([
    ['an unknown environment', '/api/environments/qa/audit', 404, 'no environment qa'],
    ['limit=0', '/api/environments/dev/audit?limit=0', 400, 'limit must be a whole number'],
    ['limit=abc', '/api/environments/dev/audit?limit=abc', 400, 'limit must be a whole number'],
    ['limit=1.5', '/api/environments/dev/audit?limit=1.5', 400, 'limit must be a whole number'],
    ['an unknown audit id', '/api/audit/nope', 404, 'no audit entry nope'],
    ['an ambiguous id prefix', '/api/audit/e-', 409, 'more than one audit entry id starts with "e-"'],
    ['an unknown environment by name', '/api/environments/qa', 404, 'no environment qa'],
    ['an unknown route', '/api/nothing?x=1', 404, 'no route GET /api/nothing'],
  ])('answers %s (GET %s) with a JSON %i error', async (_n, path, status, message) => {
    const response = await t.get(path);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await messageOf(response)).toContain(message);
  });

  const sync = (env: string, authorization?: string) =>
    fetch(`${t.server.url}/api/environments/${env}/sync`, {
      method: 'POST',
      headers: authorization === undefined ? {} : { authorization },
    });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer not-the-token'],
    ['the token without the Bearer scheme', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['the token with trailing text', `Bearer ${TOKEN} extra`],
  ])('refuses a sync with %s (401) and triggers nothing', async (_n, authorization) => {
    const response = await sync('dev', authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(t.controller.triggers).toEqual([]);
  });

  it('queues a manual reconcile for a sync with the bearer token (202)', async () => {
    const response = await sync('dev', `Bearer ${TOKEN}`);
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([['dev', 'manual']]);
  });

  it('answers 404 to an authenticated sync of an unknown environment', async () => {
    expect((await sync('qa', `bearer ${TOKEN}`)).status).toBe(404);
    expect(t.controller.triggers).toEqual([]);
  });
});

describe('health, readiness and metrics', () => {
  it('answers /healthz always and /readyz only once ready', async () => {
    const t = await startTestServer();
    try {
      t.controller.isReady = false;
      expect((await t.get('/healthz')).status).toBe(200);
      const starting = await t.get('/readyz');
      expect([starting.status, await messageOf(starting)]).toEqual([
        503,
        'not ready: the first fetch is not done',
      ]);
      t.controller.isReady = true;
      expect((await t.get('/readyz')).status).toBe(200);
    } finally {
      await t.server.close();
    }
  });

  it('serves what the reconciler records in the Prometheus text format', async () => {
    const t = await startTestServer();
    try {
      t.metrics.observeReconcile('dev', 'succeeded', 2000);
      t.metrics.setLastSuccess('dev', new Date(1_750_000_000_000));
      t.metrics.setQueueDepth('dev', 1);
      const response = await t.get('/metrics');
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(
        await t.sample('cairn_reconcile_duration_seconds_sum{env="dev",phase="total",outcome="succeeded"}'),
      ).toBe(2);
      expect(await t.sample('cairn_last_successful_apply_timestamp_seconds{env="dev"}')).toBe(1_750_000_000);
      expect(await t.sample('cairn_queue_depth{env="dev"}')).toBe(1);
    } finally {
      await t.server.close();
    }
  });

  it('answers an internal failure with a JSON 500 that does not leak its details', async () => {
    const failing = new ArrayAuditReader();
    failing.get = async () => {
      throw new Error('EACCES: permission denied, open /var/lib/cairn/audit/audit.jsonl');
    };
    const t = await startTestServer({ controller: new FakeController({ dev: 'dev' }, failing) });
    try {
      const response = await t.get('/api/audit/x');
      expect(response.status).toBe(500);
      expect(await messageOf(response)).toBe('internal error; the controller log has the details');
    } finally {
      await t.server.close();
    }
  });

  it('keeps the API read-only (503 on sync) when server.apiTokenEnv is not set', async () => {
    const t = await startTestServer({ config: { apiTokenEnv: undefined } });
    try {
      const response = await fetch(`${t.server.url}/api/environments/dev/sync`, {
        method: 'POST',
        headers: { authorization: 'Bearer x' },
      });
      expect(response.status).toBe(503);
      expect(t.controller.triggers).toEqual([]);
    } finally {
      await t.server.close();
    }
  });
});
