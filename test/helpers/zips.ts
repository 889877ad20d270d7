import { ZipFile } from 'yazl';

/** One file of a zip the tests build: its name, its text, and its unix mode. */
export interface ZipFileSpec {
  readonly name: string;
  readonly text: string;
  readonly mode?: number;
}

/**
 * A zip of `files` as yazl (cdk-assets' own zipper) writes it, in the order given: `compress`
 * false stores them, and `mtime` and `folders` (an entry of its own per folder) vary what other
 * zippers do differently with the same files.
 */
export function zipOf(
  files: readonly ZipFileSpec[],
  options: { compress?: boolean; mtime?: Date; folders?: readonly string[] } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new ZipFile();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    const mtime = options.mtime ?? new Date(1980, 0, 1);
    for (const folder of options.folders ?? []) zip.addEmptyDirectory(folder, { mtime });
    for (const f of files)
      zip.addBuffer(Buffer.from(f.text), f.name, {
        mtime,
        mode: f.mode ?? 0o100644,
        compress: options.compress ?? true,
      });
    zip.end();
  });
}
