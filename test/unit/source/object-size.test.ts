import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { ObjectSizes } from '../../../controller/source/object-size';
import { firstOversizeObject, packOfUploadPackAnswer } from '../../../controller/source/pack-guard';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

let repo: TestRepo;
const contents = {
  'k8s-resources/small.yaml': 'a: 1\n',
  'k8s-resources/big.txt': 'line of text\n'.repeat(50_000),
};

beforeAll(() => {
  repo = createTestRepo('sizes', { dev: contents });
  // a second version of big.txt, so that the pack holds a delta
  repo.commit('dev', 'grow', { 'k8s-resources/big.txt': `${contents['k8s-resources/big.txt']}one more\n` });
});
afterAll(() => repo?.remove());

const blobOf = (gitdir: string, path: string, rev = 'dev') => runGit(gitdir, 'rev-parse', `${rev}:${path}`);
const gitSize = (gitdir: string, oid: string) => Number(runGit(gitdir, 'cat-file', '-s', oid));

describe('ObjectSizes', () => {
  it.each(['loose', 'packed'])('gives the size git gives, for %s objects', async (layout) => {
    // given the objects loose (as pushed) or packed (after gc, with deltas)
    if (layout === 'packed') runGit(repo.bare, 'gc', '-q', '--aggressive');
    const sizes = new ObjectSizes(repo.bare);
    const oids = [
      blobOf(repo.bare, 'k8s-resources/small.yaml'),
      blobOf(repo.bare, 'k8s-resources/big.txt'),
      blobOf(repo.bare, 'k8s-resources/big.txt', 'dev~1'),
      runGit(repo.bare, 'rev-parse', 'dev^{tree}'),
      runGit(repo.bare, 'rev-parse', 'dev'),
    ];
    // then each size matches `git cat-file -s`
    for (const oid of oids) expect(await sizes.size(oid)).toBe(gitSize(repo.bare, oid));
    expect(await sizes.size('0'.repeat(40))).toBeUndefined();
  });
});

describe('the pack guard', () => {
  const pack = () =>
    execFileSync('git', ['pack-objects', '--stdout', '--revs'], {
      cwd: repo.bare,
      input: 'dev\n',
      maxBuffer: 64 * 1024 * 1024,
    });
  const sideband = (bytes: Buffer) => {
    const lines: Buffer[] = [Buffer.from('0008NAK\n')];
    for (let at = 0; at < bytes.length; at += 65515) {
      const part = bytes.subarray(at, at + 65515);
      lines.push(Buffer.from((part.length + 5).toString(16).padStart(4, '0')), Buffer.from([1]), part);
    }
    return Buffer.concat([...lines, Buffer.from('0000')]);
  };

  it('finds the pack in a side-band answer and lets a pack whose objects fit through', () => {
    const bytes = pack();
    expect(packOfUploadPackAnswer(sideband(bytes))?.equals(bytes)).toBe(true);
    expect(firstOversizeObject(bytes, 1024 * 1024)).toBeUndefined();
  });

  it('names the first object over the cap, a whole object or a delta result', () => {
    // big.txt is 650,000 bytes, and 650,009 in its newer version (stored whole or as a delta)
    const found = firstOversizeObject(pack(), 600_000);
    expect(found?.size).toBeGreaterThan(600_000);
    expect([650_000, 650_009]).toContain(found?.size);
  });

  it('refuses a huge object without inflating it', () => {
    // given a hand-made pack whose one blob says it is 4 GiB (its data is not even valid)
    const size = 4 * 1024 ** 3;
    const header = [0x80 | (3 << 4) | (size & 0x0f)];
    for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128))
      header.push((rest >= 128 ? 0x80 : 0) | (rest & 0x7f));
    const bytes = Buffer.concat([
      Buffer.from('PACK\0\0\0\x02\0\0\0\x01', 'latin1'),
      Buffer.from(header),
      deflateSync(Buffer.from('tiny')),
    ]);
    expect(firstOversizeObject(bytes, 1024)).toEqual({ type: 'blob', size });
  });
});
