import type { CairnConfig, EnvironmentConfig } from '../../../controller/config/types';
import { Writable } from 'node:stream';
import { createLog, silentLog } from '../../../controller/log';
import { DRIFT_REPAIRED, type Failure, type PlaneResult } from '../../../controller/model';
import { Controller } from '../../../controller/reconcile/controller';
import { startSchedules } from '../../../controller/reconcile/schedules';
import type { ControllerMetrics } from '../../../controller/reconcile/status';
import type { BranchHead } from '../../../controller/source/types';
import { FakeTimers } from '../../helpers/fake-timers';
import {
  fakeConfig,
  fakeEnvironment,
  FakeKube,
  fakeKubeTarget,
  FakeSource,
  MemoryAudit,
  revision,
} from '../../helpers/reconcile-fakes';

const DRIFT_MS = 60_000;
const POLL_MS = 30_000;

function config(envs: readonly Partial<EnvironmentConfig>[] = [{}]): CairnConfig {
  return fakeConfig(
    envs.map((e, i) =>
      fakeEnvironment(i === 0 ? 'dev' : `env${i}`, {
        driftIntervalMs: DRIFT_MS,
        kubernetes: fakeKubeTarget({ maxManifestBytes: 64 * 1024 * 1024 }),
        ...e,
      }),
    ),
    { repository: { url: '/repo', backend: 'isomorphic', pollIntervalMs: POLL_MS, watch: false } },
  );
}

/** Records what the controller tells its metrics, per call. */
class RecordingMetrics implements ControllerMetrics {
  readonly calls: string[] = [];
  readonly stalled = new Map<string, boolean>();
  observeReconcile(env: string, outcome: string): void {
    this.calls.push(`reconcile ${env} ${outcome}`);
  }
  observePhase(): void {}
  setLastSuccess(env: string): void {
    this.calls.push(`success ${env}`);
  }
  setQueueDepth(): void {}
  observeFetch(): void {}
  incDrift(env: string, count: number): void {
    if (count > 0) this.calls.push(`drift ${env} ${count}`);
  }
  setStalled(env: string, stalled: boolean): void {
    this.stalled.set(env, stalled);
  }
}

const failure = (retryable: boolean): Failure => ({
  code: retryable ? 'kube.unreachable' : 'kube.prune-cap',
  phase: 'apply-kubernetes',
  retryable,
  subject: 'environment dev',
  message: retryable ? 'connection refused' : 'this commit would prune 3 of the 4 objects',
});
const failed = (retryable: boolean): PlaneResult => ({ changes: [], failure: failure(retryable) });
const ok: PlaneResult = {
  changes: [{ target: 'kubernetes', subject: 'ConfigMap/apps/settings', action: 'configured', type: 'v1' }],
};

/** One environment `dev` on fakes, with hand-driven timers; `head(sha)` moves its branch. */
function setup(envs?: readonly Partial<EnvironmentConfig>[], audit = new MemoryAudit()) {
  const source = new FakeSource();
  const kube = new FakeKube();
  kube.result = ok;
  const timers = new FakeTimers();
  const metrics = new RecordingMetrics();
  const cfg = config(envs);
  const controller = new Controller({
    config: cfg,
    source,
    audit,
    appliers: () => ({ kube }),
    log: silentLog(),
    metrics,
    timers,
    // random 1: every delay is exactly its ceiling, 1 s doubling up to 8 s.
    retry: { baseMs: 1000, maxMs: 8000, random: () => 1 },
  });
  const head = (sha: string, env = 'dev') => {
    const envOf = (h: BranchHead) => (h.kind === 'revision' ? h.revision.env : h.env);
    source.heads = [
      ...source.heads.filter((h) => envOf(h) !== env),
      { kind: 'revision', revision: revision(sha, { aws: null, k8s: `tree-${sha}` }, env) },
    ];
  };
  const sha = (short: string) => short.padEnd(40, '0');
  const status = (env = 'dev') => controller.environments().find((e) => e.name === env)!;
  /** Fires the timers due within `ms` and waits for what they queued. */
  const advance = async (ms: number) => {
    timers.advance(ms);
    await controller.idle();
  };
  return { controller, source, kube, audit, timers, metrics, head, sha, status, advance, cfg };
}

