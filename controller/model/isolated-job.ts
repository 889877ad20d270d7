import type { AwsSynthConfig } from './aws-target';

/**
 * The one shape of a run of repository input under the synth isolation: the CDK app (cdk/synth)
 * and the Kustomize and Helm renderers (controller/kube/render) hand the same job to the same
 * runners (bubblewrap, the sidecar, or none), so it is defined once here, below both.
 */

/**
 * How repository code is kept away from the controller: `bubblewrap` (own PID, mount, network and
 * IPC namespaces, another uid when cairn runs as root), `sidecar` (another container, holding no
 * credentials) or `none` (a plain child process that can see everything cairn can).
 */
export type IsolationKind = AwsSynthConfig['isolation'];

/** The user an isolated job runs as when cairn runs as root. */
export interface JobUser {
  readonly uid: number;
  readonly gid: number;
}

/** One isolated run: a shell command, its complete environment, and the only folders it may see. */
export interface IsolatedJob {
  /** The shell command, run with `sh -c` in `cwd`. */
  readonly command: string;
  readonly cwd: string;
  /** The complete environment the command sees: nothing of the controller's is added. */
  readonly env: Readonly<Record<string, string>>;
  /** Folders the command may read (the checkout or its copy, the toolchain); read-only. */
  readonly readOnly: readonly string[];
  /** Folders the command may write (its output and temp folders); nothing else is writable. */
  readonly writable: readonly string[];
  /** The writable folder whose content the caller reads afterwards (the others are discarded). */
  readonly output?: string;
  /**
   * The most the output folder may hold. A runner in another container checks it before it copies
   * the output back, so an oversized output is never copied (the render's cap: 64 MiB).
   */
  readonly maxOutputBytes?: number;
  readonly timeoutMs: number;
  /**
   * Aborted when the caller gives up on the job before its timeout (a pull request's plan past its
   * deadline): its processes are killed as at the timeout, so nothing of it runs on.
   */
  readonly signal?: AbortSignal;
}

/** How an isolated run ended, with its raw (unmasked) output tail. */
export interface JobResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly output: string;
}

/**
 * Runs repository input. The seam for isolation: `bubblewrap` on one machine; in a cluster, the
 * sidecar runner hands the job to a container holding no credentials, over a shared volume.
 */
export interface JobRunner {
  readonly isolation: IsolationKind;
  /** The user the command runs as when it differs from cairn's own (its folders must belong to it). */
  readonly user?: JobUser;
  /**
   * The folder the job's folders must be made under (a volume shared with the runner's container,
   * readable by its group), when the runner is not on cairn's own filesystem view.
   */
  readonly workRoot?: string;
  /** Why this runner cannot run anything on this machine, or undefined when it can. Cached. */
  unavailable(): Promise<string | undefined>;
  run(job: IsolatedJob): Promise<JobResult>;
}
