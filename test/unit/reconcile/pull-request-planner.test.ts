import type { CairnConfig, EnvironmentConfig } from '../../../controller/config/types';
import type { PullRequest } from '../../../controller/host/types';
import type { KubeApplier, Manifest } from '../../../controller/kube/types';
import { silentLog } from '../../../controller/log';
import { CairnError, type PlaneResult } from '../../../controller/model';
import { Controller } from '../../../controller/reconcile/controller';
import { EnvLock } from '../../../controller/reconcile/env-lock';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import type { PullRequestHead, Revision } from '../../../controller/source/types';
import { RecordingGitHost } from '../../helpers/recording-git-host';
import {
  fakeConfig,
  fakeEnvironment,
  fakeKubeTarget,
  FakeSource,
  MemoryAudit,
  revision,
} from '../../helpers/reconcile-fakes';

const sha = (short: string) => short.padEnd(40, '0');

function environment(name: string, branch: string): EnvironmentConfig {
  return fakeEnvironment(name, {
    branch,
    driftIntervalMs: 60_000,
    kubernetes: fakeKubeTarget({ maxManifestBytes: 1024 }),
  });
}

/** A source whose pull request heads resolve to revisions of the base, and that counts fetches. */
class PullSource extends FakeSource {
  readonly pulls: PullRequestHead[] = [];
  async fetchPullRequest(head: PullRequestHead): Promise<Revision> {
    this.pulls.push(head);
    return {
      ...revision(head.sha.slice(0, 7), { aws: null, k8s: 'tree' }, head.env),
      pullRequest: head.number,
    };
  }
}

/** A Kubernetes applier whose plan can be held, and that records plans and applies separately. */
class PlanKube implements KubeApplier {
  readonly calls: string[] = [];
  gate: Promise<void> | undefined;
  loadError: Error | undefined;
  planned: PlaneResult = {
    changes: [
      { target: 'kubernetes', subject: 'ConfigMap/apps/settings', action: 'configured', diff: '-a\n+b' },
    ],
  };
  async load(dir: string): Promise<readonly Manifest[]> {
    this.calls.push(`load ${dir}`);
    if (this.loadError) throw this.loadError;
    return [];
  }
  async plan(): Promise<PlaneResult> {
    this.calls.push('plan');
    if (this.gate) await this.gate;
    return this.planned;
  }
  async apply(): Promise<PlaneResult> {
    this.calls.push('apply start');
    if (this.gate) await this.gate;
    this.calls.push('apply end');
    return { changes: [] };
  }
  async drifted(): Promise<readonly string[]> {
    return [];
  }
  async close(): Promise<void> {}
}

function config(environments: readonly EnvironmentConfig[]): CairnConfig {
  return fakeConfig(environments);
}

