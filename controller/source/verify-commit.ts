import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommitVerifyConfig } from '../config/types';
import { CairnError } from '../model/errors';
import { parseAllowedSigners, splitSignedCommit, type AllowedSigners } from './commit-signature';

/** Checks that a commit carries a signature by one of the allowed signers (`repository.verify`). */
export interface CommitVerifier {
  /**
   * Resolves with the signer (`principal (ED25519 SHA256:…)`, `uid (fingerprint)`) of an allowed
   * signature over the commit object of `sha`, which `read` brings only when `sha` has no verdict
   * yet (a checkout of a verified head reads nothing again); throws a terminal `source.unverified`
   * CairnError naming the commit and whoever signed it otherwise.
   */
  verify(sha: string, read: () => Promise<Buffer>): Promise<string>;
}

interface Tool {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a verification tool with nothing of cairn's environment but PATH, its input on stdin. */
function run(
  command: string,
  args: readonly string[],
  input: Buffer | string,
  env: Record<string, string> = {},
): Promise<Tool> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000, // a stuck tool must not hold the environment's reconcile
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined); // the tool may exit before reading all of it
    child.stdin.end(input);
  });
}

function unverified(sha: string, why: string, file: string): CairnError {
  return new CairnError(`is not applied: ${why}`, {
    code: 'source.unverified',
    phase: 'fetch',
    retryable: false,
    subject: `commit ${sha.slice(0, 12)}`,
    hint: `sign it with a key listed in ${file} (repository.verify.allowedSigners), or add its signer there; then push again`,
  });
}

function unusable(file: string, why: string): CairnError {
  return new CairnError(why, {
    code: 'config.invalid',
    phase: 'config',
    subject: `repository.verify.allowedSigners (${file})`,
    hint: 'list SSH allowed-signers lines (`principal ssh-ed25519 AAAA…`) and/or armored OpenPGP public keys',
  });
}

/**
 * A verifier over the allowed-signers file, read once (a change needs a restart, like every other
 * setting). SSH signatures are checked by `ssh-keygen -Y verify` against the allowed-signers lines
 * in the namespace `git`, as `git verify-commit` does; OpenPGP signatures by `gpg --verify` in a
 * keyring of this process's own that holds the allowed keys and nothing else, so any good
 * signature it reports is by an allowed key. Results are kept per sha: a commit's bytes never change.
 */
