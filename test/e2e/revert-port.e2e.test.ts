import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import { revertPort } from '../../controller/cli/commands/revert';
import { isCairnError } from '../../controller/model/errors';
import { runCli, type CliResult } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { serveGitHttp, type GitHttpServer } from '../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

const TOKEN = 'e2e-revert-git-token-5c1d';

/**
 * The API's revert (the web UI's "Open revert PR" button reaches it through
 * `POST /api/environments/:env/revert`): the RevertPort `cairn run` wires, against a real
 * repository served over HTTP behind a token and two entries applied by `cairn sync` to the
 * sandbox's kube-apiserver.
 */
describe('the revert port of cairn run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-revert-port-'));
  const tmp = join(dir, 'tmp');
  const namespace = `e2e-revport-${Math.random().toString(36).slice(2, 7)}`;
  const configFile = join(dir, 'cairn.yaml');
  const kc = new KubeConfig();
  const outputs: CliResult[] = [];
  let repo: TestRepo;
  let http: GitHttpServer;
  let first: AuditEntry;
  let second: AuditEntry;

  const cairn = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { E2E_GIT_TOKEN: TOKEN, TMPDIR: tmp });
    outputs.push(result);
    return result;
  };
  const sync = async (): Promise<AuditEntry> => {
    const r = await cairn('sync', '--config', configFile, '--env', 'dev', '--json');
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as AuditEntry;
  };
  const greeting = async () =>
    (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'greeting', namespace })).data?.value;

  beforeAll(async () => {
    process.env.E2E_GIT_TOKEN = TOKEN;
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    mkdirSync(tmp);
    repo = createTestRepo('platform', {
      dev: { 'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello') },
    });
    runGit(repo.bare, 'config', 'http.receivepack', 'true');
    http = await serveGitHttp(repo.bare, { token: TOKEN });
    writeFileSync(
      configFile,
      stringify({
        repository: { url: http.url, pollInterval: '5m', auth: { tokenEnv: 'E2E_GIT_TOKEN' } },
        environments: [
          { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace } },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        workspaces: { dir: join(dir, 'workspaces') },
        server: { port: 0 },
      }),
    );
    first = await sync();
    repo.commit('dev', 'greeting: say hi', {
      'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hi'),
    });
    second = await sync();
  });

  afterAll(async () => {
    await http?.close();
    repo?.remove();
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an entry of another environment than the one the request names', async () => {
    const before = repo.sha('dev');
    const refused = await revertPort(configFile)
      .propose('prod', second.id, 'api token (test)')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isCairnError(refused) && refused.code).toBe('revert.refused');
    expect(String((refused as Error).message)).toContain(
      `audit entry ${second.id} is one of dev's, not prod's`,
    );
    expect(repo.sha('dev')).toBe(before);
  });

  it('pushes the revert `cairn revert` makes, naming who asked, and the next sync applies it', async () => {
    // When
    const proposed = await revertPort(configFile).propose('dev', second.id, 'api token (ui-token)');

    // Then (no Git host configured: the revert goes to the branch itself)
    const head = repo.sha('dev');
    expect(proposed).toEqual({ sha: head });
    expect(runGit(repo.bare, 'rev-parse', `${head}:k8s-resources`)).toBe(
      runGit(repo.bare, 'rev-parse', `${first.toSha}:k8s-resources`),
    );
    const message = runGit(repo.bare, 'log', '-1', '--format=%B', head);
    expect(message).toContain('Revert "greeting: say hi"');
    expect(message).toContain("Requested by api token (ui-token) through cairn's API.");
    expect(message).toContain(`Cairn-Revert-Of: ${second.id}`);
    expect((await sync()).toSha).toBe(head);
    expect(await greeting()).toBe('hello');
    expect(outputs.map((o) => `${o.stdout}${o.stderr}`).join('')).not.toContain(TOKEN);
  });
});
