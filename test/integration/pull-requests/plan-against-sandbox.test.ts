import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { PullRequest } from '../../../controller/host/types';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import type { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import { awsTestCredentials, makeE2ePlatform, settings, type E2ePlatform } from '../../helpers/e2e-platform';
import { appliedDevPlanner, type AppliedDevPlanner } from '../../helpers/applied-dev-planner';
import type { RecordingGitHost } from '../../helpers/recording-git-host';
import { MemoryAudit } from '../../helpers/reconcile-fakes';
import { sandboxAwsClientConfig, sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(240_000);

/**
 * A pull request's head planned against the sandbox's kube-apiserver and moto_server with the
 * environment's own appliers (the CDK app synthesized under the configured isolation): the comment
 * shows both planes, and neither a stack nor an object changed.
 */
describe('pull request plan against the real parts', () => {
  let platform: E2ePlatform;
  let host: RecordingGitHost;
  let planner: PullRequestPlanner;
  let fixture: AppliedDevPlanner;
  const audit = new MemoryAudit();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const kc = new KubeConfig();
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, awsTestCredentials());
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    platform = makeE2ePlatform(['dev']);
    // dev is applied first: its stack and objects exist, as in a running environment
    fixture = await appliedDevPlanner(platform, { planForks: false, audit });
    const { applied } = fixture;
    expect(applied.failure).toBeUndefined();
    ({ host, planner } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    platform?.cleanup();
    process.env = saved;
  });

  /** Commits `files` on a branch made from dev and publishes it as the host does: `refs/pull/<n>/head`. */
  const openPullRequest = (n: number, files: Readonly<Record<string, string | null>>): PullRequest => {
    platform.git('checkout', '-q', '-b', `pr-${n}`, 'dev');
    const sha = platform.commit(`pr-${n}`, `pull request ${n}`, files);
    platform.git('update-ref', `refs/pull/${n}/head`, sha);
    platform.git('checkout', '-q', 'dev');
    return {
      number: n,
      base: 'dev',
      headSha: sha,
      headRef: `pr-${n}`,
      fromFork: false,
      headCloneUrl: platform.repo,
      repository: 'platform/infra',
    };
  };

  const stackState = async (name: string) => {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    const template = await cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }));
    const changeSets = await cfn.send(new ListChangeSetsCommand({ StackName: name }));
    return {
      status: stack?.StackStatus,
      lastUpdated: stack?.LastUpdatedTime?.toISOString() ?? null,
      template: template.TemplateBody,
      // moto answers ListChangeSets with every stack's change sets, whatever StackName says: keep this stack's
      changeSets: (changeSets.Summaries ?? []).filter((c) => c.StackName === name),
    };
  };
  const configMap = async () => {
    const cm = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'settings', namespace: platform.namespace('dev') });
    return { resourceVersion: cm.metadata?.resourceVersion, color: cm.data?.color };
  };
  const stackExists = (name: string) =>
    cfn.send(new DescribeStacksCommand({ StackName: name })).then(
      (o) => o.Stacks?.some((s) => s.StackStatus !== 'DELETE_COMPLETE') ?? false,
      () => false,
    );

  it('comments the queue the stack would add and the ConfigMap it would configure, and changes nothing', async () => {
    const stack = platform.stackName('dev');
    const before = { stack: await stackState(stack), configMap: await configMap() };
    const entries = audit.entries.length;
    // when a pull request adds a queue and changes the ConfigMap
    const pr = openPullRequest(1, {
      'aws-resources/stack.json': JSON.stringify({ prefix: stack.replace(/-dev-data$/, ''), queue: true }),
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'green'),
    });
    expect(planner.plan(pr, 'refs/pull/1/head')).toEqual(['dev']);
    await planner.idle();

    // then one comment for dev shows the stack with its added queue, and the ConfigMap configured
    const body = host.comments.get(`1:${planMarker('dev')}`)?.body ?? '(no comment)';
    expect(body).toContain(`Pull request #1 into \`dev\` at \`${pr.headSha.slice(0, 12)}\``);
    expect(body).toMatch(new RegExp(`\\| \`${stack}\` \\| configured \\| 1 \\| \\d+ \\| 0 \\|`));
    expect(body).toContain('| created | `Jobs');
    expect(body).toContain('AWS::SQS::Queue');
    expect(body).toContain(`configured <code>ConfigMap/${platform.namespace('dev')}/settings</code>`);
    expect(body).toMatch(/-\s+color: blue[\s\S]*\+\s+color: green/);
    expect(host.statuses('cairn/plan/dev')).toEqual([
      `${pr.headSha.slice(0, 7)} pending: planning`,
      expect.stringMatching(
        new RegExp(`^${pr.headSha.slice(0, 7)} success: 1 to create, \\d+ to change, 0 to delete$`),
      ),
    ]);

    // and nothing changed: the stack's status, update time and template, no new change set left,
    // the ConfigMap's resourceVersion and data, and no audit entry
    expect(await stackState(stack)).toEqual(before.stack);
    // (the list holds only the change set dev's own apply executed; moto keeps executed ones)
    expect(before.stack.changeSets.map((c) => c.ExecutionStatus)).toEqual(['EXECUTE_COMPLETE']);
    expect(await configMap()).toEqual(before.configMap);
    expect(before.configMap.color).toBe('blue');
    expect(audit.entries.length).toBe(entries);
  });

  it('a stack the pull request would create is planned and leaves no stack behind', async () => {
    const renamed = `${platform.stackName('dev').replace(/-dev-data$/, '')}x`;
    const pr = openPullRequest(3, {
      'aws-resources/stack.json': JSON.stringify({ prefix: renamed, queue: false }),
    });
    planner.plan(pr, 'refs/pull/3/head');
    await planner.idle();
    const body = host.comments.get(`3:${planMarker('dev')}`)?.body ?? '(no comment)';
    expect(body).toMatch(new RegExp(`\\| \`${renamed}-dev-data\` \\| created \\| 1 \\|`));
    // planned from its template: no change set made a REVIEW_IN_PROGRESS stack, none was deleted
    expect(await stackExists(`${renamed}-dev-data`)).toBe(false);
    expect(await stackExists(platform.stackName('dev'))).toBe(true);
  });

  it('a pull request removing aws-resources/ is planned as its merge is reconciled: the synth fails', async () => {
    const stack = platform.stackName('dev');
    const before = await stackState(stack);
    // dev's base has aws-resources/ (applied): merged, dev synthesizes the merged tree and fails
    const pr = openPullRequest(4, {
      'aws-resources/cdk.json': null,
      'aws-resources/app.js': null,
      'aws-resources/stack.json': null,
    });
    planner.plan(pr, 'refs/pull/4/head');
    await planner.idle();
    const body = host.comments.get(`4:${planMarker('dev')}`)?.body ?? '(no comment)';
    expect(body).toContain(
      '**The AWS plan failed** in `aws-resources/cdk.json` (phase `synthesize`, `synth.no-cdk-json`)',
    );
    expect(body).not.toContain('**AWS**: not planned');
    expect(body).not.toContain('**No changes**');
    expect(host.statuses('cairn/plan/dev').at(-1)).toBe(
      `${pr.headSha.slice(0, 7)} failure: plan failed: aws-resources/cdk.json`,
    );
    expect(await stackState(stack)).toEqual(before);
  });

  it('a broken manifest gives a failure comment naming the file, and a failure status', async () => {
    const before = await configMap();
    const pr = openPullRequest(2, { 'k8s-resources/broken.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n' });
    planner.plan(pr, 'refs/pull/2/head');
    await planner.idle();
    const body = host.comments.get(`2:${planMarker('dev')}`)?.body ?? '(no comment)';
    expect(body).toContain('**The Kubernetes plan failed** in `k8s-resources/broken.yaml`');
    expect(host.statuses('cairn/plan/dev').at(-1)).toBe(
      `${pr.headSha.slice(0, 7)} failure: plan failed: k8s-resources/broken.yaml`,
    );
    expect(await configMap()).toEqual(before);
  });
});
