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

  // The new access token the SSO OIDC endpoint hands out when the SDK refreshes an expiring one.
  const refreshed = `canary-sso-refreshed-token-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    portal = createServer((req, res) => {
      req.resume();
      if (req.method === 'POST' && req.url === '/token') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ accessToken: refreshed, expiresIn: 3600, tokenType: 'Bearer' }));
        return;
      }
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

  /**
   * The chain as a machine with the profile `canary` of `~/.aws/<configFile>` sees it: no static
   * or web identity credentials in the environment, the SSO endpoints of `endpoints`.
   */
  function useCanaryProfile(configFile: string, endpoints: Record<string, string>): void {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ])
      delete process.env[name];
    Object.assign(process.env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', configFile),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_PROFILE: 'canary',
      ...endpoints,
    });
  }

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
    useCanaryProfile('config', {
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

  it('masks the tokens of an sso_session profile, and the one a refresh hands out, when a refusal quotes them', async () => {
    // Given a profile of the newer form (sso_session naming an [sso-session] section) whose cached
    // token expires within the SDK's refresh window, with the client and refresh token to renew it
    const session = `canary-session-${randomBytes(4).toString('hex')}`;
    const secrets = {
      accessToken: `canary-sso-session-token-${randomBytes(6).toString('hex')}`,
      refreshToken: `canary-sso-refresh-token-${randomBytes(6).toString('hex')}`,
      clientSecret: `canary-sso-client-secret-${randomBytes(6).toString('hex')}`,
    };
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'config-sso-session'),
      `[profile canary]
sso_session = ${session}
sso_account_id = 123456789012
sso_role_name = Deploy

[sso-session ${session}]
sso_start_url = https://${session}.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`,
    );
    writeFileSync(
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(session).digest('hex')}.json`),
      JSON.stringify({
        ...secrets,
        startUrl: `https://${session}.awsapps.com/start`,
        region: 'us-east-1',
        clientId: 'canary-client',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        registrationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    );
    const endpoint = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
    // (a config file of its own: the SDK caches what it parsed by path)
    useCanaryProfile('config-sso-session', {
      AWS_ENDPOINT_URL_SSO: endpoint,
      AWS_ENDPOINT_URL_SSO_OIDC: endpoint,
    });
    // When the SDK refreshes the token and the portal refuses the new one, quoting it
    const failure = await rememberingCredentials(defaultProvider())().then(
      () => 'no failure',
      (error: unknown) => errorMessage(error),
    );
    // Then the failure quotes the refreshed token, and masked it is gone, as are the cached secrets
    expect(failure).toContain(refreshed);
    expect(maskSecrets(failure)).toContain('Session token not found or invalid: [masked]');
    const cached = Object.values(secrets);
    expect(maskSecrets([failure, ...cached].join('\n'))).toBe(
      [maskSecrets(failure), ...cached.map(() => '[masked]')].join('\n'),
    );
  });

  it('masks the container credentials endpoint’s token, read from its file, that the chain sends', async () => {
    // Given EKS Pod Identity's setting: a loopback credentials endpoint and a token file
    const containerToken = `canary-container-token-${randomBytes(6).toString('hex')}`;
    writeFileSync(join(home, 'eks-pod-identity-token'), containerToken);
    const sent: string[] = [];
    const endpoint = createServer((req, res) => {
      req.resume();
      sent.push(req.headers.authorization ?? '');
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"Code":"AccessDenied"}');
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_PROFILE',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    ])
      delete process.env[name];
    Object.assign(process.env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config-container'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(home, 'eks-pod-identity-token'),
    });
    try {
      // When the chain asks the endpoint, which refuses
      await rememberingCredentials(defaultProvider())().catch(() => undefined);
    } finally {
      await new Promise<void>((r) => endpoint.close(() => r()));
    }
    // Then it sent the file's token, which is masked from then on
    expect(sent).toContain(containerToken);
    expect(maskSecrets(`refused ${containerToken}`)).toBe('refused [masked]');
  });
});
