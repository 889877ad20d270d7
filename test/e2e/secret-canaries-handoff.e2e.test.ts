import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { HANDOFF_PATH, HANDOFF_SIGNATURE } from '../../controller/server/shard-handoff';
import { runCli } from '../helpers/cli';
import { ReplicaGroup } from '../helpers/replica-group';
import { canaryChannels, canaryLeaks } from '../helpers/secret-canaries';

jest.setTimeout(240_000);

/**
 * The no-secret rule (SECURITY.md) for sharding's handoff key, which `secret-canaries.e2e.test.ts`
 * (one unsharded process) never loads: two replicas of the compiled `cairn run` share one
 * environment through a shard Lease; a push delivered to each replica (one hands it to the holder),
 * `cairn sync` and `cairn plan` handed to the holder, the same with a key the holder does not know
 * and with one too short to be accepted, and a handoff posted with a wrong signature. Every byte the
 * replicas and the CLI printed, every answer, and the ledger's DynamoDB items are then searched for
 * the handoff keys (and the webhook secret and audit key beside them) in every `encodedForms` spelling.
 */
describe('secret canaries: the shard handoff key', () => {
  const g = new ReplicaGroup({
    envs: ['a'],
    replicas: ['r1', 'r2'],
    leaseDuration: '6s',
    renewInterval: '2s',
  });
  const wrongKey = randomBytes(32).toString('base64');
  const shortKey = `short-canary-${randomBytes(4).toString('hex')}`;
  const { channels, record, recordCli, silentChannels } = canaryChannels();
  const cli = (args: readonly string[], env: Record<string, string> = {}) =>
    runCli([...args, '--config', g.replicas[0]!.config], { ...g.childEnv, ...env });

  beforeAll(async () => {
    await g.start();
    await g.until('the environment applied', 120_000, async () =>
      (await g.appliedBy('a', g.repo.sha('a'))) === undefined ? undefined : true,
    );
    await g.heartbeatsRenewed();
  });

  afterAll(async () => {
    await g.stop();
  });

  it('hands requests to the holder, refuses the wrong keys, and no key appears in anything printed, served or recorded', async () => {
    // Given a push delivered to both replicas: the one that does not hold the environment hands it over
    const pushed = g.commit('a', 'v2');
    for (const r of g.replicas)
      record(`POST /hooks/github to ${r.name}`, `${(await g.webhook(r, 'a', pushed)).status}`);
    await g.until('the push applied', 60_000, async () => g.appliedBy('a', pushed));
    // When the CLI hands a sync and a plan to the holder
    g.commit('a', 'v3');
    const synced = recordCli('cairn sync --env a --json', await cli(['sync', '--env', 'a', '--json']));
    expect(synced.code).toBe(0);
    expect(synced.stderr).toContain('request handed to the replica holding the environment');
    recordCli('cairn plan --env a', await cli(['plan', '--env', 'a']));
    // and with a key the holder does not know, and one too short to be taken
    const wrong = recordCli(
      'cairn sync --env a (wrong handoff key)',
      await cli(['sync', '--env', 'a'], { SHARD_HANDOFF_KEY: wrongKey }),
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('could not hand the request for a to the replica holding its Lease');
    recordCli(
      'cairn plan --env a (wrong handoff key)',
      await cli(['plan', '--env', 'a'], { SHARD_HANDOFF_KEY: wrongKey }),
    );
    const short = recordCli(
      'cairn sync --env a (short handoff key)',
      await cli(['sync', '--env', 'a'], { SHARD_HANDOFF_KEY: shortKey }),
    );
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/the handoff key has \d+ bytes/);
    recordCli('cairn validate (short handoff key)', await cli(['validate'], { SHARD_HANDOFF_KEY: shortKey }));
    // and a handoff posted to each replica signed with the wrong key
    const body = JSON.stringify({
      env: 'a',
      trigger: 'manual',
      from: 'r9',
      at: new Date().toISOString(),
      nonce: randomBytes(8).toString('hex'),
    });
    for (const r of g.replicas) {
      const answer = await fetch(`${r.api}${HANDOFF_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [HANDOFF_SIGNATURE]: `sha256=${createHmac('sha256', wrongKey).update(body).digest('hex')}`,
        },
        body,
      });
      record(
        `POST ${HANDOFF_PATH} to ${r.name}`,
        `${answer.status} ${JSON.stringify([...answer.headers])}\n${await answer.text()}`,
      );
      for (const path of [
        '/api/environments',
        '/api/environments/a',
        '/api/environments/a/audit?limit=100',
        '/metrics',
      ]) {
        const got = await fetch(`${r.api}${path}`);
        record(`GET ${path} of ${r.name}`, `${got.status}\n${await got.text()}`);
      }
    }

    // Then every line the replicas printed, and the ledger as stored
    for (const name of readdirSync(g.dir).filter((f) => f.endsWith('.log')))
      record(`replica log ${name}`, readFileSync(join(g.dir, name), 'utf8'));
    const items = await g.dynamo.send(new ScanCommand({ TableName: g.table }));
    expect(items.Items?.length).toBeGreaterThan(0);
    record('DynamoDB items', JSON.stringify(items.Items));

    // (each channel said something: an empty channel proves nothing; a command's two streams count as one)
    expect(silentChannels()).toEqual([]);
    const leaks = canaryLeaks(channels, [
      { name: 'handoff key', value: g.handoffKey },
      { name: 'handoff key the holder does not know', value: wrongKey },
      { name: 'handoff key too short to be taken', value: shortKey },
      { name: 'webhook secret', value: g.secret },
      { name: 'audit key', value: g.auditKey },
    ]);
    if (leaks) throw new Error(leaks);
  });
});
