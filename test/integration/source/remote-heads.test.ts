import { remoteHeads } from '../../../controller/source/revert-commit';
import { serveGitHttp } from '../../helpers/git-http-server';
import { createTestRepo } from '../../helpers/git-repo';

const TOKEN = 'remote-heads-token-9f2e';

/** remoteHeads (the Git host check of failure-revert) against real git over smart HTTP behind a token. */
describe('remoteHeads', () => {
  it('answers the heads of the branches that exist, leaves out those that do not, and masks the token in a failure', async () => {
    const repo = createTestRepo('platform', { dev: { 'a.txt': 'a' }, prod: { 'b.txt': 'b' } });
    const http = await serveGitHttp(repo.bare, { token: TOKEN });
    try {
      const auth = { username: 'x-access-token', password: TOKEN };
      const heads = await remoteHeads({ url: http.url, auth }, ['dev', 'cairn/revert-failed-0123456789ab']);
      expect([...heads]).toEqual([['dev', repo.sha('dev')]]);

      const wrong = { username: 'x-access-token', password: `${TOKEN}-wrong` };
      const error = await remoteHeads({ url: http.url, auth: wrong }, ['dev']).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'revert.git',
        message: expect.stringMatching(/git ls-remote failed/),
      });
      expect(String((error as Error).message)).not.toContain(TOKEN);
      await expect(remoteHeads({ url: http.url, auth }, ['--upload-pack=touch /tmp/x'])).rejects.toThrow();
    } finally {
      await http.close();
    }
  });
});
