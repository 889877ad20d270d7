import { PassThrough } from 'node:stream';
import {
  CommitStatusObserver,
  finalStatus,
  startStatus,
} from '../../../controller/host/commit-status-observer';
import type { CommitStatus, GitHost } from '../../../controller/host/types';
import { createLog } from '../../../controller/log';
import type { ReconcileReport, Trigger } from '../../../controller/model';

const SHA = 'abc1234def5678900000000000000000000000aa';
const PUBLIC = 'https://cairn.example';

describe('the status a reconcile leaves', () => {
  it.each<[string, Trigger, ReconcileReport, ReturnType<typeof finalStatus>]>([
    [
      'applied',
      'webhook',
      { outcome: 'succeeded', durationMs: 3_210, entryId: 'e1', drifted: 0 },
      { state: 'success', description: 'applied in 3.2s', targetUrl: `${PUBLIC}/api/audit/e1` },
    ],
    [
      'already applied',
      'manual',
      { outcome: 'no-op', durationMs: 120, entryId: 'e2' },
      {
        state: 'success',
        description: 'already applied, checked in 120ms',
        targetUrl: `${PUBLIC}/api/audit/e2`,
      },
    ],
    [
      'a terminal failure of the environment',
      'poll',
      {
        outcome: 'failed',
        durationMs: 61_000,
        entryId: 'e3',
        failure: {
          code: 'kube.rollout-failed',
          phase: 'verify',
          retryable: false,
          message: 'Deployment/apps/web:\n  ProgressDeadlineExceeded',
        },
      },
      {
        state: 'failure',
        description:
          'failed in verify after 1m01s: kube.rollout-failed Deployment/apps/web: ProgressDeadlineExceeded',
        targetUrl: `${PUBLIC}/api/audit/e3`,
      },
    ],
    [
      'a retryable failure',
      'retry',
      {
        outcome: 'failed',
        durationMs: 900,
        entryId: 'e4',
        failure: { code: 'aws.throttled', phase: 'apply-aws', retryable: true, message: 'Rate exceeded' },
      },
      {
        state: 'failure',
        description: 'failed in apply-aws after 900ms, retrying: aws.throttled Rate exceeded',
        targetUrl: `${PUBLIC}/api/audit/e4`,
      },
    ],
    [
      'cairn could not record (no entry)',
      'webhook',
      {
        outcome: 'failed',
        durationMs: 50,
        failure: { code: 'audit.append', phase: 'record', retryable: true, message: 'ENOSPC' },
      },
      {
        state: 'error',
        description: 'cairn could not record the reconcile after 50ms, retrying: audit.append ENOSPC',
      },
    ],
    [
      'interrupted',
      'startup',
      { outcome: 'interrupted', durationMs: 2_000, entryId: 'e5' },
      {
        state: 'error',
        description: 'interrupted after 2.0s; cairn reconciles it again',
        targetUrl: `${PUBLIC}/api/audit/e5`,
      },
    ],
    [
      'a quiet drift pass',
      'drift',
      { outcome: 'succeeded', durationMs: 400, entryId: 'e6', drifted: 0 },
      undefined,
    ],
    [
      'a drift repair',
      'drift',
      { outcome: 'succeeded', durationMs: 1_500, entryId: 'e7', drifted: 2 },
      {
        state: 'success',
        description: 'drift repaired in 1.5s (2 objects put back)',
        targetUrl: `${PUBLIC}/api/audit/e7`,
      },
    ],
    [
      'a failed drift repair',
      'drift',
      {
        outcome: 'failed',
        durationMs: 1_000,
        entryId: 'e8',
        failure: { code: 'kube.forbidden', phase: 'apply-kubernetes', retryable: false, message: 'no' },
      },
      {
        state: 'failure',
        description: 'drift repair failed in apply-kubernetes after 1.0s: kube.forbidden no',
        targetUrl: `${PUBLIC}/api/audit/e8`,
      },
    ],
  ])('%s', (_name, trigger, report, expected) => {
    expect(finalStatus(trigger, report, PUBLIC)).toEqual(expected);
  });

  it('links nowhere without server.publicUrl', () => {
    expect(finalStatus('poll', { outcome: 'succeeded', durationMs: 1, entryId: 'e' })).toEqual({
      state: 'success',
      description: 'applied in 1ms',
    });
  });

  it('is pending at the start, naming the commit and the trigger, except for a drift pass', () => {
    expect(startStatus('dev', SHA, 'webhook', PUBLIC)).toEqual({
      state: 'pending',
      description: 'cairn is applying abc1234 (webhook)',
      targetUrl: `${PUBLIC}/api/environments/dev`,
    });
    expect(startStatus('dev', SHA, 'drift', PUBLIC)).toBeUndefined();
  });
});