export function createCommitVerifier(config: CommitVerifyConfig): CommitVerifier {
  const file = config.allowedSigners;
  let signers: AllowedSigners;
  try {
    signers = parseAllowedSigners(readFileSync(file, 'utf8'));
  } catch (error) {
    throw unusable(file, `cannot be read: ${(error as Error).message}`);
  }
  if (signers.sshCount === 0 && signers.openpgp.length === 0) throw unusable(file, 'lists no key');
  // Private to this process: the keyring and each check's files are nobody else's to swap.
  const home = mkdtempSync(join(tmpdir(), 'cairn-verify-'));
  const allowed = join(home, 'allowed_signers');
  writeFileSync(allowed, signers.ssh, { mode: 0o600 });
  const gnupg = join(home, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  let keyring: Promise<void> | undefined;
  const importKeys = () =>
    (keyring ??= (async () => {
      writeFileSync(join(home, 'keys.asc'), signers.openpgp.join('\n'), { mode: 0o600 });
      const imported = await run(
        'gpg',
        ['--batch', '--no-tty', '--homedir', gnupg, '--import', join(home, 'keys.asc')],
        '',
        {},
      ).catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
      if (imported.code !== 0)
        throw unusable(file, `its OpenPGP keys could not be imported: ${imported.stderr.trim()}`);
    })());
  // gpg takes a lock on its keyring: one check at a time is enough for a few commits a minute.
  let gpgQueue: Promise<unknown> = Promise.resolve();
  const results = new Map<string, Promise<string>>();
  let counter = 0;

  const sshCheck = async (sha: string, payload: Buffer, signature: string): Promise<string> => {
    const dir = mkdtempSync(join(home, 'ssh-'));
    try {
      const sig = join(dir, `${++counter}.sig`);
      writeFileSync(sig, signature, { mode: 0o600 });
      const found = await run('ssh-keygen', ['-Y', 'find-principals', '-s', sig, '-f', allowed], '');
      const principal = found.code === 0 ? found.stdout.split('\n')[0]?.trim() : undefined;
      if (!principal) {
        const key = await run('ssh-keygen', ['-Y', 'check-novalidate', '-n', 'git', '-s', sig], payload);
        const what = /with (\S+) key (\S+)/.exec(key.stdout);
        throw unverified(
          sha,
          what
            ? `it is signed by an SSH key that is not allowed (${what[1]} ${what[2]})`
            : 'its SSH signature is not valid',
          file,
        );
      }
      const checked = await run(
        'ssh-keygen',
        ['-Y', 'verify', '-f', allowed, '-I', principal, '-n', 'git', '-s', sig],
        payload,
      );
      const what = /with (\S+) key (\S+)/.exec(checked.stdout);
      if (checked.code !== 0 || !what)
        throw unverified(sha, `its SSH signature by ${principal} does not verify`, file);
      return `${principal} (${what[1]} ${what[2]})`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const gpgCheck = async (sha: string, payload: Buffer, signature: string): Promise<string> => {
    if (signers.openpgp.length === 0)
      throw unverified(sha, 'it is signed with OpenPGP, and no OpenPGP key is allowed', file);
    await importKeys();
    const dir = mkdtempSync(join(home, 'pgp-'));
    try {
      const sig = join(dir, 'commit.sig');
      writeFileSync(sig, signature, { mode: 0o600 });
      const done = gpgQueue.then(() =>
        run(
          'gpg',
          ['--batch', '--no-tty', '--homedir', gnupg, '--status-fd', '1', '--verify', sig, '-'],
          payload,
        ),
      );
      gpgQueue = done.catch(() => undefined);
      const { stdout } = await done;
      const status = (word: string) => new RegExp(`^\\[GNUPG:\\] ${word} (.*)$`, 'm').exec(stdout)?.[1];
      const bad = ['BADSIG', 'EXPSIG', 'EXPKEYSIG', 'REVKEYSIG', 'ERRSIG'].find(
        (w) => status(w) !== undefined,
      );
      const valid = status('VALIDSIG');
      if (bad || !valid) {
        const keyId = status('NO_PUBKEY') ?? status('ERRSIG')?.split(' ')[0];
        const why =
          bad === 'ERRSIG' || (!bad && !valid)
            ? `it is signed by an OpenPGP key that is not allowed${keyId ? ` (${keyId})` : ''}`
            : `its OpenPGP signature is ${{ BADSIG: 'bad', EXPSIG: 'expired', EXPKEYSIG: 'by an expired key', REVKEYSIG: 'by a revoked key' }[bad!] ?? 'not valid'}`;
        throw unverified(sha, why, file);
      }
      const uid = status('GOODSIG')?.split(' ').slice(1).join(' ');
      return `${uid ?? 'OpenPGP key'} (${valid.split(' ')[0]})`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const check = async (sha: string, raw: Buffer): Promise<string> => {
    const { payload, signature, format } = splitSignedCommit(raw);
    if (signature === null) throw unverified(sha, 'it is not signed', file);
    if (format === 'ssh') return sshCheck(sha, payload, signature);
    if (format === 'openpgp') return gpgCheck(sha, payload, signature);
    throw unverified(
      sha,
      `its ${format ?? 'unknown'} signature is of a kind cairn does not check (SSH and OpenPGP are)`,
      file,
    );
  };

  return {
    verify(sha, read) {
      let result = results.get(sha);
      if (!result) {
        result = read().then((raw) => check(sha, raw));
        // A tool that could not run (missing, timed out) is not a verdict: the next try asks again.
        result.catch((error: unknown) => {
          if (!(error instanceof CairnError)) results.delete(sha);
        });
        if (results.size >= 10_000) results.delete(results.keys().next().value!);
        results.set(sha, result);
      }
      return result;
    },
  };
}
