import { blobOid, checkFile } from '../../../controller/source/checkout';
import { isLocalRepository } from '../../../controller/source/create-git-source';
import { redactUrl } from '../../../controller/source/redact-url';
const file = (path: string, size = 10): { path: string; size: number } => ({ path, size });

describe('checkFile', () => {
  it.each([
    ['k8s-resources/a.yaml', 'b.yaml'],
    ['k8s-resources/app/a.yaml', '../shared/b.yaml'],
    ['k8s-resources/a.yaml', '../aws-resources/cdk.json'],
  ])('accepts %s → %s, a symlink that stays inside the checkout', (path, target) => {
    expect(() => checkFile(file(path), target, 100)).not.toThrow();
  });

  it.each([
    ['k8s-resources/a.yaml', '../../etc/passwd'],
    ['k8s-resources/a.yaml', '/etc/passwd'],
    ['aws-resources/x/y', '../../../../home'],
  ])('refuses %s → %s, a symlink that leaves the checkout, naming the path', (path, target) => {
    expect(() => checkFile(file(path), target, 100)).toThrow(`${path}: is a symlink to "${target}"`);
  });

  it('refuses a file over the cap with its size and the cap, and accepts one at the cap', () => {
    expect(() => checkFile(file('k8s-resources/big.yaml', 101), undefined, 100)).toThrow(
      'k8s-resources/big.yaml: is 101 bytes, over the 100-byte limit',
    );
    expect(() => checkFile(file('k8s-resources/ok.yaml', 100), undefined, 100)).not.toThrow();
  });
});

describe('repository URLs', () => {
  it.each([
    ['/srv/git/platform.git', true],
    ['./platform', true],
    ['https://github.com/acme/platform.git', false],
    ['file:///srv/git/platform.git', false],
    ['git@github.com:acme/platform.git', false],
  ])('isLocalRepository(%s) is %s', (url, local) => {
    expect(isLocalRepository(url)).toBe(local);
  });

  it('redacts credentials embedded in a URL', () => {
    expect(redactUrl('fetch https://user:tok3n@host/repo.git failed')).toBe(
      'fetch https://***@host/repo.git failed',
    );
  });

  it('redacts the whole user information, up to the last @ before the host, of every URL', () => {
    expect(redactUrl("fetch 'https://u:p@ss@host/a.git/' then 'http://v:q@h2:8080/b' failed")).toBe(
      "fetch 'https://***@host/a.git/' then 'http://***@h2:8080/b' failed",
    );
  });
});

describe('blobOid', () => {
  it.each([
    ['', 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'],
    ['hello\n', 'ce013625030ba8dba906f756967f9e9ca394464a'],
  ])('hashes %j as git hash-object does', (text, oid) => {
    expect(blobOid(Buffer.from(text))).toBe(oid);
  });
});
