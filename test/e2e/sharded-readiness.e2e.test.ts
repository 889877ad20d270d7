import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ReplicaGroup } from '../helpers/replica-group';

jest.setTimeout(240_000);

/**
 * Readiness of sharded replicas (the compiled `cairn run`, shard Leases on the sandbox's
 * kube-apiserver, one DynamoDB ledger on moto): a replica is ready when it can serve what it
 * holds. Found in review: every configured environment's chain counted, so a chain broken in the
 * shared ledger took every replica that had read it out of service, not only its holder.
 */
describe('readiness of sharded replicas with a broken chain', () => {
  // One shard: r0, which takes it first, holds both environments; r1 holds nothing.
  const g = new ReplicaGroup({ envs: ['a', 'b'], replicas: ['r0', 'r1'], shards: 1 });
  const [r0, r1] = [0, 1].map((i) => () => g.replicas[i]!);
  const readyz = async (api: string) => {
    const r = await fetch(`${api}/readyz`);
    return { status: r.status, body: await r.text() };
  };
  const exited = (r: ReturnType<typeof r0>) =>
    new Promise<void>((resolve) => {
      if (!r.process || r.process.exitCode !== null) return resolve();
      r.process.once('exit', () => resolve());
      r.process.kill('SIGTERM');
    });
  const heldBy = (name: string) =>
    g.until(`both environments held by ${name}`, 60_000, async () => {
      const holders = await g.holders();
      return holders.get('a') === name && holders.get('b') === name ? true : undefined;
    });

  beforeAll(() => g.start());
  afterAll(() => g.stop());

  it('keeps a replica that holds nothing ready, and takes out the one that holds the broken chain', async () => {
    await g.until('both environments applied', 120_000, async () =>
      (await g.appliedBy('a', g.repo.sha('a'))) && (await g.appliedBy('b', g.repo.sha('b')))
        ? true
        : undefined,
    );
    // Given r0 holding everything, and the last record of a's chain altered in the table
    await exited(r1());
    await heldBy('r0');
    const key = { env: { S: 'a' }, seq: { N: String((await g.chain('a')).length) } };
    const item = await g.dynamo.send(
      new GetItemCommand({ TableName: g.table, Key: key, ConsistentRead: true }),
    );
    const line = item.Item!.line!.S!;
    await g.dynamo.send(
      new UpdateItemCommand({
        TableName: g.table,
        Key: key,
        UpdateExpression: 'SET #l = :l',
        ExpressionAttributeNames: { '#l': 'line' },
        ExpressionAttributeValues: { ':l': { S: line.replace('"env":"a"', '"env": "a"') } },
      }),
    );

    // when r1 starts again (it reads every chain at open, a's broken one too)
    g.startReplica(r1());
    await g.until('r1 answering /healthz', 120_000, async () =>
      (await fetch(`${r1().api}/healthz`).catch(() => undefined))?.ok ? true : undefined,
    );

    // then r1, which holds neither environment, is ready: a's chain is its holder's to report
    const ready = await g
      .until('r1 ready', 30_000, async () => ((await readyz(r1().api)).status === 200 ? true : undefined))
      .catch(async () => readyz(r1().api));
    expect(ready).toBe(true);
    expect((await g.holders()).get('a')).toBe('r0');

    // and once r1 holds a (r0 stopped), it is not ready, naming the broken chain
    await exited(r0());
    await heldBy('r1');
    const broken = await g.until('r1 not ready', 30_000, async () => {
      const r = await readyz(r1().api);
      return r.status === 503 ? r : undefined;
    });
    expect(broken.body).toContain('audit chain a is broken');
  });
});
