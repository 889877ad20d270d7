import { createServer, type Server } from 'node:http';
import { silentLog } from '../../../controller/log';
import type { ReconcileReport } from '../../../controller/model';
import { Notifier } from '../../../controller/notify/notifier';
import { freePort } from '../../helpers/net';
import { sandboxHeartbeat } from '../../helpers/sandbox-heartbeat';

jest.setTimeout(60_000);

const SHA = 'b'.repeat(40);

const STALLED: ReconcileReport = {
  outcome: 'failed',
  durationMs: 9_000,
  entryId: 'e1',
  failure: { code: 'kube.rollout-failed', phase: 'verify', retryable: false, message: 'web failed' },
};

/**
 * A generic webhook receiver on loopback: what it accepted, in order. `refuseFirst` answers the
 * first POST 503 after calling `onRefused` (the test cuts the replica off right then).
 */
async function receiver(port: number, refuseFirst?: () => void) {
  const got: Record<string, unknown>[] = [];
  let refused = false;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (refuseFirst && !refused) {
        refused = true;
        refuseFirst();
        res.writeHead(503).end();
        return;
      }
      got.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function notifier(port: number, events: ('failed' | 'stalled' | 'applied')[], dropped: string[] = []) {
  return new Notifier({
    receivers: [{ name: 'hook', type: 'webhook', urlEnv: 'HOOK_URL', events }],
    log: silentLog(),
    env: { HOOK_URL: `http://127.0.0.1:${port}/cairn` },
    dropped: (r, e) => dropped.push(`${r} ${e}`),
    // The first retry waits 6 s: past the cut-off replica's write deadline and its successor's take-over.
    retry: { baseMs: 6_000, maxMs: 6_000, windowMs: 20_000 },
  });
}

/**
 * Notifications are outbound writes of the environment's replica: a replica that lost its Lease
 * must not tell the receivers anything after its successor took over. The Lease is the unsharded
 * heartbeat on the sandbox's kube-apiserver, the replica cut off from it (its renewals stop
 * landing); the receiver is a real HTTP server on loopback. Found in review: the `stalled` message
 * of a proposed revert was queued with no fence at all, and a message's retries were sent after a
 * backoff without the fence, which was checked only when it was queued.
 */
describe('notifications of a replica that lost its Lease on the sandbox kube-apiserver', () => {
  it("the revert's stalled message is not sent once the Lease was lost after the push", async () => {
    const heartbeat = await sandboxHeartbeat('dev');
    const port = await freePort();
    const hook = await receiver(port);
    const stale = notifier(port, ['stalled']);
    try {
      // given a replica that told the receiver its release stalled while it held the heartbeat
      stale.finished('dev', SHA, 'poll', STALLED, heartbeat.replica.fence);
      await stale.idle();

      // when it is cut off from the cluster past its write deadline after pushing the revert, and
      // then tells of the revert it proposed
      heartbeat.cutOff();
      await heartbeat.lost();
      stale.revertProposed('dev', SHA, 'e1', { revert: 'c'.repeat(40) }, heartbeat.replica.fence);
      await stale.idle();

      // then the receiver got the stall alone, not the revert a replica without the Lease proposed
      expect(hook.got.map((m) => [m.event, (m.revert as { entry?: string } | undefined)?.entry])).toEqual([
        ['stalled', undefined],
      ]);
    } finally {
      stale.stop();
      await hook.close();
      await heartbeat.close();
    }
  });

  it("a retry after the backoff is not sent once the Lease was lost: it would follow the successor's message", async () => {
    const heartbeat = await sandboxHeartbeat('dev');
    const port = await freePort();
    // The receiver refuses the stale replica's first attempt, and the replica is cut off right then.
    const hook = await receiver(port, () => heartbeat.cutOff());
    const dropped: string[] = [];
    const stale = notifier(port, ['failed', 'applied'], dropped);
    const holder = notifier(port, ['failed', 'applied']);
    try {
      // given a replica whose `failed` the receiver answered 503, cut off from the cluster meanwhile
      const failure = {
        code: 'kube.unreachable',
        phase: 'apply-kubernetes' as const,
        retryable: true,
        message: 'x',
      };
      stale.finished(
        'dev',
        SHA,
        'poll',
        { outcome: 'failed', durationMs: 1, failure },
        heartbeat.replica.fence,
      );

      // when its successor takes the heartbeat over and tells the receiver the commit is applied,
      // while the stale replica waits for its retry
      const successor = await heartbeat.successor();
      holder.finished('dev', SHA, 'poll', { outcome: 'succeeded', durationMs: 1 }, successor.fence);
      await holder.idle();
      await stale.idle();

      // then the stale replica's retry was not sent (dropped, counted): the holder's message stands
      expect(hook.got.map((m) => m.event)).toEqual(['applied']);
      expect(dropped).toEqual(['hook failed']);
    } finally {
      stale.stop();
      holder.stop();
      await hook.close();
      await heartbeat.close();
    }
  });
});