function pr(head: string, over: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 12,
    base: 'dev',
    headSha: sha(head),
    headRef: 'feature',
    fromFork: false,
    headCloneUrl: 'https://git.example.com/platform/infra.git',
    repository: 'platform/infra',
    url: 'https://git.example.com/platform/infra/pulls/12',
    ...over,
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function setup(
  options: {
    planForks?: boolean;
    lock?: EnvLock;
    planTimeoutMs?: number;
    pullRequests?: Readonly<Record<string, EnvironmentConfig['pullRequests']>>;
  } = {},
) {
  const environments = [
    environment('dev', 'dev'),
    environment('dev-eu', 'dev'),
    environment('prod', 'main'),
  ].map((env) => {
    const own = options.pullRequests?.[env.name];
    return own ? { ...env, pullRequests: own } : env;
  });
  const source = new PullSource();
  const kube = new PlanKube();
  const host = new RecordingGitHost();
  const lock = options.lock ?? new EnvLock();
  const planner = new PullRequestPlanner({
    environments,
    source,
    appliers: () => ({ kube }),
    host,
    lock,
    log: silentLog(),
    repo: 'Platform/Infra',
    planForks: options.planForks ?? false,
    planTimeoutMs: options.planTimeoutMs ?? 900_000,
  });
  return { environments, source, kube, host, lock, planner };
}

/** `setup` with a controller of prod (its branch at a1) sharing the planner's lock. */
function setupWithController(options: { pullRequests?: boolean } = {}) {
  const lock = new EnvLock();
  const parts = setup({ lock });
  const source = new PullSource();
  source.heads = [{ kind: 'revision', revision: revision('a1', { aws: null, k8s: 'tree-a1' }, 'prod') }];
  const controller = new Controller({
    config: config(parts.environments),
    source,
    audit: new MemoryAudit(),
    appliers: () => ({ kube: parts.kube }),
    log: silentLog(),
    lock,
    ...(options.pullRequests ? { pullRequests: parts.planner } : {}),
  });
  return { ...parts, controller };
}

describe('PullRequestPlanner', () => {
  it('plans every environment whose branch is the base: one comment each, pending then success on the head', async () => {
    const { planner, host, source, kube } = setup();
    // when a pull request into dev is opened
    expect(planner.plan(pr('aaa'), 'refs/pull/12/head')).toEqual(['dev', 'dev-eu']);
    await planner.idle();
    // then each environment tracking dev fetched the head from the ref and planned, nothing applied
    expect(source.pulls.map((p) => `${p.env} ${p.ref} ${p.sha.slice(0, 3)}`).sort()).toEqual([
      'dev refs/pull/12/head aaa',
      'dev-eu refs/pull/12/head aaa',
    ]);
    expect(kube.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    expect(host.statuses('cairn/plan/dev')).toEqual([
      'aaa0000 pending: planning',
      'aaa0000 success: 0 to create, 1 to change, 0 to delete',
    ]);
    expect(host.statuses('cairn/plan/dev-eu')).toHaveLength(2);
    expect([...host.comments.keys()].sort()).toEqual([
      `12:${planMarker('dev')}`,
      `12:${planMarker('dev-eu')}`,
    ]);
    expect(host.comments.get(`12:${planMarker('dev')}`)!.body).toContain(
      '<code>ConfigMap/apps/settings</code>',
    );
    // and the status links to the pull request
    const status = host.calls.find((c) => c.kind === 'status');
    expect(status?.kind === 'status' && status.status.targetUrl).toBe(
      'https://git.example.com/platform/infra/pulls/12',
    );
  });

  it('keeps the last plan status per pull request and environment for the web UI, newest first', async () => {
    const { planner } = setup();
    planner.plan(pr('aaa', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    planner.plan(pr('bbb', { base: 'main', number: 13 }), 'refs/pull/13/head');
    await planner.idle();
    planner.plan(pr('ccc', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    expect(planner.plans('prod').map((p) => `#${p.number} ${p.sha.slice(0, 3)} ${p.state}`)).toEqual([
      '#12 ccc success',
      '#13 bbb success',
    ]);
    expect(planner.plans('dev')).toEqual([]);
  });

  it('a pull request into a branch no environment tracks is not planned', async () => {
    const { planner, host, source } = setup();
    expect(planner.plan(pr('aaa', { base: 'feature-x' }), 'refs/pull/12/head')).toEqual([]);
    await planner.idle();
    expect(source.pulls).toEqual([]);
    expect(host.calls).toEqual([]);
  });

  it.each(['platform/infra-fork', 'mallory/infra', 'other/platform/infra'])(
    'a pull request event of another repository (%s) is not planned, whatever its number and base',
    async (repository) => {
      const { planner, host, source } = setup();
      // when an event signed with the same secret (an organization hook) names another repository
      expect(planner.plan(pr('aaa', { repository }), 'refs/pull/12/head')).toEqual([]);
      await planner.idle();
      // then nothing of the configured repository's pull request 12 is fetched, commented or set
      expect(source.pulls).toEqual([]);
      expect(host.calls).toEqual([]);
    },
  );

  it('a second push updates the same comment', async () => {
    const { planner, host } = setup();
    planner.plan(pr('aaa', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    planner.plan(pr('bbb', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    const comment = host.comments.get(`12:${planMarker('prod')}`)!;
    expect(comment.writes).toBe(2);
    expect(comment.body).toContain('at `bbb000000000`');
  });

  it('a fork is not planned unless planForks is on, and the comment and status say why', async () => {
    const { planner, host, source } = setup();
    planner.plan(pr('aaa', { base: 'main', fromFork: true }), 'refs/pull/12/head');
    await planner.idle();
    expect(source.pulls).toEqual([]);
    expect(host.statuses('cairn/plan/prod')).toEqual([
      'aaa0000 error: not planned: pull requests from forks are off for prod (repository.host.planForks)',
    ]);
    expect(host.comments.get(`12:${planMarker('prod')}`)!.body).toMatch(/fork.*planForks is off/);

    const allowed = setup({ planForks: true });
    allowed.planner.plan(pr('aaa', { base: 'main', fromFork: true }), 'refs/pull/12/head');
    await allowed.planner.idle();
    expect(allowed.source.pulls).toHaveLength(1);
    expect(allowed.host.statuses('cairn/plan/prod').at(-1)).toMatch(/success/);
  });

  it("an environment's own pullRequests.planForks overrides the repository's, and its comment names it", async () => {
    const { planner, host, source } = setup({
      planForks: true,
      pullRequests: { 'dev-eu': { planForks: false } },
    });
    planner.plan(pr('aaa', { fromFork: true }), 'refs/pull/12/head');
    await planner.idle();
    expect(source.pulls.map((p) => p.env)).toEqual(['dev']);
    expect(host.statuses('cairn/plan/dev-eu')).toEqual([
      'aaa0000 error: not planned: pull requests from forks are off for dev-eu (environments[dev-eu].pullRequests.planForks)',
    ]);
    expect(host.comments.get(`12:${planMarker('dev-eu')}`)!.body).toContain(
      '**Not planned**: pull request #12 at `aaa000000000` was not planned for `dev-eu`',
    );
    expect(host.statuses('cairn/plan/dev').at(-1)).toMatch(/success/);

    const opted = setup({ pullRequests: { prod: { planForks: true } } });
    opted.planner.plan(pr('bbb', { base: 'main', fromFork: true }), 'refs/pull/12/head');
    await opted.planner.idle();
    expect(opted.host.statuses('cairn/plan/prod').at(-1)).toMatch(/success/);
  });

  it('a plan past its deadline is abandoned: the lock goes back at once, the status names the field to raise', async () => {
    const { planner, host, kube, lock } = setup({ pullRequests: { prod: { planTimeoutMs: 50 } } });
    const held = gate();
    kube.gate = held.promise;
    planner.plan(pr('aaa', { base: 'main' }), 'refs/pull/12/head');
    await new Promise((resolve) => setTimeout(resolve, 10));
    // a reconcile asking for prod's lock while the plan holds it gets it once the deadline passed
    const asked = Date.now();
    await lock.run('prod', async () => undefined);
    expect(Date.now() - asked).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(host.statuses('cairn/plan/prod').at(-1)).toBe(
      'aaa0000 failure: plan timed out after 50ms; raise environments[prod].pullRequests.planTimeout',
    );
    expect(host.comments.get(`12:${planMarker('prod')}`)!.body).toContain('**Timed out**');
    // the abandoned plan keeps prod's turn until its work ends; its result is thrown away
    let idle = false;
    void planner.idle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false);
    held.open();
    await planner.idle();
    expect(host.statuses('cairn/plan/prod').at(-1)).toMatch(/timed out/);
    expect(host.comments.get(`12:${planMarker('prod')}`)!.writes).toBe(1);
  });

  it('a broken manifest fails the plan: failure status, and the comment names the file', async () => {
    const { planner, host, kube } = setup();
    kube.loadError = new CairnError('bad indentation at line 3', {
      code: 'kube.invalid-manifest',
      phase: 'plan',
      subject: 'k8s-resources/broken.yaml',
    });
    planner.plan(pr('ccc', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    expect(host.statuses('cairn/plan/prod').at(-1)).toBe(
      'ccc0000 failure: plan failed: k8s-resources/broken.yaml',
    );
    expect(host.comments.get(`12:${planMarker('prod')}`)!.body).toContain(
      '**The Kubernetes plan failed** in `k8s-resources/broken.yaml`',
    );
  });

  it('a newer push supersedes a plan still waiting for the environment', async () => {
    const { planner, host, source, lock } = setup();
    const held = gate();
    const holder = lock.run('prod', () => held.promise);
    planner.plan(pr('aaa', { base: 'main' }), 'refs/pull/12/head');
    await new Promise((r) => setImmediate(r));
    planner.plan(pr('bbb', { base: 'main' }), 'refs/pull/12/head');
    planner.plan(pr('ccc', { base: 'main' }), 'refs/pull/12/head');
    held.open();
    await holder;
    await planner.idle();
    // then only the newest head was fetched and planned, and the comment shows it
    expect(source.pulls.map((p) => p.sha.slice(0, 3))).toEqual(['ccc']);
    expect(host.comments.get(`12:${planMarker('prod')}`)).toEqual({
      body: expect.stringContaining('at `ccc0'),
      writes: 1,
    });
    expect(host.statuses('cairn/plan/prod')).toEqual([
      "aaa0000 pending: waiting for prod's reconcile",
      'aaa0000 error: superseded by a newer push; not planned',
      'ccc0000 pending: planning',
      'ccc0000 success: 0 to create, 1 to change, 0 to delete',
    ]);
  });

  it("never plans beside the environment's reconcile: a plan waits for the apply in flight to end", async () => {
    // Given a controller and a planner sharing one lock, and dev's apply held in flight
    const { planner, kube, host, controller } = setupWithController({ pullRequests: true });
    const apply = gate();
    kube.gate = apply.promise;
    await controller.start();
    await new Promise((r) => setImmediate(r));
    expect(kube.calls).toEqual([`load /tmp/fake-${sha('a1')}`, 'apply start']);

    // when a pull request into main asks for a plan through the controller
    expect(controller.planPullRequest?.(pr('bbb', { base: 'main' }), 'refs/pull/12/head')).toEqual(['prod']);
    await new Promise((r) => setTimeout(r, 20));
    // then it waits, pending, while the apply runs
    expect(kube.calls).not.toContain('plan');
    expect(host.statuses('cairn/plan/prod')).toEqual(["bbb0000 pending: waiting for prod's reconcile"]);

    // and runs once the apply ended
    kube.gate = undefined;
    apply.open();
    await controller.idle();
    await planner.idle();
    expect(kube.calls.slice(1)).toEqual(['apply start', 'apply end', `load /tmp/fake-${sha('bbb')}`, 'plan']);
    expect(host.statuses('cairn/plan/prod').at(-1)).toMatch(/^bbb0000 success/);
  });

  it('an apply that comes while a plan of its environment runs waits for the plan to end', async () => {
    const { planner, kube, controller } = setupWithController();
    // given a plan of prod held in flight
    const held = gate();
    kube.gate = held.promise;
    planner.plan(pr('bbb', { base: 'main' }), 'refs/pull/12/head');
    await new Promise((r) => setTimeout(r, 10));
    expect(kube.calls.at(-1)).toBe('plan');
    // when prod's branch moves and a reconcile is queued
    await controller.start();
    await new Promise((r) => setTimeout(r, 20));
    // then nothing of the reconcile runs until the plan is done
    expect(kube.calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    held.open();
    await planner.idle();
    await controller.idle();
    expect(kube.calls.slice(-2)).toEqual(['apply start', 'apply end']);
    expect(kube.calls.indexOf('plan')).toBeLessThan(kube.calls.indexOf('apply start'));
  });

  it("many pull requests' plans never hold back the environment's reconcile: it waits for the plan in flight only", async () => {
    // Found in review: the lock is first come first served, and every pull request's plan queued on
    // it, so whoever may open pull requests (no push rights) could open twenty whose synths run to
    // the timeout (5 minutes each) and keep a merged hotfix from being applied for 100 minutes.
    const { planner, kube, controller } = setupWithController();
    // given one plan of prod in flight and eight more pull requests into main asking for theirs
    const held = gate();
    kube.gate = held.promise;
    for (let n = 12; n <= 20; n++)
      planner.plan(pr(`${n}a`, { base: 'main', number: n }), `refs/pull/${n}/head`);
    await new Promise((r) => setTimeout(r, 10));
    // when prod's branch moves and a reconcile is queued
    await controller.start();
    await new Promise((r) => setTimeout(r, 20));
    held.open();
    kube.gate = undefined;
    await controller.idle();
    await planner.idle();
    // then the reconcile ran right after the plan in flight, and the other plans after it
    const order = kube.calls.filter((c) => c === 'plan' || c === 'apply start');
    expect(order.indexOf('apply start')).toBe(1);
    expect(order.filter((c) => c === 'plan')).toHaveLength(9);
  });

  it('a Git host that is down is logged, and the plan still runs to the end', async () => {
    const { planner, host, kube } = setup();
    host.failWith = new Error('503 Service Unavailable');
    planner.plan(pr('aaa', { base: 'main' }), 'refs/pull/12/head');
    await planner.idle();
    expect(kube.calls).toContain('plan');
  });

  it('a controller without a planner offers no planPullRequest (the webhook route then ignores pull requests)', () => {
    const { environments } = setup();
    const controller = new Controller({
      config: config(environments),
      source: new FakeSource(),
      audit: new MemoryAudit(),
      appliers: () => ({}),
      log: silentLog(),
    });
    expect(controller.planPullRequest).toBeUndefined();
  });
});
