import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { canaryChannels, canaryLeaks, canaryTag as tag } from '../helpers/secret-canaries';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(90_000);

/**
 * The no-secret rule (SECURITY.md) for cairn's own web-identity token when STS refuses it
 * (InvalidIdentityToken), through a proxy whose message quotes the token: `plan` and `sync` of an
 * AWS environment and `audit list` of a DynamoDB ledger, each with no other credentials.
 */
describe('secret canaries: a refused web-identity token', () => {
  const sandbox = sandboxEnv();
  const id = tag();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-canary-web-identity-'));
  const token = `canary-web-identity-token-${tag()}`;
  const { channels, recordCli: record, recordFiles } = canaryChannels();
  let repo: TestRepo;
  let proxy: CfnFaultProxy;
  const configs: Record<'files' | 'dynamodb', string> = { files: '', dynamodb: '' };

  beforeAll(async () => {
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    repo = createTestRepo(`canary-web-identity-${id}`, {
      webid: {
        'aws-resources/cdk.json': JSON.stringify({ app: 'node app.js' }),
        'aws-resources/app.js': `const cdk = require('aws-cdk-lib');
const app = new cdk.App();
new cdk.aws_sqs.Queue(new cdk.Stack(app, 'Data', { stackName: 'canary${id}' }), 'Jobs');
app.synth();
`,
      },
    });
    writeFileSync(join(dir, 'web-identity-token'), token, { mode: 0o600 });
    const keyFile = auditKeyFile(dir);
    const target = { region: sandbox.aws.region, account: sandbox.aws.account, endpoint: proxy.url };
    for (const ledger of ['files', 'dynamodb'] as const) {
      configs[ledger] = join(dir, `cairn-${ledger}.yaml`);
      writeFileSync(
        configs[ledger],
        stringify({
          repository: { url: repo.bare, pollInterval: '1h' },
          environments: [{ name: 'webid', aws: target }],
          audit: {
            dir: join(dir, 'audit'),
            keyFile,
            ...(ledger === 'dynamodb'
              ? {
                  backend: 'dynamodb',
                  dynamodb: { table: `cairn-canary-${id}`, region: target.region, endpoint: proxy.url },
                }
              : {}),
          },
          server: { port: 0 },
          workspaces: { dir: join(dir, 'workspaces') },
        }),
      );
    }
  });

  afterAll(async () => {
    await proxy?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no copy of the token appears in what cairn printed', async () => {
    const webIdentity = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_REGION: sandbox.aws.region,
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'web-identity-token'),
      AWS_ROLE_ARN: `arn:aws:iam::${sandbox.aws.account}:role/cairn-canary-web-identity-${id}`,
      AWS_ROLE_SESSION_NAME: 'cairn-canary',
      AWS_ENDPOINT_URL_STS: proxy.url,
    };
    // Given STS refusing every web-identity call, quoting the token
    proxy.refuseWebIdentityNext(1_000);
    const cli = (args: string[], ledger: 'files' | 'dynamodb') =>
      runCli([...args, '--config', configs[ledger]], webIdentity);
    for (const command of ['plan', 'sync'])
      expect(
        record(`cairn ${command} --env webid`, await cli([command, '--env', 'webid'], 'files')).code,
      ).not.toBe(0);
    expect(record('cairn audit list (DynamoDB)', await cli(['audit', 'list'], 'dynamodb')).code).not.toBe(0);
    proxy.refuseWebIdentityNext(0);
    recordFiles('audit file', join(dir, 'audit'), /\.jsonl$/);
    expect([...channels.keys()].some((k) => k.startsWith('audit file'))).toBe(true);
    // Then no channel holds the token (and each quoted the refusal)
    const leaks = canaryLeaks(channels, [{ name: 'web-identity token', value: token }]);
    if (leaks) throw new Error(leaks);
    for (const channel of ['cairn plan --env webid', 'cairn sync --env webid', 'cairn audit list (DynamoDB)'])
      expect(`${channels.get(`${channel} (stdout)`)}${channels.get(`${channel} (stderr)`)}`).toContain(
        "Couldn't verify the web identity token [masked]",
      );
  });

  it('no copy of a profile’s token appears either (web_identity_token_file in AWS_CONFIG_FILE)', async () => {
    // Given cairn's identity from a profile of the shared config file, as `aws configure` writes
    // one, rather than from AWS_WEB_IDENTITY_TOKEN_FILE
    const profileToken = `canary-profile-web-identity-token-${tag()}`;
    writeFileSync(join(dir, 'profile-token'), profileToken, { mode: 0o600 });
    writeFileSync(
      join(dir, 'aws-config'),
      `[profile canary]
web_identity_token_file = ${join(dir, 'profile-token')}
role_arn = arn:aws:iam::${sandbox.aws.account}:role/cairn-canary-profile-${id}
role_session_name = cairn-canary
`,
    );
    const profile = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
      AWS_ROLE_ARN: '',
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_PROFILE: 'canary',
      AWS_REGION: sandbox.aws.region,
      AWS_ENDPOINT_URL_STS: proxy.url,
    };
    const printed = new Map<string, string>();
    // When STS refuses it, quoting it, in a plan and a sync
    proxy.refuseWebIdentityNext(1_000);
    for (const command of ['plan', 'sync']) {
      const r = await runCli([command, '--env', 'webid', '--config', configs.files], profile);
      printed.set(`cairn ${command} --env webid (profile)`, `${r.stdout}${r.stderr}`);
      expect(r.code).not.toBe(0);
    }
    proxy.refuseWebIdentityNext(0);
    // Then neither printed it (and each quoted the refusal)
    const leaks = canaryLeaks(printed, [{ name: 'profile web-identity token', value: profileToken }]);
    if (leaks) throw new Error(leaks);
    for (const text of printed.values())
      expect(text).toContain("Couldn't verify the web identity token [masked]");
  });
});
