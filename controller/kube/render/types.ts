/**
 * The shapes rendering needs from the world around controller/kube. The runner is the synth
 * isolation of cdk/synth (bubblewrap, the sidecar, or none) seen through the few members rendering
 * uses: controller/kube may not import cdk/, so the CLI hands it in (cdk's SynthRunner fits).
 */

/**
 * Rewrites the text of one input file of `k8s-resources/` before it is parsed or rendered (the AWS
 * output bindings make one per reconcile): `file` is its path in the workspace, for error messages.
 */
export type InputTransform = (file: string, text: string) => string;

/** One confined run: a shell command, its complete environment, and the only folders it may see. */
export interface RenderJob {
  readonly command: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly readOnly: readonly string[];
  readonly writable: readonly string[];
  readonly output?: string;
  readonly timeoutMs: number;
}

/** How a confined run ended, with its raw (unmasked) output tail. */
export interface RenderRunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly output: string;
}

/** Runs repository input under the synth isolation; structurally cdk/synth's SynthRunner. */
export interface RenderRunner {
  readonly isolation: string;
  /** The user the job runs as when it differs from cairn's own: its folders must belong to it. */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Set for a runner in another container (the sidecar): its folders must be made there. */
  readonly workRoot?: string;
  unavailable(): Promise<string | undefined>;
  run(job: RenderJob): Promise<RenderRunResult>;
}

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
}

/** The two renderers, and the file that selects each. */
export type RendererKind = 'kustomize' | 'helm';
