import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { checkChartSchemas } from './chart-schemas';
import { checkChartDependencies, checkReleaseName } from './chart-checks';
import { findBinary, renderConfined } from './confined-render';
import { checkKustomizations } from './kustomization-checks';
import type { RendererKind, RenderSettings } from './types';

/** How long one folder may take to render when the settings say nothing. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * kustomize with its load restrictor on (a kustomization reads files only inside its own folder),
 * no alpha plugins (Go and exec plugins), no exec functions, no helm inflation; its output goes to
 * a file, not through the pipe (whose tail alone is kept).
 */
const KUSTOMIZE_COMMAND =
  '"$BIN" build --load-restrictor "$LOAD_RESTRICTOR" --enable-alpha-plugins=false --enable-exec=false --enable-helm=false -o "$OUT/rendered.yaml" "$SRC"';

/**
 * helm template with the folder's name as the release (after `--`, so never read as a flag) and the environment's namespace; values from
 * values.yaml (helm's default) then values-<env>.yaml when the chart has one; CRDs included so that
 * cairn applies them first like any other. helm's cache and config live in the job's temp folder.
 */
const HELM_COMMAND =
  'HELM_CACHE_HOME="$TMPDIR/cache" HELM_CONFIG_HOME="$TMPDIR/config" HELM_DATA_HOME="$TMPDIR/data" "$BIN" template --include-crds ${NAMESPACE:+--namespace "$NAMESPACE"} ${ENV_VALUES:+--values "$ENV_VALUES"} -- "$RELEASE" "$SRC" > "$OUT/rendered.yaml"';

/** The `file` that objects rendered from a folder carry, and the subject of its errors. */
export function renderedFile(folder: string, kind: RendererKind): string {
  return `${folder} (${kind === 'kustomize' ? 'kustomize' : 'helm chart'})`;
}

/** Test-only knobs: they let a test show that the isolation holds even without the load restrictor. */
export interface RenderOverrides {
  readonly loadRestrictor?: 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';
}

/**
 * Renders one folder of a workspace (`k8s-resources/<folder>`, holding a kustomization.yaml or a
 * Chart.yaml) to multi-document YAML, under the synth isolation with no network.
 */
export function renderFolder(
  workspaceDir: string,
  folder: string,
  kind: RendererKind,
  settings: RenderSettings,
  overrides: RenderOverrides = {},
): Promise<string> {
  const subject = renderedFile(folder, kind);
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const common = {
    folder,
    subject,
    timeoutMs,
    ...(settings.transform ? { transform: settings.transform } : {}),
    ...(settings.signal ? { signal: settings.signal } : {}),
  };
  if (kind === 'kustomize')
    return renderConfined(
      workspaceDir,
      settings.runner,
      {
        ...common,
        binary: findBinary('kustomize', settings.kustomizePath, 'kubernetes.kustomize.path'),
        command: KUSTOMIZE_COMMAND,
        env: { LOAD_RESTRICTOR: overrides.loadRestrictor ?? 'LoadRestrictionsRootOnly' },
        check: (src) => checkKustomizations(src, folder),
      },
      settings.log,
    );
  const envValues = `values-${settings.env}.yaml`;
  const release = posix.basename(folder);
  return renderConfined(
    workspaceDir,
    settings.runner,
    {
      ...common,
      binary: findBinary('helm', settings.helmPath, 'kubernetes.helm.path'),
      command: HELM_COMMAND,
      env: {
        RELEASE: release,
        ...(settings.namespace ? { NAMESPACE: settings.namespace } : {}),
        ...(existsSync(join(workspaceDir, folder, envValues)) ? { ENV_VALUES: envValues } : {}),
      },
      check: (src) => {
        checkReleaseName(release, folder);
        checkChartDependencies(src, folder);
        checkChartSchemas(src, folder);
      },
    },
    settings.log,
  );
}
