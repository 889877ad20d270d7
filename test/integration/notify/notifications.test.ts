import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { NotificationConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import type { AuditEntry, ReconcileReport } from '../../../controller/model';
import { rememberSecrets, forgetSecrets } from '../../../controller/model';
import { Notifier } from '../../../controller/notify/notifier';
import { freePort } from '../../helpers/net';
import { heldLease, LOST_LEASE_REPORT } from '../../helpers/lost-lease';

jest.setTimeout(60_000);

const SECRET = 'notify-test-signing-secret';
const LEAKED = 'hunter2-notify-secret';

/** A local HTTP receiver: records each body it accepted; a generic one checks the signature first. */
async function receiver(port: number, signed: boolean) {
  const got: Record<string, unknown>[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (signed) {
        const header = String(req.headers['x-cairn-signature'] ?? '');
        const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
        const want = m && createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest();
        if (!m || !want || !timingSafeEqual(want, Buffer.from(m[2]!, 'hex'))) {
          refused.push(header);
          res.writeHead(401).end();
          return;
        }
      }
      got.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { got, refused, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const entry = (id: string, message: string): AuditEntry => ({
  id,
  env: 'dev',
  trigger: 'webhook',
  fromSha: null,
  toSha: id.padEnd(40, '0'),
  author: 'Ada <ada@example.com>',
  message,
  committedAt: '2026-12-04T20:00:00.000Z',
  startedAt: '2026-12-04T20:00:00.000Z',
  finishedAt: '2026-12-04T20:00:01.000Z',
  outcome: 'succeeded',
  phases: [],
  changes: [],
});

/**
 * The Notifier as the controller drives it (ReconcileObserver), against two real local HTTP
 * receivers: a Slack-shaped one and a generic one that checks the HMAC signature. A scenario of
 * reconciles yields exactly its failed, stalled and recovered messages, in order, on both, even
 * though the generic receiver is down for the first 10 s; secrets in a failure are masked.
 */
describe('notifications', () => {
  afterAll(() => forgetSecrets());

  it('delivers exactly the failed, stalled and recovered messages, in order, after a receiver was down 10 s', async () => {
    const slackPort = await freePort();
    const hookPort = await freePort();
    const slack = await receiver(slackPort, false);
    rememberSecrets([LEAKED]);
    const entries = new Map(
      ['e1', 'e2', 'e3', 'e4'].map((id, i) => [id, entry(id, `commit ${i + 1}\n\nbody`)]),
    );
    const receivers: NotificationConfig[] = [
      { name: 'chat', type: 'slack', urlEnv: 'SLACK_URL', events: ['failed', 'stalled', 'recovered'] },
      {
        name: 'hook',
        type: 'webhook',
        urlEnv: 'HOOK_URL',
        secretEnv: 'HOOK_SECRET',
        events: ['failed', 'stalled', 'recovered'],
        environments: ['dev'],
      },
    ];
    const dropped: string[] = [];
    const notifier = new Notifier({
      receivers,
      audit: { list: async () => [], count: () => 0, get: async (id) => entries.get(id) },
      publicUrl: 'https://cairn.example.com',
      log: silentLog(),
      dropped: (r, e) => dropped.push(`${r} ${e}`),
      env: {
        SLACK_URL: `http://127.0.0.1:${slackPort}/services/T0/B0/x`,
        HOOK_URL: `http://127.0.0.1:${hookPort}/cairn`,
        HOOK_SECRET: SECRET,
      },
      retry: { baseMs: 200, maxMs: 2000, windowMs: 30_000 },
    });

    // when a scenario of reconciles runs (the generic receiver is not listening yet)
    const started = Date.now();
    const report = (r: Partial<ReconcileReport> & Pick<ReconcileReport, 'outcome'>): ReconcileReport => ({
      durationMs: 10,
      ...r,
    });
    notifier.finished(
      'dev',
      'e1'.padEnd(40, '0'),
      'webhook',
      report({ outcome: 'succeeded', entryId: 'e1' }),
    );
    notifier.finished(
      'dev',
      'e2'.padEnd(40, '0'),
      'webhook',
      report({
        outcome: 'failed',
        entryId: 'e2',
        failure: {
          code: 'kube.unreachable',
          phase: 'apply-kubernetes',
          retryable: true,
          message: `token ${LEAKED} refused`,
        },
      }),
    );
    notifier.finished(
      'dev',
      'e3'.padEnd(40, '0'),
      'webhook',
      report({
        outcome: 'failed',
        entryId: 'e3',
        failure: {
          code: 'kube.rollout-failed',
          phase: 'verify',
          retryable: false,
          message: 'Deployment/apps/web did not roll out',
          subject: 'Deployment/apps/web',
        },
      }),
    );
    notifier.finished(
      'dev',
      'e4'.padEnd(40, '0'),
      'webhook',
      report({ outcome: 'succeeded', entryId: 'e4', drifted: 0 }),
    );
    await new Promise((r) => setTimeout(r, 10_000));
    const hook = await receiver(hookPort, true);
    try {
      await notifier.idle();

      // then both receivers got exactly failed, stalled, recovered, in that order
      expect(slack.got.map((m) => String(m.text).split('\n')[0])).toEqual([
        expect.stringContaining('*failed*: environment *dev* at `e20000000000`'),
        expect.stringContaining('*stalled*'),
        expect.stringContaining('*recovered*'),
      ]);
      expect(hook.got).toMatchObject([
        {
          event: 'failed',
          env: 'dev',
          sha: 'e2'.padEnd(40, '0'),
          author: 'Ada <ada@example.com>',
          message: 'commit 2',
          outcome: 'failed',
          link: 'https://cairn.example.com/api/audit/e2',
        },
        {
          event: 'stalled',
          failure: { code: 'kube.rollout-failed', phase: 'verify', subject: 'Deployment/apps/web' },
        },
        { event: 'recovered', outcome: 'succeeded', message: 'commit 4' },
      ]);
      expect(hook.refused).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
      // and no secret left cairn
      expect(JSON.stringify([...slack.got, ...hook.got])).not.toContain(LEAKED);
      expect(JSON.stringify(hook.got[0])).toContain('[masked]');
      expect(dropped).toEqual([]);
    } finally {
      await slack.close();
      await hook.close();
    }
  });

  it('a message the receiver never takes within the window is dropped, counted, and does not hold back the next', async () => {
    const port = await freePort();
    const dropped: string[] = [];
    const notifier = new Notifier({
      receivers: [{ name: 'gone', type: 'slack', urlEnv: 'URL', events: ['failed', 'recovered'] }],
      log: silentLog(),
      dropped: (r, e) => dropped.push(`${r} ${e}`),
      env: { URL: `http://127.0.0.1:${port}/` },
      retry: { baseMs: 100, maxMs: 200, windowMs: 600 },
    });
    const failure = {
      code: 'kube.unreachable',
      phase: 'apply-kubernetes' as const,
      retryable: true,
      message: 'x',
    };
    notifier.finished('dev', 'a'.repeat(40), 'poll', { outcome: 'failed', durationMs: 1, failure });
    notifier.finished('dev', 'b'.repeat(40), 'poll', { outcome: 'succeeded', durationMs: 1 });
    await notifier.idle();
    expect(dropped).toEqual(['gone failed', 'gone recovered']);
  });
});

/**
 * Found in review: a replica paused past its Lease, thawed, told its receivers `failed`
 * (shard.lost) after the replica holding the environment had told them `applied`. The fence stands
 * for the Lease (as in test/integration/kube/object-write-fence.test.ts); the receiver is real.
 */
describe('notifications of a replica that lost its Lease', () => {
  it('are not sent once the fence reports the Lease lost', async () => {
    // given a receiver, and a notifier whose replica's fence reports the Lease lost
    const port = await freePort();
    const hook = await receiver(port, false);
    const notifier = new Notifier({
      receivers: [{ name: 'hook', type: 'webhook', urlEnv: 'HOOK_URL', events: ['failed', 'applied'] }],
      audit: { list: async () => [], count: () => 0, get: async () => undefined },
      log: silentLog(),
      env: { HOOK_URL: `http://127.0.0.1:${port}/cairn` },
      retry: { baseMs: 100, maxMs: 200, windowMs: 2_000 },
    });
    const lease = heldLease();
    const { fence } = lease;
    notifier.finished('dev', 'a'.repeat(40), 'webhook', { outcome: 'succeeded', durationMs: 10 }, fence);
    await notifier.idle();

    // when its reconcile, thawed past the Lease, ends with shard.lost
    lease.lose();
    notifier.finished('dev', 'b'.repeat(40), 'webhook', LOST_LEASE_REPORT, fence);
    await notifier.idle();

    // then the receiver got only what was told while the Lease held
    expect(hook.got.map((m) => [m.event, m.sha])).toEqual([['applied', 'a'.repeat(40)]]);
    notifier.stop();
    await hook.close();
  });
});
