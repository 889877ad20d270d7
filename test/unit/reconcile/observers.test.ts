import type { CairnConfig } from '../../../controller/config/types';
import { CommitStatusObserver } from '../../../controller/host/commit-status-observer';
import type { CommitStatus, GitHost } from '../../../controller/host/types';
import { silentLog } from '../../../controller/log';
import { DRIFT_REPAIRED, type ReconcileObserver } from '../../../controller/model';
import { Controller } from '../../../controller/reconcile/controller';
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

const config: CairnConfig = fakeConfig(
  [
    fakeEnvironment('dev', {
      driftIntervalMs: 60_000,
      kubernetes: fakeKubeTarget({ maxManifestBytes: 1024 }),
    }),
  ],
  { server: { port: 0, host: '127.0.0.1', maxBodyBytes: 1024, publicUrl: 'https://cairn.example' } },
);

/** A Git host double that records each status it is sent. */
function recordingHost(): GitHost & { readonly posted: CommitStatus[] } {
  const posted: CommitStatus[] = [];
  return {
    type: 'gitea',
    posted,
    setCommitStatus: async (status) => void posted.push(status),
    upsertPullRequestComment: () => Promise.reject(new Error('unused')),
    openPullRequest: () => Promise.reject(new Error('unused')),
    pullRequestFrom: () => Promise.reject(new Error('unused')),
    close: async () => {},
  };
}

/**
 * The controller tells its observers of every reconcile and never lets one fail it; with the
 * commit-status observer that is `cairn/<env>` pending → success/failure on the reconciled sha.
 */
describe('the controller with a commit-status observer', () => {
  function setup() {
    const source = new FakeSource();
    const kube = new FakeKube();
    kube.result = { changes: [{ target: 'kubernetes', subject: 'ConfigMap/apps/s', action: 'configured' }] };
    const host = recordingHost();
    const statuses = new CommitStatusObserver(host, { log: silentLog(), publicUrl: 'https://cairn.example' });
    const throwing: ReconcileObserver = {
      started: () => {
        throw new Error('observer bug');
      },
      finished: () => {
        throw new Error('observer bug');
      },
    };
    const audit = new MemoryAudit();
    const controller = new Controller({
      config,
      source,
      audit,
      appliers: () => ({ kube }),
      log: silentLog(),
      timers: new FakeTimers(),
      retry: { baseMs: 1000, maxMs: 8000, random: () => 1 },
      observers: [throwing, statuses],
    });
    const head = (sha: string) =>
      (source.heads = [{ kind: 'revision', revision: revision(sha, { aws: null, k8s: `t-${sha}` }) }]);
    const settle = async () => {
      await controller.idle();
      await statuses.idle();
    };
    return { controller, kube, host, head, settle, audit };
  }
  const said = (posted: readonly CommitStatus[]) =>
    posted.map((s) => `${s.context} ${s.sha.slice(0, 2)} ${s.state}: ${s.description}`);

  it('posts pending then success on the applied sha, linked to its audit entry, past an observer that throws', async () => {
    const { controller, host, head, settle, audit } = setup();
    head('a1');
    await controller.start();
    await settle();
    expect(said(host.posted)).toEqual([
      'cairn/dev a1 pending: cairn is applying a100000 (startup)',
      expect.stringMatching(/^cairn\/dev a1 success: applied in \d+ms$/),
    ]);
    const [entry] = await audit.list({ env: 'dev', limit: 1 });
    expect(host.posted[1]!.targetUrl).toBe(`https://cairn.example/api/audit/${entry!.id}`);
  });

  it('a drift pass posts nothing while nothing drifted, and success when it put objects back', async () => {
    const { controller, kube, host, head, settle } = setup();
    head('a1');
    await controller.start();
    await settle();
    host.posted.length = 0;
    controller.drift('dev');
    await settle();
    expect(host.posted).toEqual([]);
    kube.result = {
      changes: [
        { target: 'kubernetes', subject: 'ConfigMap/apps/s', action: 'configured', reason: DRIFT_REPAIRED },
      ],
    };
    controller.drift('dev');
    await settle();
    expect(said(host.posted)).toEqual([
      expect.stringMatching(/^cairn\/dev a1 success: drift repaired in \d+ms \(1 object put back\)$/),
    ]);
  });

  it('a failed reconcile posts failure naming the phase and the code', async () => {
    const { controller, kube, host, head, settle } = setup();
    kube.result = {
      changes: [],
      failure: {
        code: 'kube.prune-cap',
        phase: 'apply-kubernetes',
        retryable: false,
        message: 'would prune 3 of 4',
      },
    };
    head('b2');
    await controller.start();
    await settle();
    expect(said(host.posted)).toEqual([
      'cairn/dev b2 pending: cairn is applying b200000 (startup)',
      expect.stringMatching(
        /^cairn\/dev b2 failure: failed in apply-kubernetes after \d+ms: kube.prune-cap would prune 3 of 4$/,
      ),
    ]);
  });
});
