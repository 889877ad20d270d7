import { chmodSync, lstatSync, mkdirSync, rmSync, unlinkSync, type Stats } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Log } from '../../controller/model';
import { removeKeyFile, writeKeyFile } from './runner-auth';
import { emptyFolder } from './runner-sweep';

/** The mode of the runner's own folder: its uid writes, the pod's group (the controller) passes and reads. */
const FOLDER_MODE = 0o750;

/** The runner's socket, its folder and its key file, kept the runner's own across jobs. */
export interface RunnerEndpoint {
  /** Removes the key file: called before any job code runs, so that no job can read it. */
  hideKey(): void;
  /**
   * After a job (its processes dead): the folder and the socket are the runner's again (bound
   * afresh when the job touched either) and the key file is written anew.
   */
  restore(): Promise<void>;
  /** Stops listening; removes the socket (if still the runner's) and the key file. */
  close(): Promise<void>;
}

interface Bound {
  readonly server: Server;
  readonly socketIno: number;
  readonly folder: Stats;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The runner's folder (the socket's): made when missing, else it must be a real folder of the
 * runner's uid (a folder of the volume's root or another user is refused: the socket needs a
 * folder of its own, which the runner can put back after a job).
 */
function ownFolder(dir: string): void {
  const stat = lstatOrUndefined(dir);
  const uid = process.geteuid?.();
  if (!stat) mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
  else if (stat.isSymbolicLink() || !stat.isDirectory() || stat.uid !== uid)
    throw new Error(
      `the socket's folder ${dir} must be a folder of the runner's own uid ${String(uid)}, not ${stat.isSymbolicLink() ? 'a symbolic link' : `one of uid ${stat.uid}`}: point --socket into a folder of its own (e.g. /var/lib/cairn/runner/synth.sock)`,
    );
  // Kept: the setgid bit of a shared volume, so the socket and key are born in the pod's group.
  chmodSync(dir, FOLDER_MODE | (lstatSync(dir).mode & 0o2000));
}

/** A socket left by an earlier runner (a container restart keeps the volume) is removed; anything else is not. */
function clearStaleSocket(socket: string): void {
  const stat = lstatOrUndefined(socket);
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${socket} exists and is not a socket: refusing to replace it`);
  unlinkSync(socket);
}

/** Listens on `socket` (0660 from the start: its uid and group only) and writes the key beside it. */
export async function openEndpoint(options: {
  readonly socket: string;
  readonly key: Buffer;
  readonly log: Log;
  readonly handle: (conn: Socket) => void;
}): Promise<RunnerEndpoint> {
  const { socket, key, log, handle } = options;
  const dir = dirname(socket);
  let bound: Bound | undefined;
  let closed = false;

  const listen = () =>
    new Promise<Bound>((resolve, reject) => {
      const server = createServer(handle);
      server.once('error', reject);
      // The socket is made 0660 from the start: no moment where another local user may connect.
      const umask = process.umask(0o117);
      server.listen(socket, () => {
        process.umask(umask);
        chmodSync(socket, 0o660);
        server.off('error', reject);
        server.on('error', (error) => log.error({ err: error }, 'synth runner socket error'));
        resolve({ server, socketIno: lstatSync(socket).ino, folder: lstatSync(dir) });
      });
    });

  const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  /** Whether a job changed the folder or the socket since they were made (same inode, owner, mode). */
  const touched = (b: Bound): boolean => {
    const folder = lstatOrUndefined(dir);
    const sock = lstatOrUndefined(socket);
    return (
      !folder ||
      folder.isSymbolicLink() ||
      folder.ino !== b.folder.ino ||
      folder.uid !== b.folder.uid ||
      folder.mode !== b.folder.mode ||
      sock?.ino !== b.socketIno
    );
  };

  ownFolder(dir);
  clearStaleSocket(socket);
  bound = await listen();
  writeKeyFile(socket, key);

  return {
    hideKey: () => removeKeyFile(socket),
    async restore() {
      if (closed || !bound) return;
      if (touched(bound)) {
        // The job runs as the socket's owner: it may have replaced the socket (to answer the next
        // job), the folder, or opened its mode. All of it goes, and the runner binds afresh.
        log.warn({ socket }, 'the socket was replaced during a job: binding it again');
        const old = bound;
        bound = undefined;
        // Stops accepting at once; the connections it accepted (this job's) end on their own.
        old.server.close();
        emptyFolder(dir);
        rmSync(dir, { recursive: true, force: true });
        ownFolder(dir);
        bound = await listen();
      }
      // Whatever a job left at the key's name is replaced by a fresh file holding the runner's key.
      writeKeyFile(socket, key);
    },
    async close() {
      closed = true;
      removeKeyFile(socket);
      if (!bound) return;
      const { server, socketIno } = bound;
      await closeServer(server);
      if (lstatOrUndefined(socket)?.ino === socketIno) rmSync(socket, { force: true });
    },
  };
}
