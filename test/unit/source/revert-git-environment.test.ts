import { gitEnvironment } from '../../../controller/source/revert-commit';

/** What the git children of `cairn revert` are given: the token only as a header, no outside config. */
describe('gitEnvironment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('gives the token only as an http.extraHeader through GIT_CONFIG_*, and ignores system and global config', () => {
    const env = gitEnvironment({ username: 'x-access-token', password: 'tok-123456' });
    expect(env).toMatchObject({
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:tok-123456').toString('base64')}`,
    });
    const elsewhere = Object.entries(env).filter(([name]) => name !== 'GIT_CONFIG_VALUE_0');
    expect(JSON.stringify(elsewhere)).not.toContain('tok-123456');
  });

  it('sets no header without a token, and passes a private CA and a proxy through', () => {
    process.env.GIT_SSL_CAINFO = '/etc/ssl/private-ca.pem';
    process.env.HTTPS_PROXY = 'http://proxy:3128';
    process.env.UNRELATED_SECRET = 'x';
    const env = gitEnvironment();
    expect(env.GIT_CONFIG_COUNT).toBeUndefined();
    expect(env).toMatchObject({
      GIT_SSL_CAINFO: '/etc/ssl/private-ca.pem',
      HTTPS_PROXY: 'http://proxy:3128',
    });
    expect(env.UNRELATED_SECRET).toBeUndefined();
  });

  it('quotes an ssh key path for GIT_SSH_COMMAND', () => {
    expect(gitEnvironment(undefined, "/keys/it's").GIT_SSH_COMMAND).toBe(
      `ssh -i '/keys/it'\\''s' -o IdentitiesOnly=yes -o BatchMode=yes`,
    );
  });
});
