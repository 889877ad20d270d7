import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli, watchChild, type WatchedChild } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

let repo: TestRepo | undefined;
let run: WatchedChild | undefined;

afterAll(async () => {
  run?.child.kill('SIGTERM');
  await run?.exited;
  repo?.remove();
});

/** The JSON lines `cairn run` printed so far whose message includes `text`. */
const lines = (text: string): Record<string, unknown>[] =>
  run!
    .output()
    .split('\n')
    .filter((l) => l.includes(text))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an environment whose branch is gone, with the real binary', () => {
  it('warns once (not at every poll) and says where to name a renamed branch', async () => {
    // Given an environment tracking a branch that does not exist (renamed on the Git host), polled every 200 ms
    repo = createTestRepo('missing-branch', { main: { 'k8s-resources/README.md': 'nothing\n' } });
    const config = join(repo.root, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '200ms' },
        environments: [
          {
            name: 'dev',
            branch: 'develop',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace: 'd2-never-made' },
          },
        ],
        audit: { dir: join(repo.root, 'audit'), keyFile: auditKeyFile(repo.root) },
        server: { port: 0 },
      }),
    );

    // When the controller runs through many polls
    run = watchChild(startCli(['run', '--config', config]));
    const deadline = Date.now() + 60_000;
    while (!run.output().includes('controller started') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(run.output()).toContain('controller started');
    // About fifteen polls
    await new Promise((resolve) => setTimeout(resolve, 3000));

    // Then the missing branch is named once, with the field to fix when it was renamed
    const warnings = lines('environment has no revision');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      env: 'dev',
      err: 'branch develop does not exist',
      hint: expect.stringContaining('environments[0].branch'),
    });
  });
});
