import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parse, stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import { planMarker } from '../../controller/reconcile/plan-comment';
import { buildUi } from '../../controller/ui/build';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { runCli } from '../helpers/cli';
import { settings } from '../helpers/e2e-platform';
import { waitFor } from '../helpers/gitea';
import {
  GITEA_TOKEN_ENV,
  makeGiteaPlatform,
  WEBHOOK_SECRET_ENV,
  type GiteaPlatform,
} from '../helpers/gitea-platform';
import { kubectlApply, kubectlDelete, serviceAccountKubeconfig } from '../helpers/install-identities';
import { listenOnLoopback } from '../helpers/net';
import { canaryChannels, canaryLeaks, canaryTag as tag, type Canary } from '../helpers/secret-canaries';
import { pushPayload, sign } from '../helpers/webhook-deliveries';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(300_000);

/** The platform's CDK app, plus outputs whose values CloudFormation resolves from SSM parameters (never in the repository). */
const APP_WITH_SECRET_OUTPUT = `
const cdk = require('aws-cdk-lib');
const fs = require('fs');
const app = new cdk.App();
const env = app.node.tryGetContext('gitops:environment');
const spec = JSON.parse(fs.readFileSync(__dirname + '/stack.json', 'utf8'));
const stack = new cdk.Stack(app, 'Data', { stackName: spec.prefix + '-' + env + '-data' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
new cdk.CfnOutput(stack, 'CanaryToken', {
  value: cdk.aws_ssm.StringParameter.valueForStringParameter(stack, spec.parameter),
});
new cdk.CfnOutput(stack, 'StarToken', {
  value: cdk.aws_ssm.StringParameter.valueForStringParameter(stack, spec.starParameter),
});
app.synth();
`;

/** A local HTTP receiver (notifications, OTLP traces): keeps each request's headers and body, never its path (a notification URL is the secret itself). */
async function recordingReceiver() {
  const got: { readonly path: string; readonly text: string }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { host: _host, ...headers } = req.headers;
      got.push({
        path: req.url ?? '',
        text: `${JSON.stringify(headers)}\n${Buffer.concat(chunks).toString('utf8')}`,
      });
      // The first notification is refused, so the retry and its log line are exercised too.
      const refuse = req.url?.startsWith('/notify/') && got.filter((g) => g.path === req.url).length === 1;
      res
        .writeHead(refuse ? 503 : 200, { 'content-type': 'application/json' })
        .end(refuse ? '{"error":"busy, try again"}' : '{}');
    });
  });
  return { ...(await listenOnLoopback(server)), got };
}

/**
 * The no-secret rule for the whole product at once (SECURITY.md): a realistic run with a distinct
 * canary in every secret cairn handles, driven through every path that prints, and then every byte
 * cairn printed or served is searched for every canary in every spelling `encodedForms` knows (raw,
 * JSON-escaped, URL-encoded, base64 and base64 inside a longer base64 text).
 *
 * Secrets: the controller's AWS credentials (access key id, secret key, session token), each
 * environment's Kubernetes ServiceAccount token, one the API server does not know (401) and one in
 * a kubeconfig with a YAML mistake, the webhook secret, the Git token (repository and host) and one
 * Gitea refuses, two API tokens (variable and file), the audit key, a notification URL and its
 * signing secret, a Secret's `stringData` and `data` values, an AWS output (resolved from SSM by
 * CloudFormation) bound into that Secret, another whose value starts with `*` (a YAML alias once in
 * place, which fails the plan and the apply), the value a pull request rotates the Secret to, and a
 * value the API server refuses.
 *
 * Channels: stdout and stderr of `cairn validate`, `plan` (text and `--json`), `sync` (a success, a
 * stack that rolls back, an apply refused with 403, a token refused with 401, a kubeconfig with a
 * YAML mistake, a Git token refused, a missing repository), `audit list/show/verify` and `audit
 * migrate` to DynamoDB; every byte `cairn run` printed; every documented GET of the API (with each
 * token and with none), `/api/events`, `/metrics`, the probes, the web UI's page and files, the
 * answers to signed and wrongly signed webhooks of each provider; the pull-request comments and
 * commit statuses on Gitea; the notification bodies (one refused with 503 and retried) and OTLP
 * trace posts; the audit folder, its witness and the DynamoDB items.
 *
 * Not covered here: the web UI as Chromium renders it (it shows what the API answers, checked
 * here); assumed-role, web-identity, exec-plugin, GitHub- and GitLab-style and URL credentials (this
 * platform uses the controller's own keys and Gitea: `secret-canaries-credentials.e2e.test.ts`);
 * sharding's handoff key (`secret-canaries-handoff.e2e.test.ts`).
 */
