import type { AuditEntry } from '../../controller/model';
import { giteaSyncRepo, type GiteaSyncRepo } from '../helpers/gitea-sync-repo';
import { greetingManifest } from '../helpers/manifests';

jest.setTimeout(120_000);

/**
 * `cairn revert` against the sandbox's real Gitea: the repository is fetched and pushed over
 * Gitea's HTTP with an API token, `--pr` opens a real pull request through the Gitea host client,
 * and once it is merged through Gitea's API the next sync applies the delta back.
 */
describe('cairn revert on Gitea', () => {
  let repo: GiteaSyncRepo;
  let second: AuditEntry;

  beforeAll(async () => {
    repo = await giteaSyncRepo('revert-pr');
    repo.work.commit('dev', 'greeting: hello', {
      'k8s-resources/greeting.yaml': greetingManifest(repo.namespace, 'hello'),
    });
    await repo.sync();
    repo.work.commit('dev', 'greeting: say hi', {
      'k8s-resources/greeting.yaml': greetingManifest(repo.namespace, 'hi'),
    });
    second = await repo.sync();
  });

  afterAll(() => repo?.remove());

  it('--pr opens a pull request into dev on Gitea; merged there, the next sync applies the delta back', async () => {
    // Given
    expect(await repo.greeting()).toBe('hi');

    // When
    const r = await repo.cairn('revert', second.id, '--config', repo.configFile, '--pr', '--json');

    // Then a real pull request from cairn/revert-<id> into dev, and dev itself untouched
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      commit: string;
      pushedTo: string;
      pullRequest: { number: number; url: string };
    };
    const branch = `cairn/revert-${second.id.slice(0, 8)}`;
    expect(summary.pushedTo).toBe(branch);
    expect(await repo.client.branchSha(repo.owner, repo.name, 'dev')).toBe(second.toSha);
    const pr = await repo.client.request<{
      title: string;
      body: string;
      state: string;
      html_url: string;
      head: { ref: string; sha: string };
      base: { ref: string };
    }>('GET', `/repos/${repo.owner}/${repo.name}/pulls/${summary.pullRequest.number}`);
    expect(pr).toMatchObject({
      title: 'Revert "greeting: say hi"',
      state: 'open',
      head: { ref: branch, sha: summary.commit },
      base: { ref: 'dev' },
    });
    expect(pr.body).toContain(`Cairn-Revert-Of: ${second.id}`);
    expect(summary.pullRequest.url).toBe(pr.html_url);

    // When the pull request is merged on Gitea and cairn applies dev
    const merged = await repo.client.mergePullRequest(repo.owner, repo.name, summary.pullRequest.number);
    const back = await repo.sync();

    // Then the audit entry shows the delta back
    expect(back).toMatchObject({ outcome: 'succeeded', fromSha: second.toSha, toSha: merged.sha });
    expect(back.changes).toContainEqual(
      expect.objectContaining({ subject: `ConfigMap/${repo.namespace}/greeting`, action: 'configured' }),
    );
    expect(await repo.greeting()).toBe('hello');

    // When that entry (a range holding Gitea's merge commit) is reverted straight onto dev
    const again = await repo.cairn('revert', back.id, '--config', repo.configFile);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const forward = await repo.sync();

    // Then the push went to Gitea with the token, and the value is forward again
    expect(forward).toMatchObject({ outcome: 'succeeded', fromSha: merged.sha });
    expect(await repo.greeting()).toBe('hi');
  });

  it('never prints the token', () => {
    expect(repo.outputs.length).toBeGreaterThan(4);
    for (const o of repo.outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(repo.token);
  });
});
