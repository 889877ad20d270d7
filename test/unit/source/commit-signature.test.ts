import { parseAllowedSigners, splitSignedCommit } from '../../../controller/source/commit-signature';

const headers =
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000';
const ssh = ['-----BEGIN SSH SIGNATURE-----', 'U1NIU0lH', '-----END SSH SIGNATURE-----'];

describe('splitSignedCommit', () => {
  it('returns an unsigned commit whole, with no signature', () => {
    const raw = Buffer.from(`${headers}\n\nmessage\n`);
    expect(splitSignedCommit(raw)).toEqual({ payload: raw, signature: null, format: null });
  });

  it('removes the gpgsig header and its continuation lines: the payload is what was signed', () => {
    const raw = Buffer.from(`${headers}\ngpgsig ${ssh[0]}\n ${ssh[1]}\n ${ssh[2]}\n\nmessage\n`);
    const split = splitSignedCommit(raw);
    expect(split.payload.toString()).toBe(`${headers}\n\nmessage\n`);
    expect(split.signature).toBe(`${ssh.join('\n')}\n`);
    expect(split.format).toBe('ssh');
  });

  it.each([
    ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
    ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
    ['garbage', null],
  ])('tells the format of a signature starting %s', (first, format) => {
    const raw = Buffer.from(`${headers}\ngpgsig ${first}\n body\n\nm\n`);
    expect(splitSignedCommit(raw).format).toBe(format);
  });

  it('reads a SHA-256 repository header (gpgsig-sha256)', () => {
    const raw = Buffer.from(`${headers}\ngpgsig-sha256 ${ssh[0]}\n ${ssh[2]}\n\nm\n`);
    expect(splitSignedCommit(raw).format).toBe('ssh');
  });

  it("does not take a signature quoted in the message for the commit's own", () => {
    const raw = Buffer.from(`${headers}\n\nnotes:\ngpgsig ${ssh[0]}\n ${ssh[2]}\n`);
    expect(splitSignedCommit(raw)).toEqual({ payload: raw, signature: null, format: null });
  });
});

describe('parseAllowedSigners', () => {
  it('splits SSH allowed-signers lines from armored OpenPGP keys, skipping comments and blanks', () => {
    const pgp = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----';
    const text = `# team\nalice@x ssh-ed25519 AAAA1\n\n${pgp}\nbob@x,carol@x ssh-ed25519 AAAA2\n`;
    expect(parseAllowedSigners(text)).toEqual({
      ssh: 'alice@x ssh-ed25519 AAAA1\nbob@x,carol@x ssh-ed25519 AAAA2\n',
      sshCount: 2,
      openpgp: [pgp],
    });
  });

  it('finds no key in a file of comments', () => {
    expect(parseAllowedSigners('# nobody yet\n\n')).toMatchObject({ sshCount: 0, openpgp: [] });
  });
});
