import { mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CairnError } from '../errors';
import type { TreeFile } from './git-reader';

/** The folders of a branch cairn reads; nothing else of the repository is written to disk. */
export const FOLDERS = ['aws-resources', 'k8s-resources'] as const;

/** Refuses a symlink whose target leaves the checkout, and a file over the size cap, naming the path. */
export function checkFile(file: TreeFile, target: string | undefined, maxFileBytes: number): void {
  if (file.size > maxFileBytes) {
    throw new CairnError(`is ${file.size} bytes, over the ${maxFileBytes}-byte limit`, {
      code: 'source.file-too-large',
      phase: 'fetch',
      subject: file.path,
      hint: 'keep large files out of the repository, or raise workspaces.maxFileSize',
    });
  }
  if (target !== undefined) {
    const root = resolve('/checkout');
    const pointsTo = resolve(root, dirname(file.path), target);
    if (pointsTo !== root && !pointsTo.startsWith(root + sep)) {
      throw new CairnError(`is a symlink to "${target}", which leaves the checkout`, {
        code: 'source.symlink-escape',
        phase: 'fetch',
        subject: file.path,
        hint: 'symlinks may only point inside the repository',
      });
    }
  }
}

/**
 * Writes the files into `<envDir>/<sha>` atomically: into a temporary folder first, renamed into
 * place when complete, so a crash never leaves a half checkout that looks whole. Keeps the newest
 * `keep` checkouts of the environment.
 */
export async function writeCheckout(
  envDir: string,
  sha: string,
  files: readonly TreeFile[],
  maxFileBytes: number,
  keep: number,
): Promise<string> {
  const dir = join(envDir, sha);
  if (existsSync(dir)) return dir;
  await mkdir(envDir, { recursive: true });
  const tmp = join(envDir, `.${sha}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    for (const file of files) {
      const bytes = await file.read();
      const link = file.mode === '120000' ? bytes.toString('utf8') : undefined;
      checkFile({ ...file, size: bytes.length }, link, maxFileBytes);
      const out = join(tmp, file.path);
      if (relative(tmp, out).startsWith('..'))
        throw new CairnError('path leaves the checkout', {
          code: 'source.path',
          phase: 'fetch',
          subject: file.path,
        });
      await mkdir(dirname(out), { recursive: true });
      if (link !== undefined) await symlink(link, out);
      else await writeFile(out, bytes, { mode: file.mode === '100755' ? 0o555 : 0o444 });
    }
    await mkdir(tmp, { recursive: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  await pruneCheckouts(envDir, keep);
  return dir;
}

async function pruneCheckouts(envDir: string, keep: number): Promise<void> {
  const names = (await readdir(envDir)).filter((n) => !n.startsWith('.'));
  const dated = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(envDir, n))).mtimeMs })));
  for (const old of dated.sort((a, b) => b.t - a.t).slice(keep)) {
    await rm(join(envDir, old.n), { recursive: true, force: true });
  }
}
