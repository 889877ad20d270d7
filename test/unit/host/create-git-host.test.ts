import { createGitHost } from '../../../controller/host/create-git-host';
import type { GitHostConfig } from '../../../controller/config/types';

const base: Omit<GitHostConfig, 'type'> = {
  apiUrl: 'http://127.0.0.1:1/api',
  tokenEnv: 'HOST_TOKEN',
  repo: 'team/app',
  planForks: false,
  planTimeoutMs: 900_000,
};

describe('createGitHost', () => {
  it.each(['gitea', 'github', 'gitlab'] as const)('makes the %s client', async (type) => {
    const host = createGitHost({ ...base, type }, { HOST_TOKEN: 'x'.repeat(20) });
    expect(host.type).toBe(type);
    await host.close();
  });

  it('refuses to start without the token, naming the variable and the key', () => {
    expect(() => createGitHost({ ...base, type: 'gitea' }, {})).toThrow(
      expect.objectContaining({
        code: 'host.no-token',
        message: expect.stringMatching(
          /^repository\.host\.tokenEnv: environment variable HOST_TOKEN is empty or not set/,
        ),
      }),
    );
  });
});
