import type { CairnConfig } from '../../../controller/config/types';
import { CairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { Controller } from '../../../controller/reconcile/controller';
import type { WriteFence } from '../../../controller/model';
import { shardLost, type LeaseProof } from '../../../controller/shard/lease';
import type { ShardListener, ShardPort, ShardStatus } from '../../../controller/shard/shard-manager';
import {
  fakeConfig,
  fakeEnvironment,
  FakeKube,
  FakeSource,
  MemoryAudit,
  revision,
} from '../../helpers/reconcile-fakes';

const config: CairnConfig = fakeConfig(
  ['dev', 'prod'].map((name) => fakeEnvironment(name)),
  { audit: { backend: 'dynamodb', dir: '/audit', witnessDir: '/audit.witness', unkeyed: true } },
);

/** A ShardPort double: the test says what is held, and plays the manager's gained/lost calls. */
class FakeShard implements ShardPort {
  readonly identity = 'replica-a';
  readonly held = new Set<string>();
  listener!: ShardListener;
  fenceError: Error | undefined;
  released: string[] = [];
  stopped = false;
  async start(listener: ShardListener): Promise<void> {
    this.listener = listener;
  }
  holds(env: string): boolean {
    return this.held.has(env);
  }
  heldEnvironments(): readonly string[] {
    return [...this.held];
  }
  async fence(env: string, phase: 'apply-aws' | 'apply-kubernetes'): Promise<LeaseProof> {
    if (this.fenceError || !this.held.has(env)) throw this.fenceError ?? shardLost(env, 'not held', phase);
    return { holder: this.identity, resourceVersion: '12' };
  }
  /** Calls of each environment's write fence; it throws like `fence` when the env is not held. */
  readonly writeFenced: string[] = [];
  writeFence(env: string): WriteFence {
    return () => {
      this.writeFenced.push(env);
      if (this.fenceError || !this.held.has(env))
        throw this.fenceError ?? shardLost(env, 'not held', 'apply-kubernetes');
    };
  }
  status(env: string): ShardStatus {
    return {
      holder: this.held.has(env) ? this.identity : 'replica-b',
      held: this.held.has(env),
      resourceVersion: '12',
      renewTime: null,
    };
  }
  async holderOf() {
    return null;
  }
  async release(envs: readonly string[]): Promise<void> {
    for (const env of envs) {
      if (!this.held.delete(env)) continue; // as the manager: only what is still held
      this.released.push(env);
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  gain(env: string): void {
    this.held.add(env);
    this.listener.gained(env);
  }
  lose(env: string): void {
    this.held.delete(env);
    this.listener.lost(env);
  }
}

class InterruptedAudit extends MemoryAudit {
  readonly asked: (string | undefined)[] = [];
  readonly refreshed: string[] = [];
  override async interrupted(env?: string) {
    this.asked.push(env);
    return [];
  }
  override async refresh(env: string): Promise<void> {
    this.refreshed.push(env);
    await super.refresh(env);
  }
}

function setup() {
  const source = new FakeSource();
  const kube = new FakeKube();
  const audit = new InterruptedAudit();
  const shard = new FakeShard();
  const fetched: string[][] = [];
  const fetch = source.fetch.bind(source);
  source.fetch = async (branches) => {
    fetched.push(branches.map((b) => b.env));
    return fetch(branches);
  };
  source.heads = ['dev', 'prod'].map((env) => ({
    kind: 'revision' as const,
    revision: revision(`${env}1`, { aws: null, k8s: `tree-${env}` }, env),
  }));
  const controller = new Controller({
    config,
    source,
    audit,
    appliers: () => ({ kube }),
    log: silentLog(),
    shard,
  });
  return { controller, kube, audit, shard, fetched, source };
}

/**
 * A started controller that has just gained dev, its reconcile held mid-apply until `release()`:
 * for what losing or stopping does to an environment whose reconcile is running.
 */
async function devReconcileHeld() {
  const parts = setup();
  await parts.controller.start();
  let release!: () => void;
  parts.kube.gate = new Promise((r) => (release = r));
  parts.shard.gain('dev');
  await new Promise((r) => setTimeout(r, 10));
  return { ...parts, release };
}

describe('Controller with sharding', () => {
  it('touches nothing before it holds a Lease: no global interrupted scan, no fetch, no reconcile', async () => {
    const { controller, audit, kube, fetched } = setup();
    await controller.start();
    await controller.idle();
    expect(controller.ready()).toBe(true);
    expect(audit.asked).toEqual([]);
    expect(fetched).toEqual([]);
    expect(kube.calls).toEqual([]);
  });

  it('gaining an environment catches up with the ledger, closes only its interrupted attempts, and reconciles it alone', async () => {
    const { controller, audit, kube, shard, fetched } = setup();
    await controller.start();
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    // Read on gaining it, and again before its reconcile (a suspend recorded elsewhere is obeyed).
    expect(new Set(audit.refreshed)).toEqual(new Set(['dev']));
    expect(audit.asked).toEqual(['dev']);
    expect(fetched).toEqual([['dev']]);
    expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
    expect(audit.entries.map((e) => [e.env, e.lease])).toEqual([
      ['dev', { holder: 'replica-a', resourceVersion: '12' }],
    ]);
    const [dev, prod] = controller.environments();
    expect(dev!.shard).toMatchObject({ held: true, holder: 'replica-a' });
    expect(prod!.shard).toMatchObject({ held: false, holder: 'replica-b' });
  });

  it('a Lease lost before the apply stops the reconcile with shard.lost, and the retry is dropped with the environment', async () => {
    const { controller, kube, shard, audit } = setup();
    await controller.start();
    shard.fenceError = shardLost('dev', 'held by replica-b', 'apply-kubernetes');
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toEqual([]);
    expect(audit.entries[0]?.failure).toMatchObject({ code: 'shard.lost', retryable: true });
    shard.lose('dev');
    shard.fenceError = undefined;
    controller.trigger('dev', 'manual');
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toEqual([]);
  });

  it('an end refused as not open (another replica closed the entry) stops reconciling the environment until it is gained again', async () => {
    const { controller, kube, shard, audit } = setup();
    await controller.start();
    const end = audit.end.bind(audit);
    audit.end = async () => {
      throw new CairnError('reconcile d1 of dev is no longer open', {
        code: 'audit.not-open',
        phase: 'record',
      });
    };
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
    // No retry, and a manual request is not taken while the Lease still looks held here.
    audit.end = end;
    controller.trigger('dev', 'manual');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
    expect(controller.holds('dev')).toBe(false);
    // Gained again (after a catch-up with the ledger), it reconciles once more.
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(2);
  });

  it('losing an environment drops its waiting request; a reconcile running then finishes under its fence', async () => {
    const { controller, kube, shard, release } = await devReconcileHeld();
    controller.trigger('dev', 'manual'); // waits behind the running one
    await new Promise((r) => setTimeout(r, 10));
    shard.lose('dev');
    kube.gate = undefined;
    release();
    await controller.idle();
    expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
  });

  it('on stop releases idle environments at once and a running one only after its reconcile', async () => {
    const { controller, shard, release } = await devReconcileHeld();
    shard.held.add('prod'); // held and idle
    const stopping = controller.stop();
    await new Promise((r) => setTimeout(r, 10));
    expect(shard.released).toEqual(['prod']);
    expect(shard.stopped).toBe(true);
    release();
    await stopping;
    expect(shard.released).toEqual(['prod', 'dev']);
  });

  it('an environment whose ledger appends fail is released (its Lease given up) and, taken again, reconciled afresh', async () => {
    // Given a ledger that cannot take dev's appends
    const { controller, audit, kube, shard } = setup();
    const start = audit.start.bind(audit);
    let unwritable = true;
    audit.start = async (input) => {
      if (unwritable)
        throw new CairnError('could not append to the audit log after 7 tries: throttled', {
          code: 'audit.unwritable',
          phase: 'record',
          retryable: true,
        });
      return start(input);
    };
    await controller.start();

    // When dev is taken and reconciled
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();

    // Then its Lease is given up and its status says why; nothing was applied
    expect(shard.released).toEqual(['dev']);
    const dev = controller.environments().find((e) => e.name === 'dev')!;
    expect(dev.released?.reason).toContain('throttled');
    expect(dev.failure?.code).toBe('audit.unwritable');
    expect(kube.calls).not.toContain('apply');
    // readiness says so while no other replica holds dev, and not once another one does
    shard.status = () => ({ holder: null, held: false, resourceVersion: '12', renewTime: null });
    expect(controller.notReady()).toEqual({
      cause: 'audit-trail',
      detail: expect.stringContaining('environment dev is released'),
    });
    shard.status = () => ({ holder: 'replica-b', held: false, resourceVersion: '12', renewTime: null });
    expect(controller.notReady()).toBeNull();

    // When the ledger works again and dev is taken again
    unwritable = false;
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();

    // Then it is reconciled and no longer released
    expect(kube.calls).toContain('apply');
    expect(controller.environments().find((e) => e.name === 'dev')!.released).toBeUndefined();
    expect(controller.notReady()).toBeNull();
  });
});

describe('Controller with sharding: requests handed over by the CLI and by other replicas (issue 24)', () => {
  it('syncNow of a held environment is answered by the reconcile it triggers, with the entry naming the Lease', async () => {
    const { controller, shard, source } = setup();
    await controller.start();
    shard.gain('dev');
    await new Promise((r) => setTimeout(r, 10));
    await controller.idle();
    // A commit the replica has not fetched: the handed-over sync fetches and applies it.
    source.heads = [
      { kind: 'revision', revision: revision('dev2', { aws: null, k8s: 'tree-dev-2' }, 'dev') },
    ];
    const answer = await controller.syncNow('dev');
    expect(answer.entry!.toSha).toBe(
      source.heads[0]!.kind === 'revision' ? source.heads[0]!.revision.sha : '',
    );
    expect(answer).toMatchObject({ outcome: expect.any(String), entry: { env: 'dev', trigger: 'manual' } });
    expect(answer.entry!.lease).toEqual({ holder: 'replica-a', resourceVersion: '12' });
  });

  it('syncNow of an environment held elsewhere is refused with shard.not-holder, and runs nothing', async () => {
    const { controller, kube } = setup();
    await controller.start();
    await expect(controller.syncNow('prod')).rejects.toMatchObject({ code: 'shard.not-holder' });
    expect(kube.calls).toEqual([]);
  });

  it('a sync waiting when the Lease is lost is answered with shard.not-holder', async () => {
    const { controller, shard } = setup();
    await controller.start();
    shard.held.add('dev'); // held, but no reconcile can start before the loss below
    const answer = controller.syncNow('dev');
    shard.lose('dev');
    await expect(answer).resolves.toMatchObject({ outcome: 'failed', failure: { code: 'shard.not-holder' } });
  });

  it('plans a pull request only for the environments this replica holds', () => {
    const planned: (readonly string[] | undefined)[] = [];
    const shard = new FakeShard();
    shard.held.add('dev');
    const controller = new Controller({
      config: { ...config, environments: config.environments.map((e) => ({ ...e, branch: 'main' })) },
      source: new FakeSource(),
      audit: new InterruptedAudit(),
      appliers: () => ({}),
      log: silentLog(),
      shard,
      pullRequests: { plan: (_pr, _ref, only) => (planned.push(only), only ?? []) },
    });
    const pr = {
      number: 7,
      base: 'main',
      headSha: 'a'.repeat(40),
      headRef: 'x',
      fromFork: false,
      headCloneUrl: '/repo',
      repository: 'o/r',
    };
    expect(controller.planPullRequest!(pr, 'refs/pull/7/head')).toEqual(['dev']);
    expect(controller.planPullRequest!(pr, 'refs/pull/7/head', ['prod'])).toEqual([]);
    expect(planned).toEqual([['dev'], []]);
  });
});
