import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { stacksOf } from '../../helpers/changes';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { Assembly } from '../../../cdk/types';
import type { AwsTargetConfig } from '../../../controller/config/types';
import { stackOwnerOf } from '../../../controller/cli/wire-environments';
import { silentLog } from '../../../controller/log';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import { only, sandboxCredentials, sandboxTarget, unique, workspaceWith } from './cdk-fixture';

const credentials = sandboxCredentials();
const cfn = new CloudFormationClient(sandboxAwsClientConfig());
const prefix = unique('owner');
const tokenPrefix = unique('token');
const prunePrefix = unique('failprune');
const sha1 = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const sha2 = '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
let v1: Assembly;
let v2: Assembly;
let tokened: Assembly;
let pair: Assembly;

// Environment "dev" of two repositories: cairn passes a hash of each repository URL as the owner.
const applier = (owner: string, target: Partial<AwsTargetConfig> = {}) =>
  createAwsApplier('dev', sandboxTarget(target), silentLog(), { credentials, owner });
const tagOf = async (stackName: string) =>
  (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0]?.Tags?.find(
    (t) => t.Key === 'cairn:environment',
  )?.Value;

beforeAll(async () => {
  await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials });
  const synth = (sha: string, queues: string[], stackPrefix = prefix, names = ['Data']) =>
    synthesizeApp({
      workspaceDir: workspaceWith({ prefix: stackPrefix, stacks: names.map((name) => ({ name, queues })) }),
      env: 'dev',
      target: sandboxTarget(),
      commitSha: sha,
      log: silentLog(),
    });
  [v1, v2, tokened, pair] = await Promise.all([
    synth(sha1, ['Q']),
    synth(sha2, ['Q', 'Other']),
    synth(sha1, ['Q'], tokenPrefix),
    synth(sha1, ['Q'], prunePrefix, ['Gone', 'Taken']),
  ]);
}, 180_000);

describe("a stack another environment's repository owns", () => {
  it('is neither planned nor updated, with an error naming the owner, until the config adopts it', async () => {
    // given stack <prefix>-Data deployed by dev of repository "repoaaaa"
    const stackName = `${prefix}-Data`;
    const first = await applier('repoaaaa').apply(v1, sha1);
    expect(first.failure).toBeUndefined();

    // when dev of repository "repobbbb" plans and applies an app with a stack of the same name
    const plan = await applier('repobbbb')
      .plan(v2, sha2)
      .then(
        (result) => result.failure?.message ?? 'planned',
        (error: Error) => error.message,
      );
    const refused = await applier('repobbbb').apply(v2, sha2);
    const tagAfterRefusal = await tagOf(stackName);
    const adopted = await applier('repobbbb', { adopt: ['dev@repoaaaa'] }).apply(v2, sha2);

    // then the plan and the apply refuse naming the owner, the stack keeps its owner, and adopting takes it over
    expect(plan).toMatch(/owned by environment dev of repository repoaaaa/);
    expect(stacksOf(refused)[0]).toMatchObject({ subject: stackName, action: 'skipped' });
    expect(refused.failure?.message).toMatch(
      /owned by environment dev of repository repoaaaa \(tag cairn:environment=dev@repoaaaa\)/,
    );
    expect(tagAfterRefusal).toBe('dev@repoaaaa');
    expect(adopted.failure).toBeUndefined();
    expect(stacksOf(adopted)[0]?.action).toBe('configured');
    // (moto keeps the stack's creation tags on an UPDATE change set; CloudFormation moves it to dev@repobbbb)
  });
});

describe('the owner of a repository whose URL carries credentials', () => {
  it('stays the same when the token or user in the URL changes, so the stacks stay its own', async () => {
    // given a stack deployed by dev of a repository whose URL carries a token
    const repo = (userinfo: string) => `https://${userinfo}@git.example.com/team/platform.git`;
    const first = await applier(stackOwnerOf(repo('x-access-token:token-one'))).apply(tokened, sha1);
    expect(first.failure).toBeUndefined();

    // when the token is rotated (or another user's name is in the URL), and the same app applied again
    const rotated = await applier(stackOwnerOf(repo('x-access-token:token-two'))).apply(tokened, sha1);
    const otherUser = await applier(stackOwnerOf(`${repo('alice')}/`)).apply(tokened, sha1);

    // then the stack is still this environment's: unchanged, not refused as another repository's
    expect(rotated.failure).toBeUndefined();
    expect(stacksOf(rotated)[0]).toMatchObject({ subject: `${tokenPrefix}-Data`, action: 'unchanged' });
    expect(otherUser.failure).toBeUndefined();
    expect(await tagOf(`${tokenPrefix}-Data`)).not.toMatch(/token/);
  });
});

describe('stack prune after a failed stack', () => {
  it('deletes no stack when a stack of the same commit failed', async () => {
    // given dev of repository "repodddd" holding stack Gone, and stack Taken owned by another repository
    const created = await applier('repodddd').apply(only(pair, ['Gone']), sha1);
    const taken = await applier('repoeeee').apply(only(pair, ['Taken']), sha1);
    expect(created.failure).toBeUndefined();
    expect(taken.failure).toBeUndefined();

    // when the next commit of dev drops Gone and adds Taken (refused: another's), with prune on
    const result = await applier('repodddd', { prune: true }).apply(only(pair, ['Taken']), sha2);

    // then the commit failed on Taken, and Gone is reported not pruned and still stands
    expect(result.failure).toMatchObject({ code: 'aws.owned-elsewhere' });
    const gone = result.changes.find((c) => c.subject === `${prunePrefix}-Gone`);
    expect(gone).toMatchObject({ action: 'skipped' });
    expect(gone?.reason).toMatch(/not pruned/);
    expect(await tagOf(`${prunePrefix}-Gone`)).toBe('dev@repodddd');
  });
});
