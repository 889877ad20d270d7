/** The kinds of signature git writes into a commit's `gpgsig` header. */
export type SignatureFormat = 'ssh' | 'openpgp' | 'x509';

/** A commit object split the way `git verify-commit` splits it: the signed bytes and the signature. */
export interface SignedCommit {
  /** The commit object without its signature header: exactly the bytes that were signed. */
  readonly payload: Buffer;
  /** The armored signature, or null for an unsigned commit. */
  readonly signature: string | null;
  readonly format: SignatureFormat | null;
}

// `gpgsig` in a SHA-1 repository, `gpgsig-sha256` in a SHA-256 one; git signs the object without it.
const SIGNATURE_HEADERS = ['gpgsig', 'gpgsig-sha256'];

/**
 * Splits a raw commit object (as `git cat-file commit` prints it) into its signed payload and its
 * signature. Only the header block is searched: a message that quotes a signature is message text.
 * The header's continuation lines (each starting with one space) are the signature's lines.
 */
export function splitSignedCommit(raw: Buffer): SignedCommit {
  const headerEnd = raw.indexOf('\n\n');
  const headers = (headerEnd === -1 ? raw : raw.subarray(0, headerEnd)).toString('latin1');
  const lines = headers.split('\n');
  const kept: string[] = [];
  const signature: string[] = [];
  let inSignature = false;
  let seen = false;
  for (const line of lines) {
    if (inSignature && line.startsWith(' ')) {
      signature.push(line.slice(1));
      continue;
    }
    inSignature = false;
    const name = line.slice(0, line.indexOf(' '));
    if (!seen && SIGNATURE_HEADERS.includes(name)) {
      inSignature = true;
      seen = true;
      signature.push(line.slice(name.length + 1));
      continue;
    }
    kept.push(line);
  }
  if (!seen) return { payload: raw, signature: null, format: null };
  const rest = headerEnd === -1 ? Buffer.alloc(0) : raw.subarray(headerEnd);
  const payload = Buffer.concat([Buffer.from(kept.join('\n'), 'latin1'), rest]);
  const text = `${signature.join('\n')}\n`;
  return { payload, signature: text, format: formatOf(text) };
}

function formatOf(signature: string): SignatureFormat | null {
  if (signature.startsWith('-----BEGIN SSH SIGNATURE-----')) return 'ssh';
  if (signature.startsWith('-----BEGIN PGP SIGNATURE-----')) return 'openpgp';
  if (signature.startsWith('-----BEGIN SIGNED MESSAGE-----')) return 'x509';
  return null;
}

/** The allowed signers of `repository.verify`, split by kind. */
export interface AllowedSigners {
  /** SSH allowed-signers lines, as `ssh-keygen -Y verify -f` reads them. */
  readonly ssh: string;
  readonly sshCount: number;
  /** ASCII-armored OpenPGP public key blocks. */
  readonly openpgp: readonly string[];
}

const PGP_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

/**
 * Reads an allowed-signers file that may hold SSH allowed-signers lines and armored OpenPGP public
 * keys side by side. Lines outside the key blocks that are neither blank nor comments are SSH
 * allowed-signers lines (`principals [options] keytype key`); `ssh-keygen` checks their syntax.
 */
export function parseAllowedSigners(text: string): AllowedSigners {
  const openpgp = text.match(PGP_BLOCK) ?? [];
  const rest = text.replace(PGP_BLOCK, '');
  const sshLines = rest
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return { ssh: sshLines.map((l) => `${l}\n`).join(''), sshCount: sshLines.length, openpgp };
}
