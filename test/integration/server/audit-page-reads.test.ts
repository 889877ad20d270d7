import { rm } from 'node:fs/promises';
import { openAuditBackend } from '../../../controller/audit/audit-backend';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry } from '../../../controller/audit/types';
import { FakeController } from '../../helpers/fake-controller';
import { auditConfig, entry, recordEntry, sha, tempAuditDir } from '../audit/audit-fixtures';
import { startTestServer, type TestServer } from './test-server';

const N = 200;

/**
 * A page of `GET /api/environments/:env/audit` reads its own records only: the offset is skipped in
 * the index, so `?limit=5&offset=150` decodes 5 records, not 155 (a read token once made the server
 * decode offset + limit records per request).
 */
describe('audit pages read only their own records', () => {
  let dir: string;
  let audit: AuditLog;
  let t: TestServer;
  let reads = 0;

  beforeAll(async () => {
    dir = await tempAuditDir('page-reads');
    const writer = await AuditLog.open(auditConfig(dir));
    let from: string | null = null;
    for (let i = 0; i < N; i += 1) {
      const e = entry({ id: `e-${String(i).padStart(4, '0')}`, fromSha: from, toSha: sha(String(i % 10)) });
      await recordEntry(writer, e);
      from = e.toSha;
    }
    await writer.close();
    // A read-only trail over the same files whose store counts the records it reads.
    const backend = await openAuditBackend(auditConfig(dir), false);
    const readAt = backend.store.readAt.bind(backend.store);
    backend.store.readAt = (...args) => {
      reads += 1;
      return readAt(...args);
    };
    audit = await AuditLog.over(backend, false);
    t = await startTestServer({ controller: new FakeController({ dev: 'dev' }, audit) });
  }, 120_000);

  afterAll(async () => {
    await t.server.close();
    await audit.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('skips the offset before reading', async () => {
    reads = 0;
    const res = await t.get('/api/environments/dev/audit?limit=5&offset=150');
    expect(res.status).toBe(200);
    const page = (await res.json()) as AuditEntry[];
    // Newest first: entries N-1-150 down to N-1-154.
    expect(page.map((e) => e.id)).toEqual([49, 48, 47, 46, 45].map((i) => `e-${String(i).padStart(4, '0')}`));
    expect(reads).toBe(5);
  });

  it('pages past the end are empty and read nothing', async () => {
    reads = 0;
    const res = await t.get(`/api/environments/dev/audit?limit=10&offset=${N + 5}`);
    expect(await res.json()).toEqual([]);
    expect(reads).toBe(0);
    const tail = (await (
      await t.get(`/api/environments/dev/audit?limit=10&offset=${N - 3}`)
    ).json()) as AuditEntry[];
    expect(tail.map((e) => e.id)).toEqual(['e-0002', 'e-0001', 'e-0000']);
  });
});
