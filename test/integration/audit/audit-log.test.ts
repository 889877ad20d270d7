import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry } from '../../../controller/audit/types';
import { auditConfig, entry, recordEntry, sha, tempAuditDir, verifyAuditLog } from './audit-fixtures';

// CLI runs start tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const dirs: string[] = [];
async function freshDir(test: string): Promise<string> {
  const dir = await tempAuditDir(test);
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('AuditLog on the real filesystem', () => {
  it('keeps entries, newest first, across a restart and continues the chain', async () => {
    // given a log with three entries in two environments (each its own chain; newest first is by finish time)
    const dir = await freshDir('reopen');
    const at = (s: number) => ({ finishedAt: `2025-06-01T10:00:0${s}.000Z` });
    const first = await AuditLog.open(auditConfig(dir));
    await recordEntry(first, entry({ id: 'e1', env: 'dev', toSha: sha('1'), ...at(1) }));
    await recordEntry(first, entry({ id: 'e2', env: 'prod', toSha: sha('2'), ...at(2) }));
    await recordEntry(first, entry({ id: 'e3', env: 'dev', fromSha: sha('1'), toSha: sha('3'), ...at(3) }));
    await first.close();

    // when it is reopened and one more entry is written
    const second = await AuditLog.open(auditConfig(dir));
    await recordEntry(second, entry({ id: 'e4', env: 'prod', fromSha: sha('2'), toSha: sha('4'), ...at(4) }));

    // then everything reads back, filtered and limited, and the chain is whole
    expect((await second.list()).map((e) => e.id)).toEqual(['e4', 'e3', 'e2', 'e1']);
    expect((await second.list({ env: 'dev', limit: 1 })).map((e) => e.id)).toEqual(['e3']);
    expect((await second.get('e3'))?.toSha).toBe(sha('3'));
    expect(await second.get('nope')).toBeUndefined();
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 8 });
    await second.close();
  });

  it('finds an entry by a unique id prefix and refuses an ambiguous one', async () => {
    const dir = await freshDir('prefix');
    const log = await AuditLog.open(auditConfig(dir));
    await recordEntry(log, entry({ id: 'abc-111' }));
    await recordEntry(log, entry({ id: 'abd-222' }));
    expect((await log.get('abc'))?.id).toBe('abc-111');
    await expect(log.get('ab')).rejects.toMatchObject({ code: 'audit.ambiguous-id' });
    await log.close();
  });

  it('keeps per-half trees: a failed Kubernetes half after a succeeded AWS half still counts AWS as applied', async () => {
    // given a success at tree 1, then a failure where only AWS reached tree 2
    const dir = await freshDir('halves');
    const log = await AuditLog.open(auditConfig(dir));
    await recordEntry(log, entry({ id: 'ok', toSha: sha('1'), applied: { aws: 'aws-1', k8s: 'k8s-1' } }));
    await recordEntry(
      log,
      entry({ id: 'half', toSha: sha('2'), outcome: 'failed', applied: { aws: 'aws-2' } }),
    );
    await log.close();

    // when the log is reopened
    const reopened = await AuditLog.reader(auditConfig(dir));

    // then the sha is the last success, AWS stands at tree 2 and Kubernetes at tree 1
    expect(await reopened.lastApplied('dev')).toEqual({ sha: sha('1'), awsTree: 'aws-2', k8sTree: 'k8s-1' });
    expect(await reopened.lastApplied('never-seen')).toBeNull();
  });

  it('records a start without an end as interrupted after a restart, once', async () => {
    // given a process that wrote a start and died before the end
    const dir = await freshDir('interrupted');
    const crashed = await AuditLog.open(auditConfig(dir));
    await recordEntry(crashed, entry({ id: 'done', toSha: sha('1') }));
    await crashed.start({
      id: 'cut',
      env: 'dev',
      trigger: 'webhook',
      fromSha: sha('1'),
      toSha: sha('2'),
      message: 'bump web',
    });
    await crashed.close();

    // when the next process opens the log
    const next = await AuditLog.open(auditConfig(dir));
    const interrupted = await next.interrupted();

    // then the cut reconcile is closed as interrupted, applies nothing, and is not reported twice
    expect(interrupted.map((e) => [e.id, e.env, e.outcome, e.toSha, e.message])).toEqual([
      ['cut', 'dev', 'interrupted', sha('2'), 'bump web'],
    ]);
    expect((await next.get('cut'))?.outcome).toBe('interrupted');
    expect((await next.lastApplied('dev'))?.sha).toBe(sha('1'));
    expect(await next.interrupted()).toEqual([]);
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 4 });
    await next.close();
  });

  it('rotates into numbered files and the chain continues across them and across a reopen', async () => {
    // given a log that rotates after about 2 KiB
    const dir = await freshDir('rotate');
    const log = await AuditLog.open(auditConfig(dir), undefined, { rotateBytes: 2048 });
    for (let i = 0; i < 12; i += 1)
      await recordEntry(log, entry({ id: `r${i}`, toSha: sha(String(i % 10)) }));
    await log.close();
    const reopened = await AuditLog.open(auditConfig(dir), undefined, { rotateBytes: 2048 });
    await recordEntry(reopened, entry({ id: 'r12' }));
    await reopened.close();

    // then there are several files, the first record of each chains to the last of the one before
    const chain = join(dir, 'envs', 'dev');
    const files = (await readdir(chain)).filter((f) => f.endsWith('.jsonl')).sort();
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toBe('audit-000001.jsonl');
    for (let i = 1; i < files.length; i += 1) {
      const before = (await readFile(join(chain, files[i - 1]!), 'utf8')).trimEnd().split('\n').at(-1)!;
      const after = (await readFile(join(chain, files[i]!), 'utf8')).split('\n')[0]!;
      expect(JSON.parse(after).prevHash).toBe(JSON.parse(before).hash);
    }
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 26 });
    expect((await (await AuditLog.reader(auditConfig(dir))).list()).length).toBe(13);
  });

  it('appends from many environments at once, each into its own unbroken chain', async () => {
    // given 5 environments recording 8 reconciles each, all at the same time
    const dir = await freshDir('concurrent');
    const log = await AuditLog.open(auditConfig(dir));
    const envs = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(
      envs.map(async (env) => {
        for (let i = 0; i < 8; i += 1)
          await recordEntry(log, entry({ id: `${env}-${i}`, env, toSha: sha(String(i)) }));
      }),
    );
    await log.close();

    // then the chain is whole and each environment's entries are all there, newest first
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 80 });
    const reader = await AuditLog.reader(auditConfig(dir));
    expect((await reader.list({ env: 'c' })).map((e) => e.id)).toEqual([
      'c-7',
      'c-6',
      'c-5',
      'c-4',
      'c-3',
      'c-2',
      'c-1',
      'c-0',
    ]);
    expect(await reader.interrupted().catch((e: { code: string }) => e.code)).toBe('audit.read-only');
  });

  it('opened for one environment, reads only its chain and answers for no other', async () => {
    // given a ledger of dev and prod, prod's chain edited by hand (a break only a full open finds)
    const dir = await freshDir('scoped');
    const log = await AuditLog.open(auditConfig(dir));
    await recordEntry(log, entry({ id: 'd1', env: 'dev', toSha: sha('1') }));
    await recordEntry(log, entry({ id: 'p1', env: 'prod', toSha: sha('2') }));
    await log.close();
    const prodChain = join(dir, 'envs', 'prod', 'audit-000001.jsonl');
    await writeFile(prodChain, (await readFile(prodChain, 'utf8')).replaceAll(sha('2'), sha('9')));

    // when a writer opens it for dev alone (a one-shot sync of dev)
    const scoped = await AuditLog.open(auditConfig(dir), undefined, { envs: ['dev'] });

    // then dev's chain is read, checked and continued as before, and prod's was not read at all
    expect(scoped.reports().map((r) => r.env)).toEqual(['dev']);
    expect(scoped.health()).toEqual({ ready: true });
    expect((await scoped.lastApplied('dev'))?.sha).toBe(sha('1'));
    await recordEntry(scoped, entry({ id: 'd2', env: 'dev', fromSha: sha('1'), toSha: sha('3') }));
    // and nothing is answered for prod, or written to it: an unread chain is not an empty one
    const notRead = { code: 'audit.not-read' };
    await expect(scoped.lastApplied('prod')).rejects.toMatchObject(notRead);
    await expect(scoped.list({ env: 'prod' })).rejects.toMatchObject(notRead);
    expect(() => scoped.suspension('prod')).toThrow(/prod's chain was not read/);
    // an id is looked for in the chains read alone (the API's revert of dev reads dev's chain)
    expect((await scoped.get('d1'))?.env).toBe('dev');
    expect(await scoped.get('p1')).toBeUndefined();
    await expect(
      scoped.start({ id: 'p2', env: 'prod', trigger: 'poll', fromSha: sha('2'), toSha: sha('4') }),
    ).rejects.toMatchObject(notRead);
    await scoped.close();

    // and a full open still finds prod's break, and dev's chain whole with the new entry
    const all = await AuditLog.reader(auditConfig(dir));
    expect(all.reports().find((r) => r.env === 'prod')?.firstBreak).toBeTruthy();
    expect(all.reports().find((r) => r.env === 'dev')?.firstBreak).toBeNull();
    expect((await all.lastApplied('dev'))?.sha).toBe(sha('3'));
    await all.close();
  });

  it('refuses to write a Secret-shaped value and writes nothing', async () => {
    const dir = await freshDir('secret');
    const log = await AuditLog.open(auditConfig(dir));
    await log.start({ id: 's', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') });
    const leaky = {
      ...entry({ id: 's' }),
      kubernetes: { objects: [{ kind: 'Secret', data: { password: 'aHVudGVyMg==' } }] },
    };

    await expect(log.end(leaky as unknown as AuditEntry)).rejects.toMatchObject({
      code: 'audit.secret-value',
    });

    expect(await readFile(join(dir, 'envs', 'dev', 'audit-000001.jsonl'), 'utf8')).not.toContain(
      'aHVudGVyMg',
    );
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 1 });
    await log.close();
  });
});
