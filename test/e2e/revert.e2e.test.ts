import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
 * `cairn revert` end to end: two commits applied by `cairn sync` to the sandbox's kube-apiserver
 * from a repository served over HTTP behind a token; reverting the second one's audit entry pushes
 * a revert commit, and the next sync applies it with the delta back.
 */
describe('cairn revert', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-revert-'));
  const tmp = join(dir, 'tmp');
  const namespace = `e2e-revert-${Math.random().toString(36).slice(2, 7)}`;
  const configFile = join(dir, 'cairn.yaml');
  const kc = new KubeConfig();
  const outputs: CliResult[] = [];
  let repo: TestRepo;
  let http: GitHttpServer;
  let first: AuditEntry;
  let second: AuditEntry;
  let third: AuditEntry;

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
    // The API's revert runs in the controller's process: it reads the Git token from its environment.
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

  it('refuses the first apply of an environment: there is nothing to go back to', async () => {
    const r = await cairn('revert', first.id, '--config', configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `audit entry ${first.id} (dev): cannot revert: it is the first apply of environment dev`,
    );
  });

  it('pushes a revert commit whose tree is the first commit’s, and the next sync applies it with the delta back', async () => {
    // Given
    expect(await greeting()).toBe('hi');
    expect(second.fromSha).toBe(first.toSha);

    // When
    const r = await cairn('revert', second.id.slice(0, 8), '--config', configFile, '--json');

    // Then a revert commit on dev, by cairn, whose k8s-resources/ equals the first commit's
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { commit: string; pushedTo: string; files: string[] };
    const head = repo.sha('dev');
    expect(summary).toMatchObject({ commit: head, pushedTo: 'dev', files: ['k8s-resources/greeting.yaml'] });
    expect(runGit(repo.bare, 'rev-parse', `${head}^`)).toBe(second.toSha);
    expect(runGit(repo.bare, 'rev-parse', `${head}:k8s-resources`)).toBe(
      runGit(repo.bare, 'rev-parse', `${first.toSha}:k8s-resources`),
    );
    const message = runGit(repo.bare, 'log', '-1', '--format=%an <%ae>%n%B', head);
    expect(message).toContain('cairn <cairn@localhost>\nRevert "greeting: say hi"');
    expect(message).toContain(`Cairn-Revert-Of: ${second.id}`);
    expect(message).toContain(`${second.fromSha}..${second.toSha}`);

    // When cairn applies the branch
    const back = await sync();

    // Then its audit entry shows the delta back, and the ConfigMap holds its earlier value
    expect(back).toMatchObject({ outcome: 'succeeded', fromSha: second.toSha, toSha: head });
    expect(back.changes).toContainEqual(
      expect.objectContaining({ subject: `ConfigMap/${namespace}/greeting`, action: 'configured' }),
    );
    expect(await greeting()).toBe('hello');
  });

  it('refuses the same entry once the branch already holds the earlier content', async () => {
    const before = repo.sha('dev');
    const r = await cairn('revert', second.id, '--config', configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the revert would change nothing, so nothing was pushed');
    expect(repo.sha('dev')).toBe(before);
  });

  it('ends a conflicting revert with the file named and nothing pushed', async () => {
    // Given a later commit changes the same value again, and is applied
    const later = repo.commit('dev', 'greeting: bonjour', {
      'k8s-resources/greeting.yaml': greetingManifest(namespace, 'bonjour'),
    });
    third = await sync();

    // When the entry that applied "hi" is reverted (hi -> hello) over "bonjour"
    const r = await cairn('revert', second.id, '--config', configFile);

    // Then
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('conflicts with later commits on the branch in k8s-resources/greeting.yaml');
    expect(repo.sha('dev')).toBe(later);
  });

  // The API's revert (`POST /api/environments/:env/revert`, the web UI's "Open revert PR"): the
  // RevertPort `cairn run` wires makes the same revert, in the controller's process.
  it('the API refuses to revert an entry of another environment than the one it names', async () => {
    const before = repo.sha('dev');
    const refused = await revertPort(configFile)
      .propose('prod', third.id, 'api token (test)')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // Only prod's chain is read: dev's entry is not found there (and dev's history is not read).
    expect(isCairnError(refused) && refused.code).toBe('audit.not-found');
    expect((refused as Error).message).toContain(`no audit entry with id ${third.id} in prod's chain`);
    expect(repo.sha('dev')).toBe(before);
  });

  it('the API pushes the revert cairn revert makes, naming who asked, and the next sync applies it', async () => {
    // When (no Git host configured: the revert goes to the branch itself)
    const proposed = await revertPort(configFile).propose('dev', third.id, 'api token (ui-token)');

    // Then
    const head = repo.sha('dev');
    expect(proposed).toEqual({ sha: head });
    expect(runGit(repo.bare, 'rev-parse', `${head}^`)).toBe(third.toSha);
    const message = runGit(repo.bare, 'log', '-1', '--format=%B', head);
    expect(message).toContain('Revert "greeting: bonjour"');
    expect(message).toContain("Requested by api token (ui-token) through cairn's API.");
    expect(message).toContain(`Cairn-Revert-Of: ${third.id}`);
    expect((await sync()).toSha).toBe(head);
    expect(await greeting()).toBe('hello');
  });

  it('never prints the token and leaves no temporary clone behind', () => {
    expect(outputs.length).toBeGreaterThan(6);
    for (const o of outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(TOKEN);
    expect(readdirSync(tmp).filter((f) => f.startsWith('cairn-revert-'))).toEqual([]);
  });
});
