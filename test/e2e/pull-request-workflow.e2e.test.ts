import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AuditEntry } from '../../controller/model';
import { planMarker } from '../../controller/reconcile/plan-comment';
import { runCli } from '../helpers/cli';
import { settings } from '../helpers/e2e-platform';
import { waitFor, type GiteaComment, type GiteaCommitStatus } from '../helpers/gitea';
import { GITEA_TOKEN_ENV, makeGiteaPlatform, type GiteaPlatform } from '../helpers/gitea-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(300_000);

const BROKEN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: bad-indent\n';

/**
 * Issue 17's "Done when": the pull-request workflow against the sandbox's real Gitea, moto and
 * kube-apiserver. The repository lives on Gitea with cairn's webhook; cairn polls it only every 5
 * minutes, so every plan and apply within seconds below came through Gitea's own signed
 * deliveries, and every comment and status was posted through Gitea's API by cairn.
 */
describe('the pull-request workflow on Gitea', () => {
  let p: GiteaPlatform;
  const kc = new KubeConfig();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    p = await makeGiteaPlatform({
      envs: ['dev'],
      config: (config, { api }) => {
        const repository = config.repository as Record<string, unknown>;
        repository.host = { type: 'gitea', tokenEnv: GITEA_TOKEN_ENV };
        (config.server as Record<string, unknown>).publicUrl = api;
      },
    });
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
  const settingsChange = (entry: AuditEntry) =>
    entry.changes.find((c) => /^ConfigMap\/.*\/settings$/.test(c.subject))?.action;
  /** cairn's plan comments for dev on a pull request, once one names `sha`. */
  const planCommentsAt = (pr: number, sha: string) =>
    waitFor(
      `the plan comment on #${pr} for ${sha.slice(0, 12)}`,
      async () => {
        const mine = (await p.gitea.comments(p.owner, p.repo, pr)).filter((c) =>
          c.body.includes(planMarker('dev')),
        );
        return mine.some((c) => c.body.includes(sha.slice(0, 12))) ? mine : undefined;
      },
      120_000,
      250,
    );
  /** The last status of `context` on `sha` once it is no longer pending. */
  const finalStatus = (sha: string, context: string) =>
    waitFor<GiteaCommitStatus>(
      `a final ${context} status on ${sha.slice(0, 12)}`,
      async () => {
        const s = await p.gitea.latestStatus(p.owner, p.repo, sha, context);
        return s && s.status !== 'pending' ? s : undefined;
      },
      120_000,
      250,
    );
  /** A branch from Gitea's dev (where merges happen), with one commit, pushed. */
  const branchFromDev = (branch: string, message: string, files: Readonly<Record<string, string | null>>) => {
    p.platform.git('fetch', '-q', 'gitea', 'refs/heads/dev:refs/remotes/gitea/dev');
    p.platform.git('checkout', '-q', '-B', branch, 'gitea/dev');
    const sha = p.platform.commit(branch, message, files);
    p.push(branch);
    return sha;
  };

  let prNumber: number;
  let firstComment: GiteaComment;
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
    // Then dev's head (as Gitea has it) is applied: blue ConfigMap, no queue yet, and it has cairn/dev: success
    const head = await p.gitea.branchSha(p.owner, p.repo, 'dev');
    expect((await p.status('dev'))?.lastAppliedSha).toBe(head);
    expect(await liveColor()).toBe('blue');
    expect(await stackResourceTypes()).not.toContain('AWS::SQS::Queue');
    expect((await finalStatus(head, 'cairn/dev')).status).toBe('success');
  });

  it('a pull request to dev that adds a queue and changes the ConfigMap gets one comment with both planes’ plan', async () => {
    // When a PR into dev adds the queue and turns the ConfigMap green
    const head = branchFromDev('add-queue', 'Add the jobs queue, turn green', {
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${p.platform.id}`, queue: true }),
      'k8s-resources/settings.yaml': settings(p.platform.namespace('dev'), 'green'),
    });
    const pr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'add-queue',
      base: 'dev',
      title: 'Add the jobs queue',
    });
    prNumber = pr.number;
    // Then cairn comments once, with the stack gaining an SQS queue and the ConfigMap configured
    const comments = await planCommentsAt(prNumber, head);
    expect(comments).toHaveLength(1);
    firstComment = comments[0]!;
    expect(firstComment.user.login).toBe(p.owner);
    expect(firstComment.body).toContain(`\`${p.platform.stackName('dev')}\``);
    expect(firstComment.body).toMatch(/\| created \| `Jobs[^`]*` \| `AWS::SQS::Queue` \|/);
    expect(firstComment.body).toContain(
      `configured <code>ConfigMap/${p.platform.namespace('dev')}/settings</code>`,
    );
    expect((await finalStatus(head, 'cairn/plan/dev')).status).toBe('success');
    // And nothing was applied from the pull request
    expect(await liveColor()).toBe('blue');
    expect(await stackResourceTypes()).not.toContain('AWS::SQS::Queue');
  });

  it('a second push to the pull request updates that same comment', async () => {
    // When another commit turns the ConfigMap teal instead
    const head = p.platform.commit('add-queue', 'Teal, not green', {
      'k8s-resources/settings.yaml': settings(p.platform.namespace('dev'), 'teal'),
    });
    p.push('add-queue');
    // Then the one comment is edited to plan the new head
    const comments = await planCommentsAt(prNumber, head);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(firstComment.id);
    expect(comments[0]!.body).not.toBe(firstComment.body);
    expect(comments[0]!.body).toContain('teal');
    expect((await finalStatus(head, 'cairn/plan/dev')).status).toBe('success');
  });

  it('merged through Gitea’s API: Gitea’s push delivery reaches cairn, which applies the merge, and the merge commit gets cairn/dev: success', async () => {
    // When the PR is merged through the API
    const merged = await p.gitea.mergePullRequest(p.owner, p.repo, prNumber);
    mergeSha = merged.sha;
    // Then cairn records and applies exactly that merge commit within seconds (the next poll is 5 minutes away)
    mergeEntry = await p.entryFor('dev', mergeSha, 90_000);
    expect(mergeEntry).toMatchObject({ toSha: mergeSha, trigger: 'webhook', outcome: 'succeeded' });
    expect(queueChanges(mergeEntry)).toEqual([
      expect.objectContaining({ type: 'AWS::SQS::Queue', action: 'created' }),
    ]);
    expect(settingsChange(mergeEntry)).toBe('configured');
    expect(await liveColor()).toBe('teal');
    expect(await stackResourceTypes()).toContain('AWS::SQS::Queue');
    // The delivery that triggered it is Gitea's, for that sha
    expect(p.lines).toContainEqual(
      expect.objectContaining({ msg: 'reconcile requested', provider: 'gitea', env: 'dev', sha: mergeSha }),
    );
    // And the merge commit carries cairn/dev: success, linking to its audit entry
    const status = await finalStatus(mergeSha, 'cairn/dev');
    expect(status.status).toBe('success');
    expect(status.target_url).toContain(mergeEntry.id);
  });

  it('a pull request with a broken manifest gets a plan comment naming the file and a failure status', async () => {
    const head = branchFromDev('broken', 'A broken manifest', { 'k8s-resources/broken.yaml': BROKEN });
    const pr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'broken',
      base: 'dev',
      title: 'Broken',
    });
    const comments = await planCommentsAt(pr.number, head);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('k8s-resources/broken.yaml');
    const status = await finalStatus(head, 'cairn/plan/dev');
    expect(status.status).toBe('failure');
    expect(status.description).toContain('k8s-resources/broken.yaml');
    expect(await liveColor()).toBe('teal');
  });

  it('cairn revert of the merge’s audit entry pushes a revert commit, which is applied with the delta back', async () => {
    // When the merge's entry is reverted with the CLI
    const revert = await runCli(['revert', '--config', p.configFile, mergeEntry.id], p.cliEnv);
    expect(revert.code).toBe(0);
    // Then Gitea's dev has a new commit reverting it, and Gitea's delivery of that push gets it applied
    const head = await waitFor(
      'the revert commit on Gitea',
      async () => {
        const sha = await p.gitea.branchSha(p.owner, p.repo, 'dev');
        return sha !== mergeSha ? sha : undefined;
      },
      30_000,
    );
    const entry = await p.entryFor('dev', head, 120_000);
    expect(entry).toMatchObject({ fromSha: mergeSha, trigger: 'webhook', outcome: 'succeeded' });
    expect(entry.message).toMatch(/^Revert /);
    expect(queueChanges(entry)).toEqual([
      expect.objectContaining({ type: 'AWS::SQS::Queue', action: 'deleted' }),
    ]);
    expect(settingsChange(entry)).toBe('configured');
    expect(await liveColor()).toBe('blue');
    expect(await stackResourceTypes()).not.toContain('AWS::SQS::Queue');
    expect((await finalStatus(head, 'cairn/dev')).status).toBe('success');
  });
});
