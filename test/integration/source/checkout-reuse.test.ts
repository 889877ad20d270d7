import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FOLDERS, writeCheckout } from '../../../controller/source/checkout';
import type { GitReader } from '../../../controller/source/git-reader';
import { IsomorphicReader } from '../../../controller/source/isomorphic-reader';
import { NativeReader } from '../../../controller/source/native-reader';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

let repo: TestRepo;

beforeAll(() => {
  repo = createTestRepo('checkout-reuse', {
    main: {
      'aws-resources/cdk.json': '{"app":"x"}',
      'k8s-resources/a.yaml': 'a: 1\n',
      'k8s-resources/b.yaml': 'b: 1\n',
      'k8s-resources/sub/c.yaml': 'c: 1\n',
    },
  });
});
afterAll(() => repo?.remove());

const readers: [string, (cache: string) => GitReader][] = [
  ['isomorphic', (cache) => new IsomorphicReader(repo.bare, true, cache)],
  ['native', (cache) => new NativeReader(repo.bare, true, cache)],
];

async function checkout(reader: GitReader, envDir: string, sha: string) {
  const files = (await Promise.all(FOLDERS.map((f) => reader.files(sha, f)))).flat();
  return writeCheckout(envDir, sha, files, (oids) => reader.readBlobs(oids, 1 << 20), {
    maxFileBytes: 1 << 20,
    keep: 3,
  });
}

describe.each(readers)('a checkout after another, with the %s reader', (name, makeReader) => {
  it('reads from git only the files that changed and copies the rest from the previous checkout', async () => {
    // Given a checkout of one commit
    const branch = `reuse-${name}`;
    const first = repo.commit(branch, 'first', { 'k8s-resources/a.yaml': `a: ${name}\n` }, 'main');
    const reader = makeReader(mkdtempSync(join(repo.root, 'cache-')));
    const envDir = mkdtempSync(join(repo.root, 'env-'));
    expect(await checkout(reader, envDir, first)).toMatchObject({ readFromGit: 4, reused: 0 });
    // When the next commit changes one file and adds another
    const second = repo.commit(branch, 'second', {
      'k8s-resources/b.yaml': 'b: 2\n',
      'k8s-resources/new.yaml': 'n: 1\n',
    });
    const result = await checkout(reader, envDir, second);
    // Then only those two come from git, and every file holds exactly the commit's content
    expect(result).toMatchObject({ readFromGit: 2, reused: 3 });
    for (const path of ['k8s-resources/a.yaml', 'k8s-resources/b.yaml', 'k8s-resources/new.yaml']) {
      expect(readFileSync(join(result.dir, path), 'utf8')).toBe(
        runGit(repo.bare, 'show', `${second}:${path}`) + '\n',
      );
    }
  });

  it('never reuses a file of the previous checkout that was changed on disk', async () => {
    // Given a checkout whose copy of a.yaml was tampered with
    const branch = `tamper-${name}`;
    const first = repo.commit(branch, 'first', { 'k8s-resources/t.yaml': 't: 1\n' }, 'main');
    const reader = makeReader(mkdtempSync(join(repo.root, 'cache-')));
    const envDir = mkdtempSync(join(repo.root, 'env-'));
    const before = await checkout(reader, envDir, first);
    const tampered = join(before.dir, 'k8s-resources', 'a.yaml');
    chmodSync(tampered, 0o644);
    writeFileSync(tampered, 'a: evil\n');
    // When the next commit is checked out
    const second = repo.commit(branch, 'second', { 'k8s-resources/t.yaml': 't: 2\n' });
    const result = await checkout(reader, envDir, second);
    // Then a.yaml is read from git again and holds the committed content
    expect(result).toMatchObject({ readFromGit: 2, reused: 3 });
    expect(readFileSync(join(result.dir, 'k8s-resources', 'a.yaml'), 'utf8')).toBe('a: 1\n');
  });
});
