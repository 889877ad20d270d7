import { runCli } from '../helpers/cli';
import { ReplicaGroup } from '../helpers/replica-group';

jest.setTimeout(300_000);

const ENVS = ['a', 'b', 'c', 'd'];

interface Entry {
  readonly toSha: string;
  readonly outcome: string;
  readonly trigger: string;
  readonly lease?: { readonly holder: string; readonly name?: string };
}

/**
 * Issue 24: `cairn sync` and `cairn plan` against a sharded installation, two replicas of the
 * compiled `cairn run` on the sandbox (Leases on kube-apiserver, the ledger in DynamoDB on moto).
 * The replicas poll every 10 minutes and get no webhook: only the handed-over request (or the CLI
 * itself) can apply a new commit.
 */
describe('cairn sync and cairn plan with sharding', () => {
  const g = new ReplicaGroup({
    envs: ENVS,
    replicas: ['r1', 'r2'],
    leaseDuration: '6s',
    renewInterval: '2s',
  });
  const cli = (args: string[]) => runCli([...args, '--config', g.replicas[0]!.config], g.childEnv);

  beforeAll(async () => {
    await g.start();
    await g.until('every environment applied', 120_000, async () => {
      for (const env of ENVS) if ((await g.appliedBy(env, g.repo.sha(env))) === undefined) return undefined;
      return true;
    });
  });

  afterAll(async () => {
    console.log(`sharded sync logs in ${g.dir}`);
    await g.stop();
  });

  it('hands a sync to the holder, which applies it fenced; its ledger entry names the holder and its Lease', async () => {
    // Given a commit the replicas have not fetched
    const sha = g.commit('a', 'v2');

    // When cairn sync runs from another process
    const result = await cli(['sync', '--env', 'a', '--json']);

    // Then the holder applied it, and the CLI printed the holder's audit entry
    expect(result.stderr).toContain('request handed to the replica holding the environment');
    expect(result.code).toBe(0);
    const entry = JSON.parse(result.stdout) as Entry;
    expect(entry).toMatchObject({ toSha: sha, outcome: 'succeeded', trigger: 'manual' });
    // (Balancing may move the shard between replicas meanwhile: the holder is whichever applied it.)
    expect(entry.lease).toMatchObject({ holder: expect.stringMatching(/^r[12]$/), name: g.shardOf('a') });
    expect(await g.appliedBy('a', sha)).toBe(entry.lease!.holder);
  });

  it('hands a plan to the holder and prints it', async () => {
    g.commit('b', 'v2');
    const result = await cli(['plan', '--env', 'b', '--json']);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      kubernetes: { changes: { action: string; subject: string }[] };
    };
    expect(plan.kubernetes.changes).toContainEqual(
      expect.objectContaining({ action: 'configured', subject: expect.stringContaining('greeting') }),
    );
    expect(result.stderr).toContain('request handed to the replica holding the environment');
  });

  it('with no replica running, takes the Lease itself, applies fenced, records its own Lease and releases it', async () => {
    // Given every replica stopped (their Leases released)
    for (const r of g.replicas) r.process?.kill('SIGTERM');
    await Promise.all(g.replicas.map((r) => new Promise((resolve) => r.process!.once('exit', resolve))));
    const sha = g.commit('c', 'v2');

    // When cairn sync runs
    const result = await cli(['sync', '--env', 'c', '--json']);

    // Then it took the Lease, applied, and recorded the Lease it held
    expect(result.stderr).toContain('no replica holds the environment; this process took its Lease');
    expect(result.code).toBe(0);
    const entry = JSON.parse(result.stdout) as Entry;
    expect(entry).toMatchObject({ toSha: sha, outcome: 'succeeded' });
    expect(entry.lease).toMatchObject({ holder: 'cli-r1', name: g.shardOf('c') });
    // And released it, so a replica takes it at once
    expect((await g.leases.get(g.shardOf('c')))?.spec.holderIdentity ?? null).toBeNull();
  });
});
