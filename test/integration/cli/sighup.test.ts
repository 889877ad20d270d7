import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { watchChild } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { BUILT_CAIRN } from '../../helpers/killable-run';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

let repo: TestRepo | undefined;
afterAll(() => repo?.remove());

/** Waits until `output()` has a line containing `text`, and returns it (fails after 60 s). */
async function lineWith(output: () => string, text: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = output()
      .split('\n')
      .find((l) => l.includes(text));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no line with "${text}" within 60 s: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('signals to the real `cairn run` binary', () => {
  it('logs and ignores SIGHUP (no reload, no abrupt exit), and still stops cleanly on SIGTERM', async () => {
    // Given a running controller (the compiled binary, so the signal reaches cairn itself)
    repo = createTestRepo('sighup', { dev: { 'README.md': 'nothing to apply\n' } });
    const config = join(repo.root, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '1h' },
        environments: [{ name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig } }],
        audit: { dir: join(repo.root, 'audit'), keyFile: auditKeyFile(repo.root) },
        server: { port: 0 },
      }),
    );
    const run = watchChild(
      spawn(process.execPath, [BUILT_CAIRN, 'run', '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    try {
      const started = JSON.parse(await lineWith(run.output, '"controller started"')) as { url: string };

      // When an operator sends SIGHUP, as to a daemon that reloads its config
      run.child.kill('SIGHUP');

      // Then cairn says it does not reload, and keeps running and serving
      const warned = JSON.parse(await lineWith(run.output, 'SIGHUP ignored')) as {
        level: number;
        msg: string;
      };
      expect(warned.level).toBe(40);
      expect(warned.msg).toContain('to apply a changed config, stop it (SIGTERM) and start it again');
      const health = await fetch(`${started.url}/healthz`);
      expect(health.status).toBe(200);
      expect(run.child.exitCode).toBeNull();

      // And SIGTERM still stops it cleanly
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('"msg":"stopped"');
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    }
  });
});
