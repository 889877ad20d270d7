import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { canaryChannels, canaryLeaks, canaryTag as tag } from '../helpers/secret-canaries';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * The no-secret rule (SECURITY.md) for the profiles cairn's identity may come from (`AWS_PROFILE`),
 * on `plan` and `sync` of an AWS environment: a `credential_process`'s command line, which often
 * carries a secret, what it prints when it fails, and the secret key and session token it hands
 * out, which a SignatureDoesNotMatch through a proxy quotes (the canonical request's
 * `x-amz-security-token`); and an `sso_session` profile's cached tokens, and the access token the
 * SDK renews one with near its expiry, which an SSO portal's refusal quotes.
 */
describe('secret canaries: AWS profiles', () => {
  const sandbox = sandboxEnv();
  const id = tag();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-canary-process-'));
  const apiKey = `canary-credential-process-key-${tag()}`;
  const { channels, recordCli: record, recordFiles } = canaryChannels();
  const secretKey = `canaryProcessSecretKey${tag()}`;
  const sessionToken = `canary-credential-process-session-${tag()}`;
  const renewed = `canary-sso-renewed-token-${tag()}`;
  let repo: TestRepo;
  let proxy: CfnFaultProxy;
  let portal: Server;
  let config: string;

  beforeAll(async () => {
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    // An SSO portal (and its OIDC token endpoint) that renews any token, then refuses the renewed
    // one, quoting its bearer header as a proxy may
    portal = createServer((req, res) => {
      req.resume();
      if (req.method === 'POST' && req.url === '/token')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accessToken: renewed, expiresIn: 3600, tokenType: 'Bearer' }));
      else
        res
          .writeHead(401, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' })
          .end(
            JSON.stringify({
              message: `Session token not found or invalid: ${req.headers['x-amz-sso_bearer_token']}`,
            }),
          );
    });
    await new Promise<void>((r) => portal.listen(0, '127.0.0.1', r));
    repo = createTestRepo(`canary-process-${id}`, {
      proc: {
        'aws-resources/cdk.json': JSON.stringify({ app: 'node app.js' }),
        'aws-resources/app.js': `const cdk = require('aws-cdk-lib');
const app = new cdk.App();
new cdk.aws_sqs.Queue(new cdk.Stack(app, 'Data', { stackName: 'canary${id}' }), 'Jobs');
app.synth();
`,
      },
    });
    // A credential helper given its key on the command line, as many are, that cannot reach its
    // vault and says so on stderr (naming the key it was given, as a careless one does)
    writeFileSync(
      join(dir, 'credential-helper'),
      '#!/bin/sh\necho "vault refused the key $2" >&2\nexit 1\n',
      { mode: 0o700 },
    );
    // and one that answers, with a session token
    const answer = {
      Version: 1,
      AccessKeyId: 'canary-process-key-id',
      SecretAccessKey: secretKey,
      SessionToken: sessionToken,
    };
    writeFileSync(join(dir, 'credential-answer'), `#!/bin/sh\necho '${JSON.stringify(answer)}'\n`, {
      mode: 0o700,
    });
    writeFileSync(
      join(dir, 'aws-config'),
      `[profile failing]
credential_process = ${join(dir, 'credential-helper')} --api-key ${apiKey}
[profile answering]
credential_process = ${join(dir, 'credential-answer')}
`,
    );
    config = join(dir, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '1h' },
        environments: [
          {
            name: 'proc',
            aws: { region: sandbox.aws.region, account: sandbox.aws.account, endpoint: proxy.url },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port: 0 },
        workspaces: { dir: join(dir, 'workspaces') },
      }),
    );
  });

  afterAll(async () => {
    await new Promise<void>((r) => (portal ? portal.close(() => r()) : r()));
    await proxy?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const profile = (name: string) => ({
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_ROLE_ARN: '',
    AWS_CONFIG_FILE: join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_PROFILE: name,
    AWS_REGION: sandbox.aws.region,
    // No instance metadata to fall back to (nothing listens there, and the SDK would wait)
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  it('no copy of its command line, what it printed, or what it handed out appears in what cairn printed or recorded', async () => {
    // When cairn plans and syncs with the helper failing (the SDK's chain goes on to the next
    // source and ends with "Could not load credentials from any providers")
    for (const command of ['plan', 'sync']) {
      const result = await runCli([command, '--env', 'proc', '--config', config], profile('failing'));
      record(`cairn ${command} --env proc (failing helper)`, result);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Could not load credentials from any providers');
    }
    // and with the helper answering, and CloudFormation refusing the signature, quoting the request
    proxy.refuseSignatureNext(1_000);
    for (const command of ['plan', 'sync']) {
      const result = await runCli([command, '--env', 'proc', '--config', config], profile('answering'));
      record(`cairn ${command} --env proc (answering helper)`, result);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('x-amz-security-token:[masked]');
    }
    proxy.refuseSignatureNext(0);
    recordFiles('audit file', join(dir, 'audit'), /\.jsonl$/);
    // Then no channel holds the key on its command line, nor the credentials it handed out
    const leaks = canaryLeaks(channels, [
      { name: 'credential_process key', value: apiKey },
      { name: 'credential_process secret key', value: secretKey },
      { name: 'credential_process session token', value: sessionToken },
    ]);
    if (leaks) throw new Error(leaks);
  });

  it('no copy of an sso_session profile’s tokens, or of the one the SDK renews, appears either', async () => {
    // Given a profile of the newer SSO form, whose cached token expires within the SDK's renewal
    // window, with the client and refresh token to renew it
    const home = join(dir, 'home');
    const session = `canary-session-${id}`;
    const cached = {
      accessToken: `canary-sso-session-token-${tag()}`,
      refreshToken: `canary-sso-refresh-token-${tag()}`,
      clientSecret: `canary-sso-client-secret-${tag()}`,
    };
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'config'),
      `[profile sso]
sso_session = ${session}
sso_account_id = ${sandbox.aws.account}
sso_role_name = Deploy

[sso-session ${session}]
sso_start_url = https://${session}.awsapps.com/start
sso_region = ${sandbox.aws.region}
sso_registration_scopes = sso:account:access
`,
    );
    writeFileSync(
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(session).digest('hex')}.json`),
      JSON.stringify({
        ...cached,
        startUrl: `https://${session}.awsapps.com/start`,
        region: sandbox.aws.region,
        clientId: 'canary-client',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        registrationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
      { mode: 0o600 },
    );
    const endpoint = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    const sso = {
      ...profile('sso'),
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_ENDPOINT_URL_SSO: endpoint,
      AWS_ENDPOINT_URL_SSO_OIDC: endpoint,
    };
    const printed = canaryChannels();
    // When cairn plans and syncs, and the portal refuses the renewed token, quoting it
    for (const command of ['plan', 'sync']) {
      const result = await runCli([command, '--env', 'proc', '--config', config], sso);
      printed.recordCli(`cairn ${command} --env proc (sso_session)`, result);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Session token not found or invalid: [masked]');
    }
    printed.recordFiles('audit file', join(dir, 'audit'), /\.jsonl$/);
    // Then no channel holds any of them
    const leaks = canaryLeaks(printed.channels, [
      { name: 'renewed SSO access token', value: renewed },
      ...Object.entries(cached).map(([name, value]) => ({ name: `cached SSO ${name}`, value })),
    ]);
    if (leaks) throw new Error(leaks);
  });
});
