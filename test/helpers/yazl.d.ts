// yazl (cdk-assets' own zipper, installed with it) ships no types: what the tests use of it.
declare module 'yazl' {
  interface EntryOptions {
    readonly mtime?: Date;
    readonly mode?: number;
    readonly compress?: boolean;
  }
  export class ZipFile {
    readonly outputStream: NodeJS.ReadableStream;
    addBuffer(buffer: Buffer, name: string, options?: EntryOptions): void;
    addEmptyDirectory(name: string, options?: EntryOptions): void;
    end(): void;
  }
}