describe('secret canaries: no secret in any log, plan, ledger entry or answer', () => {
  const sandbox = sandboxEnv();
  const id = tag();
  const c = {
    awsKeyId: `AKIACANARY${randomBytes(5).toString('hex').toUpperCase()}`,
    awsSecretKey: `canaryAwsSecretKey/${randomBytes(15).toString('hex')}`.slice(0, 40),
    awsSessionToken: `canary-aws-session-token-${tag()}`,
    apiTokenEnv: `canary-api-token-env-${tag()}`,
    apiTokenFile: `canary-api-token-file-${tag()}`,
    auditKey: `canary-audit-key-${randomBytes(24).toString('hex')}`,
    notifyUrlPath: `canary-notify-url-${tag()}`,
    notifySecret: `canary-notify-secret-${tag()}`,
    secretStringData: `canary-secret-stringdata-${tag()}`,
    secretData: `canary-secret-data-${tag()}`,
    awsOutput: `canary-aws-output-${tag()}`,
    starOutput: `canary-star-output-${tag()}`,
    rotated: `canary-secret-rotated-${tag()}`,
    forgedGitToken: `canary-forged-git-token-${tag()}`,
    forgedKubeToken: `canary-forged-kube-token-${tag()}`,
    // Short, as static tokens often are: js-yaml's snippet cuts long lines (a JWT shows only its header).
    brokenKubeToken: `kt-${tag()}`,
    // A number as YAML reads it: the API server quotes such a value when it refuses the Secret.
    refusedPin: String(100_000_000_000 + Math.floor(Math.random() * 800_000_000_000)),
  };
  const kubeNs = `canary-${id}`;
  const table = `cairn-canary-${id}`;
  const dynamo = new DynamoDBClient(sandboxAwsClientConfig());
  const ssm = new SSMClient(sandboxAwsClientConfig());
  const parameter = `/cairn-canary-${id}/token`;
  const starParameter = `/cairn-canary-${id}/star`;
  const { channels, record, recordCli, recordFiles, silentChannels } = canaryChannels();
  let canaries: Canary[] = [];
  let p: GiteaPlatform;
  let proxy: CfnFaultProxy;
  let receiver: Awaited<ReturnType<typeof recordingReceiver>>;
  let nobodyConfig: string;
  let forgedConfig: string;
  let missingRepoConfig: string;
  let brokenConfig: string;
  let notifyUrl: string;
  const kc = new KubeConfig();
  const token = (file: string) =>
    (parse(readFileSync(file, 'utf8')) as { users: { user: { token: string } }[] }).users[0]!.user.token;

  const secretManifest = (ns: string, stack: string, password: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      // the output is bound twice: into stringData, and into an annotation (still the Secret's)
      metadata: {
        name: 'app-credentials',
        namespace: ns,
        annotations: { 'example.com/token': `\${aws:${stack}.CanaryToken}` },
      },
      type: 'Opaque',
      stringData: { password, outputToken: `\${aws:${stack}.CanaryToken}` },
      data: { apiKey: Buffer.from(c.secretData).toString('base64') },
    });

  beforeAll(async () => {
    await buildUi();
    receiver = await recordingReceiver();
    notifyUrl = `${receiver.url}/notify/${c.notifyUrlPath}`;
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    // The AWS output's value lives only in SSM: CloudFormation resolves it at deploy time.
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: c.awsOutput, Type: 'String' }));
    // A generated password may start with punctuation: in a plain YAML scalar, `*` starts an alias.
    await ssm.send(
      new PutParameterCommand({ Name: starParameter, Value: `*${c.starOutput}`, Type: 'String' }),
    );
    // Kubernetes: a ServiceAccount that may do everything (dev) and one that may do nothing (the 403 path).
    kubectlApply(identities());
    const apiTokenEnvName = 'CAIRN_CANARY_API_TOKEN';
    p = await makeGiteaPlatform({
      envs: ['dev'],
      apiToken: c.apiTokenEnv,
      env: {
        AWS_ACCESS_KEY_ID: c.awsKeyId,
        AWS_SECRET_ACCESS_KEY: c.awsSecretKey,
        AWS_SESSION_TOKEN: c.awsSessionToken,
        [apiTokenEnvName]: c.apiTokenEnv,
        CAIRN_CANARY_NOTIFY_URL: notifyUrl,
        CAIRN_CANARY_NOTIFY_SECRET: c.notifySecret,
      },
      config: (config, { api }) => {
        const repository = config.repository as Record<string, unknown>;
        repository.host = { type: 'gitea', tokenEnv: GITEA_TOKEN_ENV };
        const server = config.server as Record<string, unknown>;
        server.publicUrl = api;
        server.apiTokens = [
          { env: apiTokenEnvName, scopes: ['read', 'sync'] },
          { file: 'api-token', scopes: ['read'] },
        ];
        config.notifications = [
          {
            name: 'canary',
            type: 'webhook',
            urlEnv: 'CAIRN_CANARY_NOTIFY_URL',
            secretEnv: 'CAIRN_CANARY_NOTIFY_SECRET',
            events: ['failed', 'stalled', 'recovered', 'applied', 'drift-repaired', 'suspended'],
          },
        ];
        config.telemetry = { otlpEndpoint: receiver.url };
        const [dev] = config.environments as Record<string, unknown>[];
        // The app reads its canary parameters, made out of band, by SSM-typed template parameters.
        (dev!.aws as Record<string, unknown>).externalTargets = [parameter, starParameter];
        const prod = structuredClone(dev!) as {
          aws: Record<string, unknown>;
          kubernetes: Record<string, unknown>;
        };
        prod.aws.endpoint = proxy.url;
        prod.kubernetes.namespace = `${kubeNs}-prod`;
        config.environments = [dev, { ...prod, name: 'prod', branch: 'prod' }];
      },
    });
    // A private repository: the Git token is needed, and a wrong one is refused.
    await p.gitea.request('PATCH', `/repos/${p.owner}/${p.repo}`, { private: true });
    const dir = p.platform.dir;
    writeFileSync(join(dir, 'api-token'), `${c.apiTokenFile}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'audit.key'), c.auditKey, { mode: 0o600 });
    const adminKubeconfig = serviceAccountKubeconfig(kubeNs, 'deployer', join(dir, 'deployer.kubeconfig'));
    const nobodyKubeconfig = serviceAccountKubeconfig(kubeNs, 'nobody', join(dir, 'nobody.kubeconfig'));
    const config = parse(readFileSync(p.configFile, 'utf8')) as Record<string, unknown>;
    const envs = config.environments as { kubernetes: Record<string, unknown> }[];
    for (const env of envs) env.kubernetes.kubeconfig = adminKubeconfig;
    writeFileSync(p.configFile, stringify(config));
    envs[0]!.kubernetes.kubeconfig = nobodyKubeconfig;
    nobodyConfig = join(dir, 'cairn-nobody.yaml');
    writeFileSync(nobodyConfig, stringify(config));
    // A token the API server does not know (401): wrong credentials for one environment.
    const forgedKubeconfig = join(dir, 'forged.kubeconfig');
    const forged = parse(readFileSync(adminKubeconfig, 'utf8')) as { users: { user: { token: string } }[] };
    forged.users[0]!.user.token = c.forgedKubeToken;
    writeFileSync(forgedKubeconfig, stringify(forged), { mode: 0o600 });
    envs[0]!.kubernetes.kubeconfig = forgedKubeconfig;
    forgedConfig = join(dir, 'cairn-forged.yaml');
    writeFileSync(forgedConfig, stringify(config));
    // A kubeconfig with a YAML mistake on the line after its token.
    const brokenKubeconfig = join(dir, 'broken.kubeconfig');
    writeFileSync(
      brokenKubeconfig,
      stringify(forged).replace(c.forgedKubeToken, `${c.brokenKubeToken}\n         oops: indented`),
      { mode: 0o600 },
    );
    envs[0]!.kubernetes.kubeconfig = brokenKubeconfig;
    brokenConfig = join(dir, 'cairn-broken-kubeconfig.yaml');
    writeFileSync(brokenConfig, stringify(config));
    envs[0]!.kubernetes.kubeconfig = adminKubeconfig;
    const repository = config.repository as Record<string, unknown>;
    repository.url = `${String(repository.url).replace(/\.git$/, '')}-missing.git`;
    missingRepoConfig = join(dir, 'cairn-missing-repository.yaml');
    writeFileSync(missingRepoConfig, stringify(config));
    kc.loadFromFile(sandbox.kubernetes.kubeconfig);

    // dev: a Secret holding canaries in stringData and data, and the AWS output bound into it.
    const stack = p.platform.stackName('dev');
    p.platform.commit('dev', 'Add the app credentials', {
      'aws-resources/app.js': APP_WITH_SECRET_OUTPUT,
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${p.platform.id}`, parameter, starParameter }),
      'k8s-resources/credentials.yaml': secretManifest(
        p.platform.namespace('dev'),
        stack,
        c.secretStringData,
      ),
    });
    // prod: the same tree, whose stack CloudFormation rolls back.
    p.platform.git('checkout', '-q', '-b', 'prod', 'dev');
    p.platform.commit('prod', 'prod: first platform', {
      'k8s-resources/namespace.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: `${kubeNs}-prod` },
      }),
      'k8s-resources/settings.yaml': settings(`${kubeNs}-prod`, 'blue'),
      'k8s-resources/web.yaml': null,
      'k8s-resources/credentials.yaml': secretManifest(
        `${kubeNs}-prod`,
        `e2e${p.platform.id}-prod-data`,
        c.secretStringData,
      ),
    });
    p.push('dev', 'prod');
    proxy.addRule({
      stackName: `e2e${p.platform.id}-prod-data`,
      status: 'ROLLBACK_COMPLETE',
      statusReason: 'The following resource(s) failed to create: [Bucket83908E77].',
      events: [
        {
          logicalId: 'Bucket83908E77',
          type: 'AWS::S3::Bucket',
          status: 'CREATE_FAILED',
          reason: 'Bucket name already exists',
        },
      ],
    });

    canaries = [
      { name: 'AWS access key id', value: c.awsKeyId },
      { name: 'AWS secret access key', value: c.awsSecretKey },
      { name: 'AWS session token', value: c.awsSessionToken },
      { name: 'Kubernetes token (deployer)', value: token(adminKubeconfig) },
      { name: 'Kubernetes token (nobody)', value: token(nobodyKubeconfig) },
      { name: 'Kubernetes token (unknown to the server)', value: c.forgedKubeToken },
      { name: 'Kubernetes token (in a kubeconfig with a YAML mistake)', value: c.brokenKubeToken },
      { name: 'Git token Gitea refuses', value: c.forgedGitToken },
      { name: 'webhook secret', value: p.cliEnv[WEBHOOK_SECRET_ENV]! },
      { name: 'Git token', value: p.cliEnv[GITEA_TOKEN_ENV]! },
      { name: 'API token (env)', value: c.apiTokenEnv },
      { name: 'API token (file)', value: c.apiTokenFile },
      { name: 'audit key', value: c.auditKey },
      { name: 'notification URL', value: notifyUrl },
      { name: 'notification URL path', value: c.notifyUrlPath },
      { name: 'notification secret', value: c.notifySecret },
      { name: 'Secret stringData', value: c.secretStringData },
      { name: 'Secret data', value: c.secretData },
      { name: 'AWS output bound into a Secret', value: c.awsOutput },
      { name: 'AWS output (starting with *) bound into a Secret', value: c.starOutput },
      { name: 'Secret value a pull request rotates to', value: c.rotated },
      { name: 'Secret value the API server refuses', value: c.refusedPin },
    ];
  });

  afterAll(async () => {
    await p?.cleanup();
    await proxy?.close();
    await receiver?.close();
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamo.destroy();
    await ssm.send(new DeleteParameterCommand({ Name: parameter })).catch(() => undefined);
    await ssm.send(new DeleteParameterCommand({ Name: starParameter })).catch(() => undefined);
    ssm.destroy();
    kubectlDelete(identities());
    kubectlDelete(stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${kubeNs}-prod` } }));
  });

  function identities(): string {
    return [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: kubeNs } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: kubeNs } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: kubeNs } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${kubeNs}-deployer` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: kubeNs }],
      },
    ]
      .map((o) => stringify(o))
      .join('---\n');
  }

  const cli = (args: readonly string[], config = p.configFile, env: NodeJS.ProcessEnv = {}) =>
    runCli([...args.slice(0, 1), '--config', config, ...args.slice(1)], { ...p.cliEnv, ...env });
  const cliAudit = (args: readonly string[]) =>
    runCli(['audit', ...args, '--config', p.configFile], p.cliEnv);

  it('drives every path that prints, and no canary appears in anything cairn printed or served', async () => {
    const dev = p.platform.namespace('dev');
    // Given the CLI's paths: validate, plan (text and JSON), a sync that succeeds, a sync refused
    // with 403 and a sync whose stack rolls back
    expect(recordCli('cairn validate', await cli(['validate'])).code).toBe(0);
    recordCli('cairn validate --env dev', await cli(['validate', '--env', 'dev']));
    recordCli('cairn plan --env dev (first)', await cli(['plan', '--env', 'dev']));
    recordCli('cairn plan --env dev --json (first)', await cli(['plan', '--env', 'dev', '--json']));
    const synced = recordCli('cairn sync --env dev', await cli(['sync', '--env', 'dev']));
    expect(synced.code).toBe(0);
    const live = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'app-credentials', namespace: dev });
    // (the canaries really went where they should: the Secret holds them, the output was resolved)
    expect(Buffer.from(live.data!.password!, 'base64').toString()).toBe(c.secretStringData);
    expect(Buffer.from(live.data!.outputToken!, 'base64').toString()).toBe(c.awsOutput);
    recordCli('cairn plan --env dev (applied)', await cli(['plan', '--env', 'dev']));
    recordCli('cairn plan --env dev --json (applied)', await cli(['plan', '--env', 'dev', '--json']));
    const refused = recordCli(
      'cairn sync --env dev (403)',
      await cli(['sync', '--env', 'dev'], nobodyConfig),
    );
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/forbidden|403/i);
    recordCli(
      'cairn sync --env dev --json (403)',
      await cli(['sync', '--env', 'dev', '--json'], nobodyConfig),
    );
    const unknown = recordCli(
      'cairn sync --env dev (401)',
      await cli(['sync', '--env', 'dev'], forgedConfig),
    );
    expect(unknown.code).not.toBe(0);
    recordCli('cairn plan --env dev (401)', await cli(['plan', '--env', 'dev'], forgedConfig));
    // and a kubeconfig with a YAML mistake beside its token
    const broken = recordCli(
      'cairn sync --env dev (kubeconfig with a YAML mistake)',
      await cli(['sync', '--env', 'dev'], brokenConfig),
    );
    expect(broken.code).not.toBe(0);
    recordCli(
      'cairn validate --env dev (kubeconfig with a YAML mistake)',
      await cli(['validate', '--env', 'dev'], brokenConfig),
    );
    // and a Git token Gitea refuses, and a repository Gitea does not have
    const badGit = { [GITEA_TOKEN_ENV]: c.forgedGitToken };
    const gitRefused = recordCli(
      'cairn sync --env dev (Git token refused)',
      await cli(['sync', '--env', 'dev'], p.configFile, badGit),
    );
    expect(gitRefused.code).not.toBe(0);
    recordCli(
      'cairn validate --env dev (Git token refused)',
      await cli(['validate', '--env', 'dev'], p.configFile, badGit),
    );
    const gitMissing = recordCli(
      'cairn sync --env dev (no such repository)',
      await cli(['sync', '--env', 'dev'], missingRepoConfig),
    );
    expect(gitMissing.code).not.toBe(0);
    const rolledBack = recordCli('cairn sync --env prod (stack fails)', await cli(['sync', '--env', 'prod']));
    expect(rolledBack.code).not.toBe(0);

    // When cairn run serves the API, a pull request rotating the Secret and one the API server
    // refuses are planned on Gitea, and the first is merged (Gitea's signed push delivery)
    await p.start();
    const stream = events();
    const branchFromDev = (branch: string, files: Readonly<Record<string, string | null>>) => {
      p.platform.git('fetch', '-q', 'gitea', 'refs/heads/dev:refs/remotes/gitea/dev');
      p.platform.git('checkout', '-q', '-B', branch, 'gitea/dev');
      const sha = p.platform.commit(branch, `${branch}: change the credentials`, files);
      p.push(branch);
      return sha;
    };
    const rotateHead = branchFromDev('rotate', {
      'k8s-resources/credentials.yaml': secretManifest(dev, p.platform.stackName('dev'), c.rotated),
      'k8s-resources/settings.yaml': settings(dev, 'green'),
    });
    const refuseHead = branchFromDev('refuse', {
      'k8s-resources/pin.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: pin\n  namespace: ${dev}\nstringData:\n  pin: ${c.refusedPin}\n`,
    });
    const rotatePr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'rotate',
      base: 'dev',
      title: 'Rotate',
    });
    const refusePr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'refuse',
      base: 'dev',
      title: 'Pin',
    });
    const commentOn = (pr: number, sha: string) =>
      waitFor(
        `the plan comment on #${pr} for ${sha.slice(0, 12)}`,
        async () => {
          const mine = (await p.gitea.comments(p.owner, p.repo, pr)).filter((m) =>
            m.body.includes(planMarker('dev')),
          );
          return mine.some((m) => m.body.includes(sha.slice(0, 12))) ? mine : undefined;
        },
        120_000,
        250,
      );
    const [rotateComments, refuseComments] = await Promise.all([
      commentOn(rotatePr.number, rotateHead),
      commentOn(refusePr.number, refuseHead),
    ]);
    expect(rotateComments).toHaveLength(1);
    expect(refuseComments).toHaveLength(1);
    const merged = await p.gitea.mergePullRequest(p.owner, p.repo, rotatePr.number);
    const mergeEntry = await p.entryFor('dev', merged.sha, 120_000);
    expect(mergeEntry.outcome).toBe('succeeded');
    // and a pull request binding an output that starts with `*` into a Secret, planned and merged:
    // the manifest no longer parses once the value is in place, which fails the plan and the apply
    const starHead = branchFromDev('star', {
      'k8s-resources/star.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'star', namespace: dev },
        stringData: { token: `\${aws:${p.platform.stackName('dev')}.StarToken}` },
      }),
    });
    const starPr = await p.gitea.openPullRequest(p.owner, p.repo, {
      head: 'star',
      base: 'dev',
      title: 'Star',
    });
    await commentOn(starPr.number, starHead);
    const starMerged = await p.gitea.mergePullRequest(p.owner, p.repo, starPr.number);
    const starEntry = await p.entryFor('dev', starMerged.sha, 120_000);
    expect(starEntry.outcome).toBe('failed');
    // and a prod commit, announced by Gitea's push delivery, whose stack rolls back again
    const prodHead = p.platform.commit('prod', 'prod: turn green', {
      'k8s-resources/settings.yaml': settings(`${kubeNs}-prod`, 'green'),
    });
    p.push('prod');
    const prodFailed = await p.entryFor('prod', prodHead, 120_000);
    expect(prodFailed.outcome).toBe('failed');
    await waitFor(
      'an applied and a failed (or stalled) notification',
      async () => {
        const texts = receiver.got
          .filter((g) => g.path.startsWith('/notify/'))
          .map((g) => g.text)
          .join('\n');
        if (!/"event":"applied"/.test(texts) || !/"event":"(failed|stalled)"/.test(texts)) {
          // a delivery with the wrong events names them when the wait gives up
          throw new Error(
            `receiver got ${receiver.got.map((g) => g.path.replace(c.notifyUrlPath, '…')).join(', ')}: ${texts.replace(/"event":"(\w+)"|[^]/g, '$1 ')}`,
          );
        }
        return true;
      },
      30_000,
      250,
    );
    await waitFor(
      'trace posts',
      async () => (receiver.got.some((g) => g.path === '/v1/traces') ? true : undefined),
      30_000,
      250,
    );

    // Then every API answer: each documented GET, with a token, with the read-only file token and without one
    const envNames = ['dev', 'prod'];
    const paths = [
      '/api/environments',
      '/api/session',
      ...envNames.flatMap((e) => [
        `/api/environments/${e}`,
        `/api/environments/${e}/audit?limit=100`,
        `/api/environments/${e}/chain`,
        `/api/environments/${e}/plans`,
        `/api/environments/${e}/controls`,
      ]),
      '/metrics',
      '/healthz',
      '/readyz',
      '/',
    ];
    for (const path of paths) {
      record(`GET ${path}`, await api(path));
      record(`GET ${path} (file token)`, await api(path, c.apiTokenFile));
      record(`GET ${path} (no token)`, await api(path, null));
    }
    const ids: string[] = [];
    for (const e of envNames)
      ids.push(
        ...(await apiJson<AuditEntry[]>(`/api/environments/${e}/audit?limit=100`)).map((entry) => entry.id),
      );
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const entryId of ids) record(`GET /api/audit/${entryId}`, await api(`/api/audit/${entryId}`));
    // the web UI's page and the files it loads
    const page = channels.get('GET /')!;
    for (const [, file] of page.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g))
      record(`GET ${file!}`, await api(file!, null));
    // each provider's webhook answer, signed with the secret and with a wrong one, for a branch no environment follows
    for (const provider of ['github', 'gitlab', 'gitea', 'generic'] as const)
      for (const [which, secret] of [
        ['signed', p.cliEnv[WEBHOOK_SECRET_ENV]!],
        ['wrongly signed', 'not-the-webhook-secret'],
      ] as const) {
        const delivery = sign[provider](pushPayload('nobody-follows'), { secret, delivery: tag() });
        const r = await fetch(`${p.api}/hooks/${provider}`, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
        });
        record(
          `POST /hooks/${provider} (${which})`,
          `${r.status} ${JSON.stringify([...r.headers])}\n${await r.text()}`,
        );
      }
    record('GET /api/events', await stream.stop());
    record('POST /api/environments/dev/sync', await api('/api/environments/dev/sync', c.apiTokenEnv, 'POST'));

    // the ledger through the CLI, and its files
    recordCli('cairn audit list', await cliAudit(['list', '--limit', '100']));
    recordCli('cairn audit list --json', await cliAudit(['list', '--limit', '100', '--json']));
    for (const entryId of ids) {
      recordCli(`cairn audit show ${entryId}`, await cliAudit(['show', entryId]));
      recordCli(`cairn audit show ${entryId} --json`, await cliAudit(['show', entryId, '--json']));
    }
    recordCli('cairn audit verify', await cliAudit(['verify']));
    recordFiles('audit file', p.platform.auditDir);
    recordFiles('witness file', `${p.platform.auditDir}.witness`);
    // the same ledger copied into DynamoDB (moto), read back through the CLI and as raw items
    const dynamoConfig = join(p.platform.dir, 'cairn-dynamodb.yaml');
    const withTable = parse(readFileSync(p.configFile, 'utf8')) as { audit: Record<string, unknown> };
    withTable.audit = {
      ...withTable.audit,
      backend: 'dynamodb',
      dynamodb: { table, region: sandbox.aws.region, endpoint: sandbox.aws.endpoint },
    };
    writeFileSync(dynamoConfig, stringify(withTable));
    const dynamoAudit = (args: readonly string[]) =>
      runCli(['audit', ...args, '--config', dynamoConfig], p.cliEnv);
    const migrated = recordCli(
      'cairn audit migrate (DynamoDB)',
      await dynamoAudit(['migrate', '--from-dir', p.platform.auditDir]),
    );
    expect(migrated.code).toBe(0);
    recordCli('cairn audit list --json (DynamoDB)', await dynamoAudit(['list', '--limit', '100', '--json']));
    recordCli('cairn audit verify (DynamoDB)', await dynamoAudit(['verify']));
    const items = await dynamo.send(new ScanCommand({ TableName: table }));
    expect(items.Items?.length).toBeGreaterThan(0);
    record('DynamoDB items', JSON.stringify(items.Items));

    // Gitea: every comment on both pull requests, and the commit statuses of every head involved
    for (const pr of [rotatePr.number, refusePr.number, starPr.number])
      for (const m of await p.gitea.comments(p.owner, p.repo, pr)) record(`Gitea comment on #${pr}`, m.body);
    for (const sha of [rotateHead, refuseHead, merged.sha, starHead, starMerged.sha])
      record(
        `Gitea statuses of ${sha.slice(0, 8)}`,
        JSON.stringify(await p.gitea.commitStatuses(p.owner, p.repo, sha)),
      );

    // notifications and traces as the receiver got them
    for (const g of receiver.got)
      record(g.path === '/v1/traces' ? 'OTLP trace post' : 'notification', g.text);
    // and every line cairn run printed
    record('cairn run (stdout and stderr)', p.output());

    // (each channel said something: an empty channel proves nothing)
    const empty = silentChannels();
    expect(empty).toEqual([]);
    const leaks = canaryLeaks(channels, canaries);
    if (leaks) throw new Error(leaks);
  });

  /** One answer of cairn's server: its status line and headers, then its body. */
  async function api(path: string, bearer: string | null = c.apiTokenEnv, method = 'GET'): Promise<string> {
    const r = await fetch(`${p.api}${path}`, {
      method,
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return `${r.status} ${JSON.stringify([...r.headers])}\n${await r.text()}`;
  }

  /** The body of a JSON answer read with the read-and-sync token. */
  async function apiJson<T>(path: string): Promise<T> {
    const r = await fetch(`${p.api}${path}`, { headers: { authorization: `Bearer ${c.apiTokenEnv}` } });
    return (await r.json()) as T;
  }

  /** Follows `GET /api/events` until `stop` is called; `stop` resolves with what it streamed. */
  function events(): { stop(): Promise<string> } {
    const abort = new AbortController();
    let text = '';
    const reading = (async () => {
      const r = await fetch(`${p.api}/api/events`, {
        headers: { authorization: `Bearer ${c.apiTokenEnv}` },
        signal: abort.signal,
      });
      const reader = r.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    })().catch(() => undefined);
    return {
      async stop() {
        abort.abort();
        await reading;
        return text;
      },
    };
  }
});
