import type { AwsSynthConfig } from '../../controller/model';
import type { ProcessResult } from './run-process';

/**
 * How the CDK app is kept away from the controller: `bubblewrap` (own PID, mount, network and IPC
 * namespaces, another uid when cairn runs as root), `sidecar` (another container, holding no
 * credentials) or `none` (a plain child process that can see everything cairn can; only for
 * machines where the repository's authors are trusted).
 */
export type SynthIsolation = AwsSynthConfig['isolation'];

/** The user a sandboxed app runs as when cairn runs as root. */
export interface SynthUser {
  readonly uid: number;
  readonly gid: number;
}

/** One run of the CDK app (or any command given by the repository). */
export interface SynthJob {
  /** The shell command (cdk.json's `app`), run with `sh -c` in `cwd`. */
  readonly command: string;
  readonly cwd: string;
  /** The complete environment the command sees: nothing of the controller's is added. */
  readonly env: Readonly<Record<string, string>>;
  /** Folders the command may read (the checkout, the toolchain's node_modules); read-only. */
  readonly readOnly: readonly string[];
  /** Folders the command may write (its output and temp folders); nothing else is writable. */
  readonly writable: readonly string[];
  /** The writable folder whose content the caller reads afterwards (the others are discarded). */
  readonly output?: string;
  readonly timeoutMs: number;
}

/**
 * Runs repository code. The seam for isolation: `bubblewrap` on one machine; in a cluster, the
 * sidecar runner hands the job to a container holding no credentials, over a shared volume.
 */
export interface SynthRunner {
  readonly isolation: SynthIsolation;
  /** The user the command runs as when it differs from cairn's own (its folders must belong to it). */
  readonly user?: SynthUser;
  /**
   * The folder the job's folders must be made under (a volume shared with the runner's container,
   * readable by its group), when the runner is not on cairn's own filesystem view.
   */
  readonly workRoot?: string;
  /** Why this runner cannot run anything on this machine, or undefined when it can. Cached. */
  unavailable(): Promise<string | undefined>;
  run(job: SynthJob): Promise<ProcessResult>;
}
