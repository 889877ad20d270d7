import { stringify } from 'yaml';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import type { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../../helpers/e2e-platform';
import { appliedDevPlanner, type AppliedDevPlanner } from '../../helpers/applied-dev-planner';
import type { RecordingGitHost } from '../../helpers/recording-git-host';

jest.setTimeout(240_000);

/** What the stack exports and the environment's branch keeps in a Secret only. */
const PASSWORD = 'pr-review-db-password-7f3a9c';

// The e2e platform's app, exporting a value the team treats as a secret (bound into a Secret only).
const APP = `
const cdk = require('aws-cdk-lib');
const fs = require('fs');
const app = new cdk.App();
const env = app.node.tryGetContext('gitops:environment');
const spec = JSON.parse(fs.readFileSync(__dirname + '/stack.json', 'utf8'));
const stack = new cdk.Stack(app, 'Data', { stackName: spec.prefix + '-' + env + '-data' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
new cdk.CfnOutput(stack, 'DbPassword', { value: '${PASSWORD}' });
app.synth();
`;

/**
 * Found in review: a pull request's plan binds the environment's live stack outputs into its
 * manifests (the server dry runs need them), and its comment hid a bound value only in the diffs
 * of Secrets the pull request itself declares. Whoever may open a pull request (from a fork, with
 * `planForks`) could bind any output of the environment's stacks into a ConfigMap, or a field the
 * server refuses, and read its live value in the comment: one the environment's own branch keeps
 * in a Secret too. Against the sandbox's moto and kube-apiserver, with the environment's appliers.
 */
describe("a pull request's plan never shows a live AWS output's value", () => {
  let platform: E2ePlatform;
  let host: RecordingGitHost;
  let planner: PullRequestPlanner;
  let fixture: AppliedDevPlanner;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, awsTestCredentials());
    platform = makeE2ePlatform(['dev']);
    const ref = `\${aws:${platform.stackName('dev')}.DbPassword}`;
    platform.commit('dev', 'the database password, in a Secret', {
      'aws-resources/app.js': APP,
      'k8s-resources/db.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: platform.namespace('dev') },
        stringData: { password: ref },
      }),
    });
    // dev is applied: its stack (with the output) and its Secret exist
    fixture = await appliedDevPlanner(platform, { planForks: true });
    const { applied } = fixture;
    expect(applied.failure).toBeUndefined();
    ({ host, planner } = fixture);
  });

  afterAll(async () => {
    await fixture?.close();
    platform?.cleanup();
    process.env = saved;
  });

  it.each([
    [
      'in a ConfigMap',
      (ns: string, ref: string) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'leak', namespace: ns },
        data: { v: ref },
      }),
    ],
    [
      'in a field the server refuses, whose error quotes it',
      (ns: string, ref: string) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'leak', namespace: ns },
        spec: { type: ref, ports: [{ port: 80 }] },
      }),
    ],
  ])('bound %s', async (_how, object) => {
    const n = Math.floor(Math.random() * 1000) + 10;
    // when a pull request (a fork's) binds the output elsewhere than a Secret
    platform.git('checkout', '-q', '-b', `pr-${n}`, 'dev');
    const sha = platform.commit(`pr-${n}`, 'leak', {
      'k8s-resources/leak.yaml': stringify(
        object(platform.namespace('dev'), `\${aws:${platform.stackName('dev')}.DbPassword}`),
      ),
    });
    platform.git('update-ref', `refs/pull/${n}/head`, sha);
    platform.git('checkout', '-q', 'dev');
    planner.plan(
      {
        number: n,
        base: 'dev',
        headSha: sha,
        headRef: `pr-${n}`,
        fromFork: true,
        headCloneUrl: 'https://git.example.com/mallory/infra.git',
        repository: 'platform/infra',
      },
      `refs/pull/${n}/head`,
    );
    await planner.idle();
    // then the comment (planned: the binding is there) never shows the value
    const body = host.comments.get(`${n}:${planMarker('dev')}`)?.body ?? '(no comment)';
    expect(body).toContain('leak');
    expect(body).not.toContain(PASSWORD);
    expect(body).toContain('(aws output)');
  });
});
