import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../model/errors';
import type { ChainHead } from './chain-store';

/**
 * Keeps each chain's head (seq and hash) somewhere the audit folder's writers cannot reach: a
 * truncated tail or a rewritten chain then no longer matches what the witness saw.
 */
export interface Witness {
  /** The environments it holds a head for. */
  envs(): Promise<readonly string[]>;
  read(env: string): Promise<ChainHead | null>;
  write(env: string, head: ChainHead): Promise<void>;
}

/**
 * A witness in a directory of its own (`audit.witnessDir`, e.g. another volume or a mounted
 * ConfigMap-backed path): one small JSON file per environment, replaced atomically.
 */
export class FileWitness implements Witness {
  private made = false;

  constructor(readonly dir: string) {}

  async envs(): Promise<readonly string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.flatMap((name) => {
      const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\.head\.json$/.exec(name);
      return match ? [match[1]!] : [];
    });
  }

  async read(env: string): Promise<ChainHead | null> {
    const text = await readFile(this.path(env), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return null;
    try {
      const value = JSON.parse(text) as Partial<ChainHead>;
      if (Number.isSafeInteger(value.seq) && typeof value.hash === 'string')
        return { seq: value.seq!, hash: value.hash };
    } catch {
      // fall through: a witness that cannot be read is reported below
    }
    throw new CairnError('the witness file is not a chain head', {
      code: 'audit.witness-corrupt',
      phase: 'record',
      subject: this.path(env),
      hint: 'the witness was edited; compare it with the chain and repair with `cairn audit repair`',
    });
  }

  async write(env: string, head: ChainHead): Promise<void> {
    if (!this.made) {
      await mkdir(this.dir, { recursive: true, mode: 0o750 });
      this.made = true;
    }
    // Write aside and rename: a reader sees the old head or the new one, never half of one.
    const path = this.path(env);
    const temp = `${path}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o640);
    try {
      await handle.writeFile(`${JSON.stringify({ seq: head.seq, hash: head.hash })}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    // The rename lives in the folder: until the folder is synced a power cut can undo it, leaving
    // the witness several appends behind its fsynced chain, which then reads as broken.
    const folder = await open(this.dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  private path(env: string): string {
    return join(this.dir, `${env}.head.json`);
  }
}