describe('Controller', () => {
  describe('coalescing', () => {
    it('runs the newest head once after a reconcile in flight, whatever arrived meanwhile', async () => {
      // given a reconcile of a1 held in the Kubernetes apply
      const { controller, kube, audit, head, sha, status } = setup();
      let release!: () => void;
      kube.gate = new Promise((r) => (release = r));
      head('a1');
      await controller.start();
      expect(status().status).toBe('progressing');

      // when b2 and then c3 arrive while it runs
      head('b2');
      await controller.fetch('poll');
      head('c3');
      await controller.fetch('webhook');
      kube.gate = undefined;
      release();
      await controller.idle();

      // then a1 finished and only c3 ran after it: b2 was passed over
      expect(audit.entries.map((e) => e.toSha)).toEqual([sha('a1'), sha('c3')]);
      expect(audit.entries[1]!.trigger).toBe('webhook');
      expect(status()).toMatchObject({ status: 'synced', lastAppliedSha: sha('c3'), headSha: sha('c3') });
    });

    it('does not reconcile again a head that is already applied', async () => {
      const { controller, kube, head } = setup();
      head('a1');
      await controller.start();
      await controller.idle();
      await controller.fetch('poll');
      await controller.idle();
      expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
    });
  });

  describe('a retryable failure', () => {
    it('backs off exponentially on the same sha, capped, and a success ends the retries', async () => {
      // given a Kubernetes apply that keeps failing in a way a retry may fix
      const { controller, kube, timers, head, status, advance, audit } = setup();
      kube.result = failed(true);
      head('a1');
      await controller.start();
      await controller.idle();
      expect(status()).toMatchObject({ status: 'failed', failure: failure(true) });
      const applies = () => kube.calls.filter((c) => c === 'apply').length;

      // then each retry waits twice as long as the one before, up to the cap
      for (const delay of [1000, 2000, 4000, 8000, 8000]) {
        const before = applies();
        await advance(delay - 1);
        expect(applies()).toBe(before);
        await advance(1);
        expect(applies()).toBe(before + 1);
      }
      expect(audit.entries.at(-1)!.trigger).toBe('retry');
      // a poll of the same head does not jump the backoff
      const before = applies();
      await controller.fetch('poll');
      await controller.idle();
      expect(applies()).toBe(before);

      // when the next retry succeeds, then the environment is synced and nothing more is scheduled
      kube.result = ok;
      await advance(8000);
      expect(status()).toMatchObject({ status: 'synced', failure: null });
      expect(timers.pending()).toBe(0);
    });

    it('drops the backoff of an old sha when a new commit arrives, and reconciles the new one at once', async () => {
      const { controller, kube, timers, head, sha, status } = setup();
      kube.result = failed(true);
      head('a1');
      await controller.start();
      await controller.idle();
      kube.result = ok;
      head('b2');
      await controller.fetch('poll');
      await controller.idle();
      expect(status()).toMatchObject({ status: 'synced', lastAppliedSha: sha('b2') });
      expect(timers.pending()).toBe(0);
    });
  });

  describe('a terminal failure', () => {
    it('stalls the environment: no retry, no re-run on polls, shown in status and metrics', async () => {
      // given a commit the environment refuses in a way retrying cannot fix
      const { controller, kube, timers, metrics, head, sha, status, audit } = setup();
      kube.result = failed(false);
      head('a1');
      await controller.start();
      await controller.idle();

      // then it is stalled, with the failure that stalled it, and nothing is scheduled
      expect(status()).toMatchObject({
        status: 'stalled',
        headSha: sha('a1'),
        lastOutcome: 'failed',
        failure: failure(false),
      });
      expect(metrics.stalled.get('dev')).toBe(true);
      expect(timers.pending()).toBe(0);
      expect(audit.entries.at(-1)!.failure).toEqual(failure(false));

      // and polls of the same head do nothing
      await controller.fetch('poll');
      await controller.idle();
      timers.advance(3_600_000);
      await controller.idle();
      expect(kube.calls.filter((c) => c === 'apply')).toHaveLength(1);
    });

    it('clears with a new commit', async () => {
      const { controller, kube, metrics, head, sha, status } = setup();
      kube.result = failed(false);
      head('a1');
      await controller.start();
      await controller.idle();
      // when the fix is pushed
      kube.result = ok;
      head('b2');
      await controller.fetch('webhook');
      await controller.idle();
      // then it reconciles and the stall is gone
      expect(status()).toMatchObject({ status: 'synced', lastAppliedSha: sha('b2'), failure: null });
      expect(metrics.stalled.get('dev')).toBe(false);
    });

    it('clears with a manual sync of the same commit', async () => {
      const { controller, kube, metrics, head, sha, status, audit } = setup();
      kube.result = failed(false);
      head('a1');
      await controller.start();
      await controller.idle();
      // when the cause is fixed outside Git and someone asks for a sync
      kube.result = ok;
      controller.trigger('dev', 'manual');
      await controller.idle();
      // then the same sha is reconciled again and succeeds
      expect(audit.entries.map((e) => [e.toSha, e.trigger])).toEqual([
        [sha('a1'), 'startup'],
        [sha('a1'), 'manual'],
      ]);
      expect(status()).toMatchObject({ status: 'synced', lastAppliedSha: sha('a1') });
      expect(metrics.stalled.get('dev')).toBe(false);
    });

    it('stays stalled across a restart on the same head', async () => {
      // given a stalled environment whose controller restarts
      const first = setup();
      first.kube.result = failed(false);
      first.head('a1');
      await first.controller.start();
      await first.controller.idle();
      await first.controller.stop();
      const second = setup(undefined, first.audit);
      second.head('a1');
      // when the new controller starts
      await second.controller.start();
      await second.controller.idle();
      // then it does not try the same commit again
      expect(second.kube.calls).toEqual([]);
      expect(second.status()).toMatchObject({ status: 'stalled', failure: failure(false) });
      expect(second.metrics.stalled.get('dev')).toBe(true);
    });

    it('leaves other environments alone', async () => {
      const { controller, kube, head, status } = setup([{}, {}]);
      kube.result = failed(false);
      head('a1');
      await controller.start();
      await controller.idle();
      kube.result = ok;
      head('b1', 'env1');
      await controller.fetch('poll');
      await controller.idle();
      expect(status('dev').status).toBe('stalled');
      expect(status('env1').status).toBe('synced');
    });
  });

  describe('the drift schedule', () => {
    it('runs a drift pass every driftInterval once the head is applied, and counts repaired objects', async () => {
      // given a synced environment and the schedules on hand-driven timers (no jitter)
      const { controller, kube, metrics, head, status, timers, cfg } = setup();
      head('a1');
      await controller.start();
      await controller.idle();
      const schedules = startSchedules(cfg, controller, silentLog(), { timers, random: () => 0.5 });
      kube.result = {
        changes: [
          {
            target: 'kubernetes',
            subject: 'ConfigMap/apps/settings',
            action: 'configured',
            reason: DRIFT_REPAIRED,
          },
        ],
      };

      // when less than the interval passes, then nothing; when it passes, then one drift pass
      timers.advance(DRIFT_MS - 1);
      await controller.idle();
      expect(kube.calls).toEqual(['load /tmp/fake-a1' + '0'.repeat(38), 'apply']);
      timers.advance(1);
      await controller.idle();
      expect(kube.calls.at(-1)).toBe('apply drift');
      expect(status().status).toBe('drifted');
      expect(metrics.calls).toContain('drift dev 1');

      // and again one interval later; a quiet pass makes it synced
      kube.result = ok;
      timers.advance(DRIFT_MS);
      await controller.idle();
      expect(kube.calls.filter((c) => c === 'apply drift')).toHaveLength(2);
      expect(status().status).toBe('synced');
      await schedules.stop();
      expect(timers.pending()).toBe(0);
    });

    it('skips drift passes for an environment that is stalled or has no Kubernetes target', async () => {
      const { controller, kube, head, timers, cfg } = setup([{}, { kubernetes: undefined }]);
      kube.result = failed(false);
      head('a1');
      await controller.start();
      await controller.idle();
      const schedules = startSchedules(cfg, controller, silentLog(), { timers, random: () => 0.5 });
      timers.advance(DRIFT_MS * 3);
      await controller.idle();
      expect(kube.calls.filter((c) => c === 'apply drift')).toEqual([]);
      await schedules.stop();
    });

    it('polls every pollInterval', async () => {
      const { controller, source, timers, cfg } = setup();
      let fetches = 0;
      const fetch = source.fetch.bind(source);
      source.fetch = async (branches) => {
        fetches += 1;
        return fetch(branches);
      };
      const schedules = startSchedules(cfg, controller, silentLog(), { timers, random: () => 0.5 });
      timers.advance(POLL_MS * 2);
      await controller.idle();
      expect(fetches).toBe(2);
      await schedules.stop();
    });
  });

  describe('status', () => {
    it('says when the environment was last checked, quiet passes folded into the log included', async () => {
      const { controller, head, audit, status } = setup();
      head('a1');
      await controller.start();
      await controller.idle();
      // given a quiet pass the log folded after the last full entry
      const later = new Date(Date.parse(status().lastReconcileAt!) + 60_000).toISOString();
      audit.checked.set('dev', later);
      // then the status shows the later time, while the last reconcile stays the full entry's
      expect(status().lastCheckedAt).toBe(later);
      expect(status().lastReconcileAt).not.toBe(later);
    });

    it('is unknown before the first fetch, and failed with a reason when the branch is missing', async () => {
      const { controller, source, status } = setup();
      expect(status()).toMatchObject({ status: 'unknown', headSha: null, lastOutcome: null, failure: null });
      expect(controller.ready()).toBe(false);
      source.heads = [{ kind: 'missing-branch', env: 'dev', branch: 'dev' }];
      await controller.start();
      expect(controller.ready()).toBe(true);
      expect(status()).toMatchObject({
        status: 'failed',
        failure: {
          code: 'source.no-revision',
          phase: 'fetch',
          retryable: true,
          message: 'branch dev does not exist',
        },
      });
    });

    it('logs a missing branch when it changes and then hourly, not at every poll', async () => {
      // given a controller whose log lines are kept and whose clock is in the test's hands
      const lines: Record<string, unknown>[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      });
      let now = Date.parse('2026-01-01T00:00:00Z');
      const source = new FakeSource();
      const controller = new Controller({
        config: config(),
        source,
        audit: new MemoryAudit(),
        appliers: () => ({ kube: new FakeKube() }),
        log: createLog({ destination }),
        timers: new FakeTimers(),
        now: () => new Date(now),
      });
      const warnings = () => lines.filter((l) => l.msg === 'environment has no revision');
      source.heads = [{ kind: 'missing-branch', env: 'dev', branch: 'dev' }];

      // when the branch is missing at start and at every poll for 59 minutes
      await controller.start();
      for (let i = 0; i < 59; i++) {
        now += 60_000;
        await controller.fetch('poll');
      }
      // then it was named once, with where to name a renamed branch
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]).toMatchObject({
        env: 'dev',
        err: 'branch dev does not exist',
        hint: expect.stringContaining('set environments[0].branch to its new name'),
      });
      // and again once the hour is up, and at once when the reason changes
      now += 60_000;
      await controller.fetch('poll');
      expect(warnings()).toHaveLength(2);
      source.heads = [{ kind: 'error', env: 'dev', branch: 'dev', error: new Error('connection refused') }];
      await controller.fetch('poll');
      expect(warnings()).toHaveLength(3);
      expect(warnings()[2]).toMatchObject({ err: 'connection refused' });
    });

    it('says when and how the last reconcile ended, and what the metrics saw', async () => {
      const { controller, head, sha, status, metrics } = setup();
      head('a1');
      await controller.start();
      await controller.idle();
      expect(status()).toMatchObject({
        name: 'dev',
        branch: 'dev',
        status: 'synced',
        lastAppliedSha: sha('a1'),
        lastOutcome: 'succeeded',
        queueDepth: 0,
      });
      expect(status().lastReconcileAt).toEqual(expect.any(String));
      expect(status().lastCheckedAt).toBe(status().lastReconcileAt);
      expect(metrics.calls).toEqual(['reconcile dev succeeded', 'success dev']);
      expect(controller.environmentsForBranch('dev')).toEqual(['dev']);
    });
  });
});
