import { CairnError, readRegularFileSync, type RegularFileRead } from '../controller/model';
import { safeOutput } from '../controller/model/secret-mask';

/**
 * Reading the files of a CDK app's output (its cloud assembly): the app wrote them, and cairn
 * reads them with its own rights, in synth (cdk/synth) and deploy (cdk/deploy) alike.
 */

/**
 * The largest template CloudFormation takes (from S3; 51,200 bytes inline). The deployer reads a
 * template whole, twice over (text and parsed): a bigger one could only exhaust the controller's
 * memory, for every environment, before CloudFormation refused it.
 */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * The largest cloud assembly manifest or asset manifest cairn parses. They are read and validated
 * synchronously, on the event loop every environment shares: 41 MB took 2.3 s and 215 MB of memory,
 * so an unbounded one stalls or kills the controller. A large real app's stays a few MB.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** A refusal for a path of the assembly that leads outside its output folder (or a link). */
export function refuse(subject: string, message: string): CairnError {
  return new CairnError(message, {
    code: 'synth.escapes-output',
    phase: 'synthesize',
    subject,
    hint: 'an app may only reference files inside its own output folder',
  });
}

/** A refusal for a file of the output folder that is not what cairn reads (a FIFO, a socket, a device). */
export function unreadable(subject: string, message: string): CairnError {
  return new CairnError(message, {
    code: 'synth.bad-assembly',
    phase: 'synthesize',
    subject,
    hint: 'an app may only write regular files and folders into its output folder',
  });
}

/** The refusal for a failed safe read of an assembly file, with the code its reason calls for. */
function readRefusal(
  subject: string,
  read: Exclude<RegularFileRead, { bytes: Buffer }>,
  why: string,
): CairnError {
  if (read.kind === 'link')
    return refuse(subject, `${read.refused}; cairn follows no links in an app's output`);
  if (read.kind === 'too-large')
    return new CairnError(`${read.refused} ${why}`, {
      code: 'synth.too-large',
      phase: 'synthesize',
      subject,
      hint: 'split the app into smaller stacks, or move large inline content (code, policies) into assets',
    });
  return unreadable(subject, read.refused);
}

/**
 * The bytes of a file of an app's output folder, read without following a link or blocking on a
 * FIFO, and refused over `maxBytes`: every read of the assembly by cairn goes through here or
 * happens after checkOutputFolder.
 */
export function readAssemblyFile(
  path: string,
  maxBytes: number,
  subject: string,
  why = 'cairn reads',
): Buffer {
  const read = readRegularFileSync(path, maxBytes);
  if ('bytes' in read) return read.bytes;
  throw readRefusal(subject, read, why);
}

/** The JSON of a file of an app's output folder, read as readAssemblyFile does. */
export function readAssemblyJson(path: string, maxBytes: number, subject: string, why?: string): unknown {
  const text = readAssemblyFile(path, maxBytes, subject, why).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw unreadable(subject, `is not JSON: ${safeOutput((error as Error).message, 200)}`);
  }
}
