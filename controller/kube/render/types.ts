import type { IsolatedJob, JobResult, JobRunner, Log } from '../../model';

/**
 * The shapes rendering needs from the world around controller/kube. The runner is the synth
 * isolation of cdk/synth (bubblewrap, the sidecar, or none) seen through the few members rendering
 * uses: controller/kube may not import cdk/, so the CLI hands it in; both speak the job shape of
 * controller/model/isolated-job.ts.
 */

/**
 * Rewrites the text of one input file of `k8s-resources/` before it is parsed or rendered (the AWS
 * output bindings make one per reconcile): `file` is its path in the workspace, for error messages.
 */
export type InputTransform = (file: string, text: string) => string;

/** One confined run: the shared job shape of controller/model (cdk/synth's SynthJob too). */
export type RenderJob = IsolatedJob;

/** How a confined run ended, with its raw (unmasked) output tail. */
export type RenderRunResult = JobResult;

/** Runs repository input under the synth isolation: the runner cdk/synth makes. */
export type RenderRunner = JobRunner;

/** What a k8s-resources/ folder holding a kustomization.yaml or Chart.yaml is rendered with. */
export interface RenderSettings {
  readonly runner: RenderRunner;
  /** The environment: Helm's values-<env>.yaml. */
  readonly env: string;
  /** The environment's namespace: Helm's release namespace. */
  readonly namespace?: string;
  /** The kustomize binary (`kubernetes.kustomize.path`); else found on PATH. */
  readonly kustomizePath?: string;
  /** The helm binary (`kubernetes.helm.path`); else found on PATH. */
  readonly helmPath?: string;
  readonly timeoutMs?: number;
  readonly transform?: InputTransform;
  /** Aborted when the caller gives up (a pull request's plan past its deadline): the render is killed. */
  readonly signal?: AbortSignal;
  /** For the folder checks of a sidecar's job folder (a planted folder is logged as it is moved aside). */
  readonly log?: Log;
}

/** The two renderers, and the file that selects each. */
export type RendererKind = 'kustomize' | 'helm';
