import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { npmrcSecrets } from '../../../cdk/synth/npm-credentials';

describe('npmrcSecrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-npmrc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every registry credential, as written and as npm sends it', () => {
    const file = join(dir, 'npmrc');
    const basic = Buffer.from('deploy:basic-password-1').toString('base64');
    const password = Buffer.from('scoped-password-2').toString('base64');
    writeFileSync(
      file,
      [
        'registry=https://registry.example/',
        '//registry.example/:_authToken=npm_tokenValue123',
        `_auth = "${basic}"`,
        `//other.example/npm/:_password=${password}`,
        '; //commented.example/:_authToken=not-read-123',
        'always-auth=true',
      ].join('\n'),
    );
    expect(npmrcSecrets(file).sort()).toEqual(
      [
        'npm_tokenValue123',
        basic,
        'deploy:basic-password-1',
        'basic-password-1',
        password,
        'scoped-password-2',
        'scoped-password-2',
      ].sort(),
    );
  });

  it('reads nothing from a missing file', () => {
    expect(npmrcSecrets(join(dir, 'missing'))).toEqual([]);
  });
});
