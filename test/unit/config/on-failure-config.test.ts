import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../controller/config/load-config';

const dir = mkdtempSync(join(tmpdir(), 'cairn-on-failure-config-'));
let n = 0;
function file(onFailure: string, host = ''): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(
    path,
    `repository: { url: https://git.example.com/acme/platform.git${host} }\nenvironments:\n  - name: dev\n    kubernetes: {}\n${onFailure ? `    onFailure: ${onFailure}\n` : ''}audit: { dir: ./audit }\n`,
  );
  return path;
}

describe('environments[].onFailure', () => {
  it('is absent unless a revert is asked for (none is the default)', () => {
    expect(loadConfig(file('')).environments[0]!.onFailure).toBeUndefined();
    expect(loadConfig(file('{ revert: none }')).environments[0]!.onFailure).toBeUndefined();
    expect(loadConfig(file('{}')).environments[0]!.onFailure).toBeUndefined();
  });

  it('reads commit, and pr where a Git host is configured', () => {
    expect(loadConfig(file('{ revert: commit }')).environments[0]!.onFailure).toEqual({ revert: 'commit' });
    const withHost = file('{ revert: pr }', ', host: { type: gitea, tokenEnv: T }');
    expect(loadConfig(withHost).environments[0]!.onFailure).toEqual({ revert: 'pr' });
  });

  it('refuses pr without repository.host, naming the field and what to do', () => {
    expect(() => loadConfig(file('{ revert: pr }'))).toThrow(
      expect.objectContaining({
        code: 'config.invalid',
        subject: 'environments[0].onFailure.revert',
        message: expect.stringContaining('repository.host is not configured'),
      }),
    );
  });

  it('refuses commit where heads must be signed (cairn would refuse its own unsigned revert), and keeps pr', () => {
    const verify = ', verify: { allowedSigners: ./signers }';
    expect(() => loadConfig(file('{ revert: commit }', verify))).toThrow(
      expect.objectContaining({
        code: 'config.invalid',
        subject: 'environments[0].onFailure.revert',
        message: expect.stringContaining('repository.verify is set'),
      }),
    );
    const pr = file('{ revert: pr }', `${verify}, host: { type: gitea, tokenEnv: T }`);
    expect(loadConfig(pr).environments[0]!.onFailure).toEqual({ revert: 'pr' });
  });

  it('refuses an unknown mode', () => {
    expect(() => loadConfig(file('{ revert: rollback }'))).toThrow(/onFailure\/revert|onFailure.revert/);
  });
});
