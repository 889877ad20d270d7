import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../model/errors';
import type { WriteFence } from '../model/pipeline';
import {
  checkEnvName,
  type ChainHead,
  type ChainStore,
  type CutResult,
  type LinePosition,
  type StoredLine,
} from './chain-store';
import type { Witness } from './file-witness';

const FILE_NAME = /^audit-(\d{6})\.jsonl$/;
const NEWLINE = 0x0a;

/** The name of the `index`th file of a chain: `audit-000001.jsonl`, ... */
export function auditFileName(index: number): string {
  return `audit-${String(index).padStart(6, '0')}.jsonl`;
}

interface ChainFile {
  readonly index: number;
  readonly path: string;
}

interface Tail {
  fileIndex: number;
  size: number;
  handle: FileHandle | null;
}

/**
 * Chains as JSON-lines files, one folder per environment (`<dir>/envs/<env>/audit-000001.jsonl`,
 * ...), so environments append in parallel. Each append is fsynced before the witness is moved; a
 * new file starts once the current one reaches `rotateBytes`. Cut lines go to `<env>/cut/`.
 */
export class JsonlStore implements ChainStore {
  readonly location: string;
  private readonly tails = new Map<string, Tail>();

  constructor(
    private readonly dir: string,
    private readonly witnessOf: Witness,
    private readonly rotateBytes = 64 * 1024 * 1024,
  ) {
    this.location = dir;
  }

  async envs(): Promise<readonly string[]> {
    // The first layout, one chain for every environment in `<dir>/audit-NNNNNN.jsonl` (before the
    // per-environment chains), is not read. Found in review: its files were ignored, so the ledger
    // opened as empty (`cairn audit verify` said so and exited 0) and every environment's history,
    // stalls and suspensions were silently gone. Refused, naming the file.
    const top = await readdir(this.dir).catch(() => [] as string[]);
    const old = top.find((name) => FILE_NAME.test(name));
    if (old)
      throw new CairnError(
        `holds ${old}, a ledger of the first layout (one chain for every environment), which this cairn does not read`,
        {
          code: 'audit.old-layout',
          phase: 'record',
          subject: this.dir,
          hint: 'move those files out of audit.dir (keep them: they are the record of what was applied) and start with the folder empty; cairn reads envs/<env>/audit-NNNNNN.jsonl only',
        },
      );
    // A chain whose folder was deleted whole still has its witnessed head.
    const names = await readdir(join(this.dir, 'envs')).catch(() => [] as string[]);
    const chains = names.filter((name) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name));
    return [...new Set([...chains, ...(await this.witnessOf.envs())])].sort();
  }

  /** Every line: with one writer per folder a JSONL chain is always read whole. */
  async *lines(env: string): AsyncIterable<StoredLine> {
    for (const file of await this.files(env)) {
      const bytes = await readFile(file.path);
      let offset = 0;
      let line = 0;
      while (offset < bytes.length) {
        line += 1;
        const end = bytes.indexOf(NEWLINE, offset);
        const stop = end === -1 ? bytes.length : end;
        yield {
          bytes: bytes.subarray(offset, stop),
          complete: end !== -1,
          at: { file: file.path, line, offset, length: stop - offset },
        };
        offset = stop + 1;
      }
    }
  }

  witness(env: string): Promise<ChainHead | null> {
    return this.witnessOf.read(env);
  }

  async append(
    env: string,
    line: Buffer,
    head: ChainHead,
    _expected: ChainHead | null,
    fence?: WriteFence,
  ): Promise<LinePosition> {
    const tail = await this.tail(env);
    if (tail.size > 0 && tail.size >= this.rotateBytes) {
      await tail.handle?.close();
      tail.handle = null;
      tail.fileIndex += 1;
      tail.size = 0;
    }
    const path = join(this.chainDir(env), auditFileName(tail.fileIndex));
    if (!tail.handle) {
      const created = tail.size === 0;
      tail.handle = await open(path, 'a', 0o640);
      if (created) {
        // The new file's name survives a crash too, and so does a new chain folder's: without it a
        // power cut could keep the witnessed head but lose the chain's first record.
        await syncDirectory(this.chainDir(env));
        await syncDirectory(join(this.dir, 'envs'));
      }
    }
    const bytes = Buffer.concat([line, Buffer.from('\n')]);
    const offset = tail.size;
    fence?.();
    for (let done = 0; done < bytes.length;) {
      done += (await tail.handle.write(bytes, done, bytes.length - done)).bytesWritten;
    }
    // The step a record describes counts as done only once the record survives a power cut.
    await tail.handle.datasync();
    tail.size += bytes.length;
    await this.witnessOf.write(env, head);
    return { file: path, line: 0, offset, length: line.length };
  }

  /** Witnesses `head` without an append: the process died between an append and its witness write. */
  catchUp(env: string, head: ChainHead): Promise<void> {
    return this.witnessOf.write(env, head);
  }

  async readAt(_env: string, at: LinePosition): Promise<Buffer> {
    const handle = await open(at.file, 'r');
    try {
      const buffer = Buffer.alloc(at.length);
      await handle.read(buffer, 0, at.length, at.offset);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async cut(env: string, at: LinePosition): Promise<CutResult> {
    await this.closeTail(env);
    const files = await this.files(env);
    const first = files.findIndex((f) => f.path === at.file);
    if (first === -1) {
      throw new CairnError('the line to cut from is not in this chain', {
        code: 'audit.cut-missing',
        phase: 'record',
        subject: at.file,
      });
    }
    const parts: Buffer[] = [];
    for (const [i, file] of files.slice(first).entries()) {
      const bytes = await readFile(file.path);
      parts.push(i === 0 ? bytes.subarray(at.offset) : bytes);
    }
    const cut = Buffer.concat(parts);
    const quarantineDir = join(this.chainDir(env), 'cut');
    await mkdir(quarantineDir, { recursive: true, mode: 0o750 });
    const quarantine = join(quarantineDir, `cut-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
    // The evidence is safe on disk before the chain loses it.
    const handle = await open(quarantine, 'wx', 0o640);
    try {
      await handle.writeFile(cut);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await truncate(at.file, at.offset);
    for (const file of files.slice(first + 1)) await unlink(file.path);
    await syncDirectory(this.chainDir(env));
    const lines = cut.length === 0 ? 0 : cut.toString('latin1').split('\n').filter(Boolean).length;
    return { lines, bytes: cut.length, sha256: createHash('sha256').update(cut).digest('hex'), quarantine };
  }

  async close(): Promise<void> {
    for (const env of [...this.tails.keys()]) await this.closeTail(env);
  }

  private chainDir(env: string): string {
    return join(this.dir, 'envs', checkEnvName(env));
  }

  private async files(env: string): Promise<readonly ChainFile[]> {
    const dir = this.chainDir(env);
    const names = await readdir(dir).catch(() => [] as string[]);
    return names
      .flatMap((name) => {
        const match = FILE_NAME.exec(name);
        return match ? [{ index: Number(match[1]), path: join(dir, name) }] : [];
      })
      .sort((a, b) => a.index - b.index);
  }

  private async tail(env: string): Promise<Tail> {
    let tail = this.tails.get(env);
    if (!tail) {
      await mkdir(this.chainDir(env), { recursive: true, mode: 0o750 });
      const last = (await this.files(env)).at(-1);
      tail = { fileIndex: last?.index ?? 1, size: last ? (await stat(last.path)).size : 0, handle: null };
      this.tails.set(env, tail);
    }
    return tail;
  }

  private async closeTail(env: string): Promise<void> {
    const tail = this.tails.get(env);
    this.tails.delete(env);
    await tail?.handle?.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
