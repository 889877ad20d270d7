import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { silentLog } from '../../controller/log';
import type { AuditEntry } from '../../controller/model';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * A one-shot `cairn sync` with no controller running obeys a suspension recorded in the ledger
 * (a real keyed JSONL ledger, a local repository, the sandbox's kube-apiserver): it refuses with
 * exit 1 naming who suspended the environment and why, and applies once it is resumed.
 */
describe('cairn sync and a suspended environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-sync-suspended-'));
  const namespace = `e2e-sync-suspended-${Math.random().toString(36).slice(2, 7)}`;
  const configFile = join(dir, 'cairn.yaml');

  beforeAll(() => {
    const repo = createTestRepo('platform', {
      dev: { 'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello') },
    });
    writeFileSync(
      configFile,
      stringify({
        repository: { url: repo.bare, pollInterval: '5m' },
        environments: [
          { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace } },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        workspaces: { dir: join(dir, 'workspaces') },
        server: { port: 0 },
      }),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const control = async (action: 'suspend' | 'resume', reason: string) => {
    const audit = await AuditLog.open(loadConfig(configFile).audit, silentLog());
    try {
      await audit.control('dev', action, 'ada@ops-laptop', reason);
    } finally {
      await audit.close();
    }
  };

  it('refuses while suspended, naming who and why, and applies once resumed', async () => {
    await control('suspend', 'incident 4711: database failover');

    const refused = await runCli(['sync', '--config', configFile, '--env', 'dev', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /environment dev is suspended by ada@ops-laptop since \S+: incident 4711: database failover; .*cairn resume dev/,
    );

    await control('resume', '');
    const synced = await runCli(['sync', '--config', configFile, '--env', 'dev', '--json']);
    expect(synced.code).toBe(0);
    expect((JSON.parse(synced.stdout) as AuditEntry).outcome).toBe('succeeded');
  });
});
