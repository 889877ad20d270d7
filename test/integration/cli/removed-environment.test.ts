import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, startCli, watchChild } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { KUBECTL } from '../../helpers/install-identities';
import { greetingManifest } from '../../helpers/manifests';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(180_000);

const suffix = randomBytes(3).toString('hex');
const ns = { dev: `d2-kept-${suffix}`, old: `d2-gone-${suffix}` };
let repo: TestRepo;
let keyFile: string | undefined;

afterAll(() => {
  const kubeconfig = sandboxEnv().kubernetes.kubeconfig;
  for (const name of Object.values(ns))
    execFileSync(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      'delete',
      'namespace',
      name,
      '--ignore-not-found',
      '--wait=false',
    ]);
  repo?.remove();
});

/** A config of `envs`, each applying its own branch into its own namespace on the sandbox. */
function writeConfig(file: string, envs: readonly (keyof typeof ns)[]): void {
  const kubeconfig = sandboxEnv().kubernetes.kubeconfig;
  writeFileSync(
    file,
    stringify({
      repository: { url: repo.bare, pollInterval: '1h' },
      environments: envs.map((name) => ({
        name,
        kubernetes: { kubeconfig, namespace: ns[name], healthTimeout: '10s' },
      })),
      audit: { dir: join(repo.root, 'audit'), keyFile: (keyFile ??= auditKeyFile(repo.root)) },
      server: { port: 0 },
    }),
  );
}

describe('an environment removed from the config, with the real binary on the sandbox', () => {
  it('says at start-up what it left behind: its last applied commit, and the label and tag that find it', async () => {
    // Given two environments, both applied
    repo = createTestRepo('removed-env', {
      dev: { 'k8s-resources/app.yaml': greetingManifest(ns.dev, 'dev') },
      old: { 'k8s-resources/app.yaml': greetingManifest(ns.old, 'old') },
    });
    const config = join(repo.root, 'cairn.yaml');
    writeConfig(config, ['dev', 'old']);
    for (const env of ['dev', 'old']) {
      const synced = await runCli(['sync', '--config', config, '--env', env]);
      expect(synced.code).toBe(0);
    }

    // When `old` is removed from the config and the controller restarts
    writeConfig(config, ['dev']);
    const run = watchChild(startCli(['run', '--config', config]));
    const warning = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setInterval(() => {
        const line = run
          .output()
          .split('\n')
          .find((l) => l.includes('is not in the config'));
        if (line) {
          clearInterval(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        }
      }, 200);
      const fail = (why: string) => {
        clearInterval(timer);
        run.child.kill('SIGTERM');
        reject(new Error(`${why}: ${run.output()}`));
      };
      // The warning comes right after "controller started"; a minute is far more than a start takes.
      setTimeout(() => fail('no warning within 60 s'), 60_000).unref();
      void run.exited.then((code) => fail(`cairn run exited (${String(code)}) before the warning`));
    });
    run.child.kill('SIGTERM');
    await run.exited;

    // Then it warns, naming the environment, the commit it last applied and how to find its objects
    expect(warning).toMatchObject({
      level: 40,
      env: 'old',
      lastAppliedSha: repo.sha('old'),
      msg: expect.stringContaining(
        'environment old has an audit chain but is not in the config: cairn no longer reconciles, prunes or repairs it',
      ),
    });
    // And the selector it names finds exactly what `old` applied, left in place, and its inventory
    const found = execFileSync(KUBECTL, [
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      'get',
      'configmaps,namespaces',
      '--all-namespaces',
      '-l',
      String(warning.kubernetesSelector),
      '-o',
      'name',
    ])
      .toString()
      .trim()
      .split('\n')
      .sort();
    expect(found).toEqual([
      expect.stringMatching(/^configmap\/cairn-inventory-old-/),
      'configmap/greeting',
      `namespace/${ns.old}`,
    ]);
    // Only the removed environment is reported
    expect(run.output()).not.toMatch(/environment dev has an audit chain/);
  });
});
