import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse, stringify } from 'yaml';
import { bootstrapEnvironment } from '../../cdk/deploy/bootstrap';
import { silentLog } from '../../controller/log';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../helpers/dynamodb-fault-proxy';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { freePort, listenOnLoopback } from '../helpers/net';
import { canaryChannels, canaryLeaks, canaryTag as tag, type Canary } from '../helpers/secret-canaries';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(240_000);

const app = (stackName: string) => `
const cdk = require('aws-cdk-lib');
const app = new cdk.App();
const stack = new cdk.Stack(app, 'Data', { stackName: '${stackName}' });
new cdk.aws_sqs.Queue(stack, 'Jobs');
app.synth();
`;

/**
 * A Git host's API that refuses every request with 401 and, as a misconfigured proxy in front of one
 * might, quotes the Authorization header it got in its message. Keeps what cairn posted (bodies
 * only: the headers carry the token by design).
 */
async function echoingHost() {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url}\n${Buffer.concat(chunks).toString('utf8')}`);
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `Bad credentials: ${req.headers.authorization ?? ''}` }));
    });
  });
  return { ...(await listenOnLoopback(server)), bodies };
}

/**
 * The no-secret rule (SECURITY.md) for the credentials `secret-canaries.e2e.test.ts` does not hold:
 * AWS credentials an environment's `aws.roleArn` gets from STS (moto's answer, read through the
 * proxy: the bootstrap's deploy role chained after it too), cairn's own AWS identity from a
 * web-identity token file, a kubeconfig exec plugin's token, GitHub- and GitLab-style host tokens,
 * and a password in `repository.url`. Error paths: an AssumeRole refused (AccessDenied), one
 * throttled until the SDK gives up, a plugin token the API server refuses (401), a host that
 * refuses the token and quotes it back, a repository URL that cannot be reached (both backends).
 * Channels: stdout and stderr of `validate`, `plan` and `sync`, what cairn posted to the hosts,
 * the audit files and `cairn audit list/show --json`.
 */
describe('secret canaries: assumed roles, web identity, exec plugins, host tokens, URL credentials', () => {
  const sandbox = sandboxEnv();
  const id = tag();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-canary-credentials-'));
  const role = (name: string) => `arn:aws:iam::${sandbox.aws.account}:role/cairn-canary-${name}-${id}`;
  const c = {
    awsKeyId: `AKIACANARY${randomBytes(5).toString('hex').toUpperCase()}`,
    awsSecretKey: `canaryAwsSecretKey/${randomBytes(15).toString('hex')}`.slice(0, 40),
    awsSessionToken: `canary-aws-session-token-${tag()}`,
    webIdentityToken: `canary-web-identity-token-${tag()}`,
    pluginToken: `canary-exec-plugin-token-${tag()}`,
    githubToken: `ghp_canary${randomBytes(13).toString('hex')}`,
    gitlabToken: `glpat-canary${randomBytes(10).toString('hex')}`,
    // A password with an unescaped `@`: each side is a secret of its own.
    urlPasswordHead: `canary-url-password-head-${tag()}`,
    urlPasswordTail: `canary-url-password-tail-${tag()}`,
  };
  const { channels, record, recordCli, recordFiles, silentChannels } = canaryChannels();
  let repo: TestRepo;
  let proxy: CfnFaultProxy;
  let dynamoProxy: DynamoDbFaultProxy;
  const table = `cairn-canary-${id}`;
  let github: Awaited<ReturnType<typeof echoingHost>>;
  let gitlab: Awaited<ReturnType<typeof echoingHost>>;
  const configs: Record<string, string> = {};
  const auditDir = join(dir, 'audit');
  const baseEnv = {
    AWS_ACCESS_KEY_ID: c.awsKeyId,
    AWS_SECRET_ACCESS_KEY: c.awsSecretKey,
    AWS_SESSION_TOKEN: c.awsSessionToken,
    AWS_REGION: sandbox.aws.region,
    CANARY_GITHUB_TOKEN: c.githubToken,
    CANARY_GITLAB_TOKEN: c.gitlabToken,
  };

  beforeAll(async () => {
    const target = {
      region: sandbox.aws.region,
      account: sandbox.aws.account,
      endpoint: sandbox.aws.endpoint,
    };
    await bootstrapEnvironment(
      { ...target, prune: false, synthTimeoutMs: 60_000, deployTimeoutMs: 60_000 },
      silentLog(),
      { credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey } },
    );
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    proxy.refuseAssumeRole(role('denied'));
    dynamoProxy = await startDynamoDbFaultProxy(sandbox.aws.endpoint);
    [github, gitlab] = await Promise.all([echoingHost(), echoingHost()]);
    const aws = (env: string) => ({
      'aws-resources/cdk.json': JSON.stringify({ app: 'node app.js' }),
      'aws-resources/app.js': app(`canary${id}-${env}`),
    });
    repo = createTestRepo(`canary-credentials-${id}`, {
      assumed: aws('assumed'),
      denied: aws('denied'),
      throttled: aws('throttled'),
      webid: aws('webid'),
      plugin: {
        'aws-resources/app.js': null,
        'aws-resources/cdk.json': null,
        'k8s-resources/greeting.yaml': greetingManifest(`canary-${id}`, 'v1'),
      },
    });
    // A kubeconfig whose user is an exec plugin handing out a token the API server does not know.
    const plugin = join(dir, 'plugin.js');
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(c.pluginToken)} } }));\n`,
    );
    const kubeconfig = parse(readFileSync(sandbox.kubernetes.kubeconfig, 'utf8')) as {
      users: { name: string; user: Record<string, unknown> }[];
    };
    kubeconfig.users[0]!.user = {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args: [plugin],
        interactiveMode: 'Never',
      },
    };
    const pluginKubeconfig = join(dir, 'plugin.kubeconfig');
    writeFileSync(pluginKubeconfig, stringify(kubeconfig), { mode: 0o600 });
    writeFileSync(join(dir, 'web-identity-token'), c.webIdentityToken, { mode: 0o600 });

    const awsEnv = (name: string, roleArn?: string) => ({
      name,
      aws: { ...target, endpoint: proxy.url, ...(roleArn ? { roleArn } : {}) },
    });
    const keyFile = auditKeyFile(dir);
    const config = (repository: Record<string, unknown>, audit: Record<string, unknown> = {}) =>
      stringify({
        repository: { url: repo.bare, pollInterval: '1h', ...repository },
        environments: [
          awsEnv('assumed', role('assumed')),
          awsEnv('denied', role('denied')),
          awsEnv('throttled', role('throttled')),
          awsEnv('webid'),
          { name: 'plugin', kubernetes: { kubeconfig: pluginKubeconfig, namespace: `canary-${id}` } },
        ],
        audit: { dir: auditDir, keyFile, ...audit },
        server: { port: 0 },
        workspaces: { dir: join(dir, 'workspaces') },
      });
    const write = (name: string, text: string) => {
      configs[name] = join(dir, `cairn-${name}.yaml`);
      writeFileSync(configs[name], text);
    };
    write(
      'github',
      config({
        host: { type: 'github', apiUrl: github.url, repo: 'org/repo', tokenEnv: 'CANARY_GITHUB_TOKEN' },
      }),
    );
    write(
      'gitlab',
      config({
        host: { type: 'gitlab', apiUrl: gitlab.url, repo: 'group/repo', tokenEnv: 'CANARY_GITLAB_TOKEN' },
      }),
    );
    // A repository URL carrying a password, on a port nothing listens on.
    const closed = await freePort();
    const url = `http://cairn:${c.urlPasswordHead}@${c.urlPasswordTail}@127.0.0.1:${closed}/org/repo.git`;
    write('url-isomorphic', config({ url }));
    write('url-native', config({ url, backend: 'native' }));
    // The ledger in DynamoDB (moto, through a proxy that can refuse a signature as AWS does).
    write(
      'dynamodb',
      config(
        {},
        { backend: 'dynamodb', dynamodb: { table, region: sandbox.aws.region, endpoint: dynamoProxy.url } },
      ),
    );
  });

  afterAll(async () => {
    await proxy?.close();
    await dynamoProxy?.close();
    const dynamo = new DynamoDBClient(sandboxAwsClientConfig());
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamo.destroy();
    await github?.close();
    await gitlab?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], config: string, env: NodeJS.ProcessEnv = {}) =>
    runCli([...args, '--config', configs[config]!], { ...baseEnv, ...env });

  it('drives every credential path, and no canary appears in anything cairn printed, posted or recorded', async () => {
    // Given an environment whose role STS grants (and the bootstrap's deploy role chained after it)
    const synced = recordCli('cairn sync --env assumed', await cli(['sync', '--env', 'assumed'], 'github'));
    expect(synced.code).toBe(0);
    recordCli('cairn plan --env assumed', await cli(['plan', '--env', 'assumed'], 'gitlab'));
    recordCli('cairn plan --env assumed --json', await cli(['plan', '--env', 'assumed', '--json'], 'github'));
    expect(proxy.issued.filter((i) => i.action === 'AssumeRole').length).toBeGreaterThanOrEqual(1);
    // and one whose role STS refuses, and one whose STS calls are throttled until the SDK gives up
    const denied = recordCli(
      'cairn sync --env denied (AccessDenied)',
      await cli(['sync', '--env', 'denied'], 'gitlab'),
    );
    expect(denied.code).not.toBe(0);
    expect(`${denied.stdout}${denied.stderr}`).toContain(role('denied'));
    proxy.throttleNext('AssumeRole', 1_000);
    const throttled = recordCli(
      'cairn sync --env throttled (STS throttled)',
      await cli(['sync', '--env', 'throttled'], 'github'),
    );
    proxy.throttleNext('AssumeRole', 0);
    expect(throttled.code).not.toBe(0);
    expect(`${throttled.stdout}${throttled.stderr}`).toMatch(/Rate exceeded/);
    // and cairn's own identity from a web-identity token file (no key in its environment), once
    // with CloudFormation refusing the signature (AWS's message quotes the canonical request)
    const webIdentity = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'web-identity-token'),
      AWS_ROLE_ARN: role('web-identity'),
      AWS_ROLE_SESSION_NAME: 'cairn-canary',
      AWS_ENDPOINT_URL_STS: proxy.url,
    };
    const webid = recordCli(
      'cairn sync --env webid (web identity)',
      await cli(['sync', '--env', 'webid'], 'github', webIdentity),
    );
    expect(webid.code).toBe(0);
    expect(proxy.issued.some((i) => i.action === 'AssumeRoleWithWebIdentity')).toBe(true);
    proxy.refuseSignatureNext(1);
    const mismatch = recordCli(
      'cairn plan --env webid (web identity, SignatureDoesNotMatch)',
      await cli(['plan', '--env', 'webid'], 'github', webIdentity),
    );
    expect(`${mismatch.stdout}${mismatch.stderr}`).toContain('The Canonical String for this request');
    proxy.refuseSignatureNext(1);
    recordCli(
      'cairn sync --env webid (web identity, SignatureDoesNotMatch)',
      await cli(['sync', '--env', 'webid'], 'gitlab', webIdentity),
    );
    // and a second commit for the assumed role: its first sync refused by signature, then applied
    const second = repo.commit('assumed', 'Add notes', { 'aws-resources/notes.txt': 'second\n' });
    proxy.refuseSignatureNext(1);
    const refusedSignature = recordCli(
      'cairn sync --env assumed (SignatureDoesNotMatch)',
      await cli(['sync', '--env', 'assumed'], 'gitlab'),
    );
    expect(refusedSignature.stdout).toContain('The Canonical String for this request');
    expect((await cli(['sync', '--env', 'assumed'], 'github')).code).toBe(0);
    // and a kubeconfig exec plugin whose token the API server refuses
    const plugin = recordCli(
      'cairn sync --env plugin (401)',
      await cli(['sync', '--env', 'plugin'], 'gitlab'),
    );
    expect(plugin.code).not.toBe(0);
    expect(`${plugin.stdout}${plugin.stderr}`).toMatch(/401|Unauthorized/i);
    recordCli('cairn validate --env plugin', await cli(['validate', '--env', 'plugin'], 'github'));
    // and a repository URL with a password that cannot be reached, on both backends
    for (const backend of ['isomorphic', 'native'])
      for (const command of ['validate', 'sync', 'plan']) {
        const r = recordCli(
          `cairn ${command} --env plugin (URL with a password, ${backend})`,
          await cli([command, '--env', 'plugin'], `url-${backend}`),
        );
        expect(r.code).not.toBe(0);
      }

    // Then the ledger, and what cairn posted to the hosts
    const list = recordCli(
      'cairn audit list --json',
      await cli(['audit', 'list', '--limit', '100', '--json'], 'github'),
    );
    const entries = JSON.parse(list.stdout) as { id: string; env: string; outcome: string; toSha: string }[];
    const ids = entries.map((e) => e.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    // and a revert pushed to the repository URL with a password, which cannot be reached (git's own text)
    const applied = entries.find(
      (e) => e.env === 'assumed' && e.outcome === 'succeeded' && e.toSha === second,
    )!;
    // (the revert runs the git binary whatever the backend)
    for (const backend of ['isomorphic', 'native']) {
      const reverted = recordCli(
        `cairn revert (URL with a password, ${backend})`,
        await cli(['revert', applied.id], `url-${backend}`),
      );
      expect(reverted.code).not.toBe(0);
      expect(reverted.stderr).toContain('fetching the branch failed');
    }
    for (const entryId of ids)
      recordCli(
        `cairn audit show ${entryId} --json`,
        await cli(['audit', 'show', entryId, '--json'], 'github'),
      );
    recordFiles('audit file', auditDir);
    // and the ledger copied to DynamoDB with cairn's identity from the web-identity file, then read
    // once with every read refused by signature (AWS's message quotes the canonical request)
    const migrated = recordCli(
      'cairn audit migrate (DynamoDB, web identity)',
      await cli(['audit', 'migrate', '--from-dir', auditDir], 'dynamodb', webIdentity),
    );
    expect(migrated.code).toBe(0);
    for (const operation of ['DescribeTable', 'Query', 'GetItem', 'Scan', 'BatchGetItem'])
      dynamoProxy.refusingSignature.add(operation);
    const unreadable = recordCli(
      'cairn audit list (DynamoDB, web identity, InvalidSignatureException)',
      await cli(['audit', 'list', '--json'], 'dynamodb', webIdentity),
    );
    dynamoProxy.refusingSignature.clear();
    expect(`${unreadable.stdout}${unreadable.stderr}`).toContain('The Canonical String for this request');
    expect(github.bodies.length).toBeGreaterThan(0);
    expect(gitlab.bodies.length).toBeGreaterThan(0);
    record('posted to the GitHub-style host', github.bodies.join('\n'));
    record('posted to the GitLab-style host', gitlab.bodies.join('\n'));

    const canaries: Canary[] = [
      { name: "controller's AWS access key id", value: c.awsKeyId },
      { name: "controller's AWS secret access key", value: c.awsSecretKey },
      { name: "controller's AWS session token", value: c.awsSessionToken },
      { name: 'web-identity token', value: c.webIdentityToken },
      { name: 'exec plugin token', value: c.pluginToken },
      { name: 'GitHub token', value: c.githubToken },
      { name: 'GitLab token', value: c.gitlabToken },
      { name: 'repository.url password (before its @)', value: c.urlPasswordHead },
      { name: 'repository.url password (after its @)', value: c.urlPasswordTail },
      ...proxy.issued.flatMap((i, n) => [
        { name: `${i.action} #${n} access key id`, value: i.accessKeyId },
        { name: `${i.action} #${n} secret access key`, value: i.secretAccessKey },
        { name: `${i.action} #${n} session token`, value: i.sessionToken },
      ]),
    ];
    // (each channel said something: an empty channel proves nothing)
    expect(silentChannels()).toEqual([]);
    const leaks = canaryLeaks(channels, canaries);
    if (leaks) throw new Error(leaks);
  });
});
