import type { Discovery } from './discovery';
import { digestOf, withDigest } from './digest';
import type { Located } from './object-ops';
import { refOf, subjectOf } from './object-ref';
import type { KubeObject, Manifest, ObjectOutcome } from './types';

/** A manifest ready to send: where it goes, its digest, and the body with the digest annotation. */
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

/**
 * Asks discovery for the resource of each manifest. Those whose kind the server does not serve come
 * back as failed outcomes naming the file (after a CRD wave, discovery has been refreshed).
 */
export async function locate(
  manifests: readonly Manifest[],
  discovery: Discovery,
): Promise<{ readonly targets: readonly Target[]; readonly failed: readonly ObjectOutcome[] }> {
  const targets: Target[] = [];
  const failed: ObjectOutcome[] = [];
  for (const manifest of manifests) {
    const ref = refOf(manifest.object);
    const info = await discovery.lookup(ref.apiVersion, ref.kind);
    if (!info) {
      failed.push({
        ref,
        action: 'failed',
        durationMs: 0,
        file: manifest.file,
        error: `${labelOf(manifest)}: the server serves no kind ${ref.kind} in apiVersion ${ref.apiVersion}; check the apiVersion or add its CustomResourceDefinition`,
      });
      continue;
    }
    const digest = digestOf(manifest.object);
    targets.push({
      ref,
      info,
      manifest,
      digest,
      body: withDigest(manifest.object, digest),
      label: labelOf(manifest),
    });
  }
  return { targets, failed };
}
