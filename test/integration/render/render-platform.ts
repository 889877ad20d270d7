import { helmBinary } from '../../helpers/helm';
import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { kustomizeBinary } from '../../helpers/renderers';

/** A Git repository with one `dev` environment on the sandbox cluster, synced and planned through the CLI. */
export type RenderPlatform = LocalPlatform;

/** A repository under `dir` whose dev environment applies to `namespace`, with kustomize and helm configured. */
export function renderPlatform(dir: string, namespace: string): RenderPlatform {
  return localPlatform(
    dir,
    { namespace },
    { kubernetes: { kustomize: { path: kustomizeBinary() }, helm: { path: helmBinary() } } },
  );
}
