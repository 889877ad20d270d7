import { createServer } from 'node:http';
import { silentLog } from '../../../controller/log';
import { Notifier } from '../../../controller/notify/notifier';
import { freePort } from '../../helpers/net';

jest.setTimeout(30_000);

/**
 * failure-revert: the Notifier, as the controller tells it of a revert it proposed after a stalled
 * release, sends a second `stalled` message naming the failed entry and linking the pull request,
 * after the failure's own, to a real local HTTP receiver (Slack-shaped and generic JSON).
 */
describe('the notification of a proposed revert', () => {
  it('follows the stalled message, names the entry and links the pull request (or says why there is none)', async () => {
    const port = await freePort();
    const got: { path: string; body: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const notifier = new Notifier({
      receivers: [
        { name: 'chat', type: 'slack', urlEnv: 'SLACK_URL', events: ['stalled'] },
        { name: 'hook', type: 'webhook', urlEnv: 'HOOK_URL', events: ['stalled'] },
      ],
      log: silentLog(),
      publicUrl: 'https://cairn.example.com',
      env: { SLACK_URL: `http://127.0.0.1:${port}/slack`, HOOK_URL: `http://127.0.0.1:${port}/hook` },
    });
    const sha = 'b'.repeat(40);
    const failure = {
      code: 'kube.rollout-failed',
      phase: 'verify' as const,
      retryable: false,
      message: 'web failed',
    };
    try {
      notifier.finished('dev', sha, 'poll', { outcome: 'failed', durationMs: 5, entryId: 'e1', failure });
      notifier.revertProposed('dev', sha, 'e1', { revert: 'c'.repeat(40), url: 'http://gitea/pulls/7' });
      notifier.revertProposed('dev', sha, 'e2', {
        failure: {
          code: 'revert.failed',
          phase: 'record',
          retryable: false,
          message: 'conflict in web.yaml',
        },
      });
      await notifier.idle();
    } finally {
      notifier.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const slack = got.filter((g) => g.path === '/slack').map((g) => String(g.body.text));
    expect(slack).toHaveLength(3);
    expect(slack[0]).toMatch(/stalled.*\n[\s\S]*kube.rollout-failed in verify/);
    expect(slack[1]).toContain('revert proposed for audit entry e1: <http://gitea/pulls/7|pull request>');
    expect(slack[2]).toContain('revert of audit entry e2 could not be proposed: conflict in web.yaml');
    const hook = got.filter((g) => g.path === '/hook').map((g) => g.body);
    expect(hook[1]).toMatchObject({
      event: 'stalled',
      env: 'dev',
      sha,
      revert: { entry: 'e1', sha: 'c'.repeat(40), url: 'http://gitea/pulls/7' },
      link: 'https://cairn.example.com/api/audit/e1',
    });
    expect(hook[2]).toMatchObject({ revert: { entry: 'e2', failure: { code: 'revert.failed' } } });
  });
});
