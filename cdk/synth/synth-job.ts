import type { IsolatedJob, IsolationKind, JobRunner, JobUser } from '../../controller/model';

/**
 * The CDK synth's names for the one job shape of controller/model/isolated-job.ts (the Kustomize
 * and Helm renders hand the same jobs to the same runners).
 */

/** How the CDK app is kept away from the controller: `bubblewrap`, `sidecar` or `none`. */
export type SynthIsolation = IsolationKind;

/** The user a sandboxed app runs as when cairn runs as root. */
export type SynthUser = JobUser;

/** One run of the CDK app (or any command given by the repository). */
export type SynthJob = IsolatedJob;

/** Runs repository code under one isolation. */
export type SynthRunner = JobRunner;
