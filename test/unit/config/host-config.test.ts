import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfigFile } from '../../../controller/config/load-config';
import { forgetSecrets, MASK, maskSecrets } from '../../../controller/model';

const dir = mkdtempSync(join(tmpdir(), 'cairn-host-config-'));
let n = 0;
function file(repository: string, server = ''): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(
    path,
    `repository: ${repository}\nenvironments: [{ name: dev, kubernetes: {} }]\naudit: { dir: ./audit }\n${server}`,
  );
  return path;
}

describe('repository.host', () => {
  it.each([
    [
      '{ url: "https://tok@gitea.example:3000/team/app.git", host: { type: gitea, tokenEnv: GITEA_TOKEN } }',
      { type: 'gitea', apiUrl: 'https://gitea.example:3000/api/v1', repo: 'team/app' },
    ],
    [
      '{ url: "https://github.com/team/app", host: { type: github, tokenEnv: GH } }',
      { type: 'github', apiUrl: 'https://api.github.com', repo: 'team/app' },
    ],
    [
      '{ url: "git@github.example.com:team/app.git", backend: native, host: { type: github, tokenEnv: GH } }',
      { type: 'github', apiUrl: 'https://github.example.com/api/v3', repo: 'team/app' },
    ],
    [
      '{ url: "https://gitlab.example/group/sub/app.git", host: { type: gitlab, tokenEnv: GL } }',
      { type: 'gitlab', apiUrl: 'https://gitlab.example/api/v4', repo: 'group/sub/app' },
    ],
    [
      '{ url: ./repo, host: { type: gitea, tokenEnv: T, apiUrl: "http://127.0.0.1:3000/api/v1/", repo: o/r, planForks: true } }',
      { type: 'gitea', apiUrl: 'http://127.0.0.1:3000/api/v1', repo: 'o/r', planForks: true },
    ],
  ])('derives what %s leaves out', (repository, expected) => {
    expect(loadConfig(file(repository)).repository.host).toEqual({
      planForks: false,
      planTimeoutMs: 900_000,
      tokenEnv: expect.any(String),
      ...expected,
    });
  });

  it('refuses a host whose API or repository cannot be derived from a local path, naming the key', () => {
    const result = validateConfigFile(file('{ url: ./repo, host: { type: gitea, tokenEnv: T } }'));
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(
          /^repository\.host: apiUrl and repo cannot be derived .* set repository\.host\.apiUrl$/,
        ),
      ],
    });
  });

  it.each([
    [
      '{ url: ./r, host: { type: bitbucket, tokenEnv: T, apiUrl: "http://x", repo: o/r } }',
      'repository.host.type: must be one of',
    ],
    [
      '{ url: ./r, host: { type: gitea, apiUrl: "http://x", repo: o/r } }',
      'repository.host.tokenEnv: is required',
    ],
    [
      '{ url: ./r, host: { type: gitea, tokenEnv: T, token: abc, apiUrl: "http://x", repo: o/r } }',
      'repository.host.token: unknown key (secrets are never inline',
    ],
    [
      '{ url: ./r, host: { type: gitea, tokenEnv: T, apiUrl: "ftp://x", repo: o/r } }',
      'repository.host.apiUrl: is not valid. Base URL',
    ],
    [
      '{ url: ./r, host: { type: gitea, tokenEnv: T, apiUrl: "http://x", repo: app } }',
      'repository.host.repo: "app" is not valid. The repository on the host',
    ],
  ])('rejects %s', (repository, message) => {
    const result = validateConfigFile(file(repository));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toContain(message);
  });

  it('masks the host token as it masks the others, once the config is read', () => {
    process.env.HOST_TOKEN = 'host-token-value-123';
    try {
      loadConfig(file('{ url: "https://g.example/o/r", host: { type: gitea, tokenEnv: HOST_TOKEN } }'));
      expect(maskSecrets('token host-token-value-123')).toBe(`token ${MASK}`);
    } finally {
      delete process.env.HOST_TOKEN;
      forgetSecrets();
    }
  });
});

describe('server.publicUrl', () => {
  it('is kept without its trailing slash', () => {
    const config = loadConfig(file('{ url: ./repo }', 'server: { publicUrl: "https://cairn.example/" }\n'));
    expect(config.server.publicUrl).toBe('https://cairn.example');
  });

  it('must be an http(s) URL', () => {
    const result = validateConfigFile(file('{ url: ./repo }', 'server: { publicUrl: "cairn.example" }\n'));
    expect(!result.ok && result.errors[0]).toMatch(/^server\.publicUrl: is not valid\. The URL people reach/);
  });
});
