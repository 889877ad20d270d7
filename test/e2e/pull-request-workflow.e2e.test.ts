import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AuditEntry } from '../../controller/model';
import { runCli } from '../helpers/cli';
import { settings } from '../helpers/e2e-platform';
import { makeGiteaPlatform, type GiteaPlatform } from '../helpers/gitea-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(240_000);

/**
 * Issue 17's "Done when": the pull-request workflow against the sandbox's real Gitea, moto and
 * kube-apiserver. The repository lives on Gitea; cairn polls it only every 5 minutes, so every
 * apply within seconds below came through Gitea's own signed push delivery.
 */
describe('the pull-request workflow on Gitea', () => {
  let p: GiteaPlatform;
  const kc = new KubeConfig();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    p = await makeGiteaPlatform({ envs: ['dev'] });
  });

  afterAll(async () => {
    await p?.cleanup();
    cfn.destroy();
  });

  const liveColor = async () =>
    (
      await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name: 'settings', namespace: p.platform.namespace('dev') })
    ).data?.color;
  const stackResourceTypes = async () => {
    const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: p.platform.stackName('dev') }));
    return (out.StackResources ?? []).map((r) => r.ResourceType).sort();
  };
  const queueChanges = (entry: AuditEntry) =>
    // moto also lists the unchanged bucket as Modify (a change-set quirk of moto, not of cairn).
    entry.changes.filter(
      (c) => c.subject.startsWith(`${p.platform.stackName('dev')}/`) && c.type !== 'AWS::S3::Bucket',
    );

  let prNumber: number;
  let mergeSha: string;
  let mergeEntry: AuditEntry;

  it('creates the repository with cairn’s webhook and the environment branch; cairn applies dev from Gitea', async () => {
    // Given the repository on Gitea with a push + pull_request hook to cairn, and dev pushed
    const hooks = await p.gitea.request<{ config: { url: string }; events: string[] }[]>(
      'GET',
      `/repos/${p.owner}/${p.repo}/hooks`,
    );
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.config.url).toBe(`${p.api}/hooks/gitea`);
    // Gitea expands pull_request into its sub-events (pull_request_sync, …)
    expect(hooks[0]!.events).toEqual(expect.arrayContaining(['push', 'pull_request', 'pull_request_sync']));
    // When cairn runs against it
    await p.start();
    // Then dev's head (as Gitea has it) is applied: blue ConfigMap, no queue yet
    expect((await p.status('dev'))?.lastAppliedSha).toBe(await p.gitea.branchSha(p.owner, p.repo, 'dev'));
    expect(await liveColor()).toBe('blue');
    expect(await stackResourceTypes()).not.toContain('AWS::SQS::Queue');
  });

  it('opens a pull request to dev that adds a queue and turns the ConfigMap green', async () => {
    p.platform.git('checkout', '-q', '-b', 'add-queue', 'dev');
    p.platform.commit('add-queue', 'Add the jobs queue, turn green', {
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${p.platform.id}`, queue: true }),
      'k8s-resources/settings.yaml': settings(p.platform.namespace('dev'), 'green'),
    });
    p.push('add-queue');
    const pr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'add-queue',
      base: 'dev',
      title: 'Add the jobs queue',
    });
    prNumber = pr.number;
    expect(pr).toMatchObject({ state: 'open', base: expect.objectContaining({ ref: 'dev' }) });
    // Nothing is applied from a pull request
    expect(await liveColor()).toBe('blue');
  });

  it.todo('cairn comments on the pull request with both planes’ plan (prplan)');
  it.todo('a second push to the pull request updates that same comment (prplan)');

  it('merging through Gitea’s API: Gitea’s push delivery reaches cairn, which applies the merge commit', async () => {
    // When the PR is merged through the API
    const merged = await p.gitea.mergePullRequest(p.owner, p.repo, prNumber);
    mergeSha = merged.sha;
    // Then cairn records and applies exactly that merge commit within seconds (the next poll is 5 minutes away)
    mergeEntry = await p.entryFor('dev', mergeSha, 90_000);
    expect(mergeEntry).toMatchObject({ toSha: mergeSha, trigger: 'webhook', outcome: 'succeeded' });
    expect(new Date(mergeEntry.finishedAt).getTime() - merged.mergedAt).toBeLessThan(90_000);
    expect(queueChanges(mergeEntry)).toEqual([
      expect.objectContaining({ type: 'AWS::SQS::Queue', action: 'created' }),
    ]);
    expect(mergeEntry.changes).toContainEqual(
      expect.objectContaining({
        subject: expect.stringMatching(/^ConfigMap\/.*\/settings$/),
        action: 'configured',
      }),
    );
    expect(await liveColor()).toBe('green');
    expect(await stackResourceTypes()).toContain('AWS::SQS::Queue');
    // The delivery that triggered it is Gitea's, for that sha
    expect(p.lines).toContainEqual(
      expect.objectContaining({ msg: 'reconcile requested', provider: 'gitea', env: 'dev', sha: mergeSha }),
    );
  });

  it.todo('the merge commit gets the commit status cairn/dev: success (githost)');
  it.todo(
    'a pull request with a broken manifest gets a plan comment naming the file and a failure status (prplan)',
  );
  it('cairn revert of the merge’s audit entry pushes a revert commit, applied with the delta back', async () => {
    // When the merge's entry is reverted (its range holds Gitea's merge commit)
    const r = await runCli(['revert', mergeEntry.id, '--config', p.configFile, '--json'], p.cliEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { commit } = JSON.parse(r.stdout) as { commit: string };
    // Then dev on Gitea holds it on top of the merge, and Gitea's push delivery makes cairn apply it
    expect(await p.gitea.branchSha(p.owner, p.repo, 'dev')).toBe(commit);
    const back = await p.entryFor('dev', commit, 90_000);
    expect(back).toMatchObject({
      fromSha: mergeSha,
      toSha: commit,
      trigger: 'webhook',
      outcome: 'succeeded',
    });
    expect(queueChanges(back)).toEqual([
      expect.objectContaining({ type: 'AWS::SQS::Queue', action: 'deleted' }),
    ]);
    expect(back.changes).toContainEqual(
      expect.objectContaining({
        subject: expect.stringMatching(/^ConfigMap\/.*\/settings$/),
        action: 'configured',
      }),
    );
    expect(await liveColor()).toBe('blue');
    expect(await stackResourceTypes()).not.toContain('AWS::SQS::Queue');
    expect(r.stdout).not.toContain(p.gitea.options.token);
  });
});
