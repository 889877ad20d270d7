import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLog } from '../../../controller/log';
import { ensurePrivateFolder, isTemporaryEntry } from '../../../controller/model';

const asRoot = process.geteuid?.() === 0 ? it : it.skip;

function logged(): { log: ReturnType<typeof createLog>; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return {
    log: createLog({ destination: stream }),
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('ensurePrivateFolder (real files)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-private-'));
  });

  it('makes a missing folder 0700, and leaves a trusted one as it is', () => {
    const { log, lines } = logged();
    const dir = join(root, 'a', 'cache');
    ensurePrivateFolder(dir, { what: 'Git cache', log });
    writeFileSync(join(dir, 'kept'), 'x');
    ensurePrivateFolder(dir, { what: 'Git cache', log });
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['kept']);
    expect(lines()).toEqual([]);
  });

  it('narrows its own folder that others may read (an older cairn made it 0755)', () => {
    const { log, lines } = logged();
    const dir = join(root, 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    ensurePrivateFolder(dir, { what: 'workspaces folder', log, maxMode: 0o710 });
    expect(lstatSync(dir).mode & 0o777).toBe(0o710);
    expect(lines()).toEqual([]);
  });

  it.each([
    [
      'a symbolic link',
      (dir: string) => symlinkSync(mkdtempSync(join(tmpdir(), 'elsewhere-')), dir),
      'it is a symbolic link',
    ],
    ['a file', (dir: string) => writeFileSync(dir, 'x'), 'it is not a folder'],
    [
      'group-writable',
      (dir: string) => (mkdirSync(dir), chmodSync(dir, 0o770)),
      'its mode 0770 lets others write it',
    ],
  ])('moves aside and rebuilds %s, logging cache.untrusted', (_, make, reason) => {
    const { log, lines } = logged();
    const dir = join(root, 'cache');
    make(dir);
    ensurePrivateFolder(dir, { what: 'dependency cache', log });
    const stat = lstatSync(dir);
    expect({ dir: stat.isDirectory(), mode: stat.mode & 0o777, entries: readdirSync(dir) }).toEqual({
      dir: true,
      mode: 0o700,
      entries: [],
    });
    expect(lines()).toEqual([
      expect.objectContaining({ code: 'cache.untrusted', subject: dir, what: 'dependency cache', reason }),
    ]);
    expect(readdirSync(root)).toEqual(['cache']);
  });

  asRoot('moves aside a folder another uid owns', () => {
    const { log, lines } = logged();
    const dir = join(root, 'cache');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 12345, 12345);
    ensurePrivateFolder(dir, { what: 'Git cache', log });
    expect(lstatSync(dir).uid).toBe(0);
    expect(lines()[0]).toMatchObject({
      code: 'cache.untrusted',
      reason: "it is owned by uid 12345, not cairn's uid 0",
    });
  });
});

describe('isTemporaryEntry: what a dead process may have left', () => {
  it.each([
    ['.0123abcd.5f3e.tmp', true], // a checkout
    ['0123456789abcdef.tmp-Ab12Cd', true], // an npm install
    ['py-0123456789abcdef.tmp-812', true], // a pip install
    ['py-0123456789abcdef.tmp-812.requirements.txt', true], // its checked requirements
    ['0123456789abcdef', false], // a finished install
    ['py-0123456789abcdef', false],
    ['0123abcd0123abcd0123abcd0123abcd0123abcd', false], // a finished checkout
    ['0123456789abcdef.untrusted-a1b2c3', false], // moved aside, removed by its own path
    ['notes.tmpl', false],
  ])('%s → %s', (name, expected) => expect(isTemporaryEntry(name)).toBe(expected));
});
