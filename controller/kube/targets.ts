import type { Discovery } from './discovery';
import { digestOf, withDigest } from './digest';
import { withOwner, type Owner } from './identity';
import type { Located } from './object-ops';
import { refOf, subjectOf } from './object-ref';
import type { KubeObject, Manifest } from './types';

/** A manifest ready to send: where it goes, its digest, and the body with owner marks and digest. */
export interface Target extends Located {
  readonly manifest: Manifest;
  readonly body: KubeObject;
  readonly digest: string;
  /** `Kind/namespace/name (file)`, how failures name it. */
  readonly label: string;
}

/** How failures name an object: `Kind/namespace/name (file)`. */
export function labelOf(manifest: Manifest): string {
  return `${subjectOf(refOf(manifest.object))} (${manifest.file})`;
}

/** A manifest whose kind the server does not serve, with the message naming its file. */
export interface Unserved {
  readonly manifest: Manifest;
  readonly message: string;
}

/**
 * Asks discovery for the resource of each manifest and builds the body cairn sends: Git's object
 * with this environment's owner marks and the digest of both. Manifests whose kind the server does
 * not serve come back apart (after a CRD wave, discovery has been refreshed).
 */
export async function locate(
  manifests: readonly Manifest[],
  discovery: Discovery,
  owner: Owner,
): Promise<{ readonly targets: readonly Target[]; readonly unserved: readonly Unserved[] }> {
  const targets: Target[] = [];
  const unserved: Unserved[] = [];
  for (const manifest of manifests) {
    const ref = refOf(manifest.object);
    const info = await discovery.lookup(ref.apiVersion, ref.kind);
    if (!info) {
      unserved.push({
        manifest,
        message: `${labelOf(manifest)}: the server serves no kind ${ref.kind} in apiVersion ${ref.apiVersion}; check the apiVersion or add its CustomResourceDefinition`,
      });
      continue;
    }
    const marked = withOwner(manifest.object, owner);
    const digest = digestOf(marked);
    targets.push({ ref, info, manifest, digest, body: withDigest(marked, digest), label: labelOf(manifest) });
  }
  return { targets, unserved };
}