/** A host whose posts wait until the test releases them, recording their order. */
function slowHost() {
  const posted: CommitStatus[] = [];
  const gates: Array<() => void> = [];
  let failNext: Error | undefined;
  const host: GitHost = {
    type: 'gitea',
    async setCommitStatus(status) {
      await new Promise<void>((resolve) => gates.push(resolve));
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      posted.push(status);
    },
    upsertPullRequestComment: () => Promise.reject(new Error('unused')),
    openPullRequest: () => Promise.reject(new Error('unused')),
    pullRequestFrom: () => Promise.reject(new Error('unused')),
    close: async () => {},
  };
  return {
    host,
    posted,
    /** Lets the oldest waiting post through. */
    release: async () => {
      for (let i = 0; i < 20 && gates.length === 0; i++) await new Promise((r) => setImmediate(r));
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    },
    waiting: () => gates.length,
    failNext: (error: Error) => (failNext = error),
  };
}

function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log: createLog({ level: 'warn', destination: stream }), lines };
}

describe('CommitStatusObserver', () => {
  it('sends the final state only after the pending post, however slow, per environment and sha', async () => {
    const fake = slowHost();
    const observer = new CommitStatusObserver(fake.host, { log: capturedLog().log, publicUrl: PUBLIC });
    observer.started('dev', SHA, 'webhook');
    observer.finished('dev', SHA, 'webhook', { outcome: 'succeeded', durationMs: 10, entryId: 'e1' });
    // Another environment on the same commit is not held up behind dev's slow pending.
    observer.started('prod', SHA, 'webhook');
    await new Promise((r) => setImmediate(r));
    expect(fake.waiting()).toBe(2); // dev's pending and prod's pending; dev's success waits behind its pending
    await fake.release(); // dev pending (first in line)
    expect(fake.waiting()).toBe(2); // prod's pending and dev's success, each now under way
    await fake.release();
    await fake.release();
    await observer.idle();
    expect(fake.posted.map((s) => `${s.context} ${s.state}`)).toEqual([
      'cairn/dev pending',
      'cairn/prod pending',
      'cairn/dev success',
    ]);
    expect(fake.posted[2]).toEqual({
      sha: SHA,
      context: 'cairn/dev',
      state: 'success',
      description: 'applied in 10ms',
      targetUrl: `${PUBLIC}/api/audit/e1`,
    });
  });

  it('logs a post that failed (env, sha, code, no token) and still sends the next one', async () => {
    const fake = slowHost();
    const { log, lines } = capturedLog();
    const observer = new CommitStatusObserver(fake.host, { log });
    fake.failNext(
      Object.assign(new Error('gitea team/app: POST … answered HTTP 503'), { code: 'host.unavailable' }),
    );
    observer.started('dev', SHA, 'poll');
    observer.finished('dev', SHA, 'poll', { outcome: 'succeeded', durationMs: 5, entryId: 'e' });
    await fake.release();
    await fake.release();
    await observer.idle();
    expect(fake.posted.map((s) => s.state)).toEqual(['success']);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'commit status not posted',
        env: 'dev',
        sha: SHA.slice(0, 12),
        code: 'host.unavailable',
        state: 'pending',
      }),
    ]);
  });

  it('posts nothing for a quiet drift pass', async () => {
    const fake = slowHost();
    const observer = new CommitStatusObserver(fake.host, { log: capturedLog().log });
    observer.started('dev', SHA, 'drift');
    observer.finished('dev', SHA, 'drift', { outcome: 'succeeded', durationMs: 5, entryId: 'e', drifted: 0 });
    await observer.idle();
    expect(fake.waiting()).toBe(0);
    expect(fake.posted).toEqual([]);
  });

  it('close() waits a bounded time for a host that hangs', async () => {
    const fake = slowHost();
    const observer = new CommitStatusObserver(fake.host, { log: capturedLog().log });
    observer.started('dev', SHA, 'poll');
    const started = Date.now();
    await observer.close(100);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
