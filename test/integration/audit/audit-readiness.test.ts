import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { loadConfig } from '../../../controller/config/load-config';
import type { AuditConfig, ServerConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { Controller } from '../../../controller/reconcile/controller';
import { createServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { FakeSource } from '../../helpers/reconcile-fakes';
import { removedEnvironments } from '../../../controller/cli/removed-environments';
import { auditConfig, entry, sha, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

jest.setTimeout(60_000);

let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/**
 * A controller started over the audit trail `audit` (its config written in `dir`), behind the real
 * HTTP server (its config's server section, then `server` over it, with `env` for its secrets).
 */
async function serveOver(
  dir: string,
  audit: AuditConfig,
  server: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = {},
) {
  const config = loadConfig(
    await writeAuditOnlyConfig(dir, `  dir: ${audit.dir}\n  keyFile: ${audit.keyFile}\n`),
  );
  const log = await AuditLog.open(config.audit);
  const controller = new Controller({
    config,
    source: new FakeSource(),
    audit: log,
    appliers: () => ({}),
    log: silentLog(),
  });
  await controller.start();
  const running = await createServer({
    controller,
    metrics: new Metrics(),
    log: silentLog(),
    config: { ...config.server, port: 0, ...server },
    env,
  });
  const stop = async (): Promise<void> => {
    await running.close();
    await controller.stop();
    await log.close();
  };
  return { log, server: running, stop };
}

describe('a broken audit chain and readiness', () => {
  it('makes /readyz answer 503 naming the chain, and ready again once the break is repaired', async () => {
    // given a keyed log whose last record was deleted
    root = await tempAuditDir('readiness');
    const audit = auditConfig(join(root, 'audit'));
    const writer = await AuditLog.open(audit);
    for (const id of ['r1', 'r2']) {
      await writer.start({ id, env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') });
      await writer.end(entry({ id, toSha: sha('1') }));
    }
    await writer.close();
    const file = join(audit.dir, 'envs', 'dev', 'audit-000001.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);

    // when the controller starts over it, behind the real HTTP server
    const { log, server, stop } = await serveOver(root, audit);
    try {
      // then it is not ready, and says why and what to do
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toMatch(
        /audit chain dev is broken at record 4 \(records 4\.\.4 are missing.*cairn audit repair --env dev/,
      );

      // and once the break is repaired and recorded, it is ready
      await log.repair('dev', 'ops');
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await stop();
    }
  });

  it('with server.metricsAuth, names neither the environment nor its chain on either port, only the class and where to read the rest', async () => {
    // given a keyed log whose dev chain lost its last record, and a server whose operator said
    // (server.metricsAuth) that whoever reaches its ports may not read what cairn keeps
    const dir = await tempAuditDir('readiness-unnamed');
    const audit = auditConfig(join(dir, 'audit'));
    const writer = await AuditLog.open(audit);
    for (const id of ['r1', 'r2']) {
      await writer.start({ id, env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') });
      await writer.end(entry({ id, toSha: sha('1') }));
    }
    await writer.close();
    const file = join(audit.dir, 'envs', 'dev', 'audit-000001.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);
    const token = 'readiness-read-token';
    const { server, stop } = await serveOver(
      dir,
      audit,
      { metricsAuth: true, apiTokenEnv: 'READINESS_TOKEN', probePort: 0 },
      { READINESS_TOKEN: token },
    );
    try {
      // when /readyz is asked without a token, on the main port and on the probe listener
      for (const url of [server.url, server.probeUrl!]) {
        const notReady = await fetch(`${url}/readyz`);
        // then it is 503 with the cause's class and where to read the rest, naming no environment or chain
        expect(notReady.status).toBe(503);
        const body = (await notReady.json()) as { message: string; cause: string };
        expect(body).toEqual({
          cause: 'audit-trail',
          message: expect.stringContaining('GET /api/environments'),
        });
        expect(body.message).not.toMatch(/\bdev\b|record 4|missing|repair/);
      }
      // and the token's holder reads which environment and why
      const environments = await fetch(`${server.url}/api/environments`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(environments.status).toBe(200);
      expect(await environments.text()).toContain('"name":"dev"');
    } finally {
      await stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says on /readyz that a chain cannot be written, without the storage error (its paths stay in the log)', async () => {
    // given an audit folder where the dev chain's folder is taken by a file, so that its first append fails
    const dir = await tempAuditDir('readiness-failed');
    const audit = auditConfig(join(dir, 'audit'));
    await mkdir(join(audit.dir, 'envs'), { recursive: true });
    await writeFile(join(audit.dir, 'envs', 'dev'), 'not a folder\n');
    const { log, server, stop } = await serveOver(dir, audit);
    try {
      // when an append fails (the caller gets the full error)
      await expect(
        log.start({ id: 'f1', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') }),
      ).rejects.toThrow(join(audit.dir, 'envs', 'dev'));
      // then /readyz, open to anyone, says which chain and what to do, but not where the log lives
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      const text = await notReady.text();
      expect(text).toContain('audit chain dev cannot be written');
      expect(text).not.toContain(dir);
    } finally {
      await stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stays ready over a broken chain of an environment no longer in the config, and reports that break at start', async () => {
    // given a keyed log with an intact dev chain and an `old` chain whose last record was deleted
    const dir = await tempAuditDir('readiness-removed');
    const audit = auditConfig(join(dir, 'audit'));
    const writer = await AuditLog.open(audit);
    for (const env of ['dev', 'old']) {
      for (const id of [`${env}1`, `${env}2`]) {
        await writer.start({ id, env, trigger: 'poll', fromSha: null, toSha: sha('1') });
        await writer.end(entry({ id, env, toSha: sha('1') }));
      }
    }
    await writer.close();
    const file = join(audit.dir, 'envs', 'old', 'audit-000001.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);

    // when the controller of a config that lists only dev starts over it, behind the real HTTP server
    const { log, server, stop } = await serveOver(dir, audit);
    try {
      // then it is ready: old is reconciled by nobody and takes no appends, so its break holds back nothing
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      // and the break is reported with what old left behind, not hidden
      const config = loadConfig(join(dir, 'cairn.yaml'));
      expect(await removedEnvironments(config, log)).toEqual([
        expect.objectContaining({
          env: 'old',
          auditChain: expect.stringMatching(/^broken at record 4 \(records 4\.\.4 are missing/),
        }),
      ]);
    } finally {
      await stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
