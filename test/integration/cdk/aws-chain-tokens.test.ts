import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { errorMessage, forgetSecrets, maskSecrets, rememberingCredentials } from '../../../controller/model';

jest.setTimeout(30_000);

/**
 * The tokens the AWS SDK's default chain sends for cairn before it has credentials are masked
 * when the answer quotes them: the real chain (`defaultProvider`, as cairn's AWS clients and the
 * DynamoDB ledger use it) against a loopback SSO portal that refuses the cached SSO token and
 * quotes its bearer header, as a proxy may.
 */
describe('rememberingCredentials: the SSO token the chain reads from its cache', () => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-chain-tokens-'));
  const token = `canary-sso-access-token-${randomBytes(6).toString('hex')}`;
  const saved = { ...process.env };
  let portal: Server;

  beforeAll(async () => {
    portal = createServer((req, res) => {
      req.resume();
      res
        .writeHead(401, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' })
        .end(
          JSON.stringify({
            message: `Session token not found or invalid: ${req.headers['x-amz-sso_bearer_token']}`,
          }),
        );
    });
    await new Promise<void>((r) => portal.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await new Promise<void>((r) => portal.close(() => r()));
    rmSync(home, { recursive: true, force: true });
  });

  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    forgetSecrets();
  });

  it('masks a cached SSO access token a refusal quotes', async () => {
    // Given a legacy SSO profile (AWS_PROFILE) whose token `aws sso login` cached
    const startUrl = `https://canary-${randomBytes(4).toString('hex')}.awsapps.com/start`;
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'config'),
      `[profile canary]
sso_start_url = ${startUrl}
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Deploy
`,
    );
    writeFileSync(
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`),
      JSON.stringify({
        startUrl,
        region: 'us-east-1',
        accessToken: token,
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ])
      delete process.env[name];
    Object.assign(process.env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_PROFILE: 'canary',
      AWS_ENDPOINT_URL_SSO: `http://127.0.0.1:${(portal.address() as AddressInfo).port}`,
    });
    // When the portal refuses it, quoting it
    const failure = await rememberingCredentials(defaultProvider())().then(
      () => 'no failure',
      (error: unknown) => errorMessage(error),
    );
    // Then the failure quotes it, and masked it is gone
    expect(failure).toContain(token);
    expect(maskSecrets(failure)).not.toContain(token);
    expect(maskSecrets(failure)).toContain('Session token not found or invalid: [masked]');
  });
});
