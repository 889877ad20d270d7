import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { watchChild, type WatchedChild } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { BUILT_CAIRN } from '../../helpers/killable-run';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

const OLD = randomBytes(24).toString('hex');
const NEW = randomBytes(24).toString('hex');
let repo: TestRepo | undefined;
let run: WatchedChild | undefined;

afterEach(async () => {
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
});
afterAll(() => repo?.remove());

/** Starts the compiled `cairn run` with `server` settings and the two secrets in its environment; returns its URL. */
async function startRun(server: Record<string, unknown>): Promise<string> {
  repo ??= createTestRepo('webhook-rotation', { dev: { 'README.md': 'nothing to apply\n' } });
  const config = join(repo.root, `cairn-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(
    config,
    stringify({
      repository: { url: repo.bare, pollInterval: '1h' },
      environments: [{ name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig } }],
      audit: {
        dir: join(repo.root, `audit-${randomBytes(3).toString('hex')}`),
        keyFile: auditKeyFile(repo.root),
      },
      server: { port: 0, ...server },
    }),
  );
  run = watchChild(
    spawn(process.execPath, [BUILT_CAIRN, 'run', '--config', config], {
      env: { ...process.env, HOOK_SECRET: NEW, HOOK_SECRET_OLD: OLD },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = run
      .output()
      .split('\n')
      .find((l) => l.includes('"controller started"'));
    if (line) return (JSON.parse(line) as { url: string }).url;
    if (Date.now() > deadline || run.child.exitCode !== null)
      throw new Error(`cairn run did not start: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A GitHub ping delivery signed with `secret`: the answer's status. */
async function ping(url: string, secret: string): Promise<number> {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(`${url}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': randomBytes(8).toString('hex'),
      'x-hub-signature-256': signature,
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('rotating the webhook secret, with the real `cairn run` binary', () => {
  it('accepts the previous secret beside the new one while the Git host moves, and says so', async () => {
    // Given the new secret in webhookSecretEnv and the old one still accepted
    const url = await startRun({
      webhookSecretEnv: 'HOOK_SECRET',
      previousWebhookSecretEnv: 'HOOK_SECRET_OLD',
    });

    // Then deliveries signed with either are taken, and one signed with anything else is not
    expect(await ping(url, NEW)).toBe(200);
    expect(await ping(url, OLD)).toBe(200);
    expect(await ping(url, randomBytes(24).toString('hex'))).toBe(401);
    // And the one signed with the old secret is logged, naming the setting to remove, never a secret
    expect(run!.output()).toContain('webhook signed with the previous secret');
    expect(run!.output()).not.toContain(OLD);
    expect(run!.output()).not.toContain(NEW);
  });

  it('refuses the old secret once the rotation is over', async () => {
    const url = await startRun({ webhookSecretEnv: 'HOOK_SECRET' });
    expect(await ping(url, NEW)).toBe(200);
    expect(await ping(url, OLD)).toBe(401);
  });
});
