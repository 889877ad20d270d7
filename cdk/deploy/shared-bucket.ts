import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CairnError, type WriteFence } from '../../controller/model';
import { fencedWrite } from '../../controller/model/fenced-write';
import { zipContentDigest } from './zip-entries';

/**
 * What is written at a key: its bytes (a template), or a file read only as it is hashed and, if
 * written, uploaded (an asset: see packagedContent); and whether it is a zip (an asset folder
 * cdk-assets packaged), whose files, not its bytes, say whether an object already there is the same.
 */
export type Content =
  | { readonly bytes: Buffer; readonly zip?: boolean }
  | { readonly file: string; readonly size: number; readonly zip?: boolean };

const sizeOf = (content: Content) => ('bytes' in content ? content.bytes.length : content.size);
const bytesOf = (content: Content) => ('bytes' in content ? content.bytes : readFile(content.file));
/** Its SHA-256: of the bytes in hand, or of the file hashed as it is read (nothing of it kept). */
const digestOf = async (content: Content) =>
  'bytes' in content ? sha256(content.bytes) : (await streamDigest(createReadStream(content.file))).sha256;

/** The object at a key as far as it was read: its size, and its SHA-256 when it was needed. */
interface Held {
  readonly size: number;
  readonly sha256?: string;
}

/** How much larger than this commit's zip another zip of the same files may be (another zipper's compression). */
const ZIP_SLACK = (size: number) => 2 * size + 16 * 1024 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** The SHA-256 and length of what `stream` gives, read as it comes (nothing of it kept). */
async function streamDigest(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The object's body as the SDK gives it on Node: a stream that can also be read whole. */
const objectBody = async (s3: S3Client, bucket: string, key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable & {
    transformToByteArray(): Promise<Uint8Array>;
  };

/**
 * The object at `key` as far as comparing it with `mine` needs, or undefined when there is none.
 * S3's own SHA-256 of the whole object is taken when it keeps one (S3 checks it against the bytes
 * on upload); otherwise the object is hashed as it is read, unless its size already tells (another
 * size is other bytes; for a zip, far larger than any zip of the same files), so that a large
 * object planted under the key is not downloaded to find that out. Nothing of it is kept: every
 * apply checks every asset of every stack, and an asset of hundreds of MB was read whole into the
 * controller each time (see `same` for the one case its bytes are read again).
 */
async function heldAt(s3: S3Client, bucket: string, key: string, mine: Content): Promise<Held | undefined> {
  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  const size = head.ContentLength ?? -1;
  const kept = head.ChecksumSHA256;
  // A multipart upload's checksum is of its parts' checksums (`…-N`), not of the object.
  const whole = kept && head.ChecksumType !== 'COMPOSITE' && !kept.includes('-');
  if (size === sizeOf(mine) && whole) return { size, sha256: Buffer.from(kept, 'base64').toString('hex') };
  if (!worthReading(size, mine)) return { size };
  return streamDigest(await objectBody(s3, bucket, key));
}

/** Whether an object of `size` bytes may be `mine`: the same size, or for a zip, not far larger. */
const worthReading = (size: number, mine: Content) =>
  mine.zip ? size <= ZIP_SLACK(sizeOf(mine)) : size === sizeOf(mine);

/**
 * Whether what is held at the key is `mine`: the same bytes, or for a zip, the same files. Only
 * then, a zip of other bytes that may hold the same files (another zipper's), are both read whole.
 */
async function same(
  s3: S3Client,
  at: { readonly Bucket: string; readonly Key: string },
  held: Held,
  mine: Content,
  mineSha256: string,
): Promise<boolean> {
  if (held.sha256 === mineSha256 && held.size === sizeOf(mine)) return true;
  if (!mine.zip || !worthReading(held.size, mine)) return false;
  const theirs = zipContentDigest(
    Buffer.from(await (await objectBody(s3, at.Bucket, at.Key)).transformToByteArray()),
  );
  return theirs !== undefined && theirs === zipContentDigest(await bytesOf(mine));
}

/**
 * Writes `content` at `key` unless an object with the same content is there already; never
 * replaces one with other content. The bootstrap's bucket is shared by every stack, environment
 * and tool deploying with that bootstrap, and an asset's key is only the app's claim about its
 * content: found in review, environment A's app published its own code under the key of
 * environment B's next Lambda asset, and B's apply, finding the key taken, skipped its upload
 * (cdk-assets asks only whether the key exists) and deployed A's code. So an object is created
 * only where none is (`If-None-Match: *`, so a write racing this one cannot land over it either),
 * one already there is used only when it is the same, and anything else is refused: whoever holds
 * the key keeps it, no object changes once written, and neither deploy gets the other's content.
 */
export async function putOnce(
  s3: S3Client,
  input: Omit<PutObjectCommandInput, 'Body' | 'IfNoneMatch'> & {
    readonly Bucket: string;
    readonly Key: string;
  },
  content: Content,
  subject: string,
  fence?: WriteFence,
): Promise<'created' | 'present'> {
  let held = await heldAt(s3, input.Bucket, input.Key, content);
  let mine: string;
  if (held === undefined) {
    // Read whole for the upload alone (and hashed from that read, not read twice): a buffer, unlike
    // a stream, is sent again as it was when the SDK retries.
    const body = await bytesOf(content);
    mine = sha256(body);
    try {
      await s3.send(
        fencedWrite(
          new PutObjectCommand({
            ...input,
            Body: body,
            ChecksumSHA256: Buffer.from(mine, 'hex').toString('base64'),
            IfNoneMatch: '*',
          }),
          fence,
        ),
      );
      return 'created';
    } catch (error) {
      // Another writer created it between the look and the write: what it wrote decides.
      if (statusOf(error) !== 412) throw error;
      held = await heldAt(s3, input.Bucket, input.Key, content);
      if (held === undefined) throw error;
    }
  } else mine = await digestOf(content);
  if (await same(s3, input, held, content, mine)) return 'present';
  const what = held.sha256 ? `${held.size} bytes, sha256 ${held.sha256}` : `${held.size} bytes`;
  throw new CairnError(
    `s3://${input.Bucket}/${input.Key} already holds other content (${what}) than this commit's (${sizeOf(content)} bytes, sha256 ${mine}); cairn never replaces an object another deploy may read`,
    {
      code: 'aws.asset-conflict',
      phase: 'apply-aws',
      retryable: false,
      subject,
      hint: 'another environment, another cairn or a deploy outside cairn published different content under this key of the shared bootstrap bucket: give environments that must not reach each other their own bootstrap (aws.bootstrapQualifier), or a bucketPrefix of their own on the stack synthesizer (the app reads its environment from the gitops:environment context); see SECURITY.md',
    },
  );
}

/**
 * The file cdk-assets packaged (an asset's zip, or its own file), by its size alone: putOnce hashes
 * it as it reads it, whole only to upload it or to compare its files with a zip of other bytes.
 */
export async function packagedContent(file: string, contentType: string | undefined): Promise<Content> {
  return { file, size: (await stat(file)).size, zip: contentType === 'application/zip' };
}
