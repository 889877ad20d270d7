import type { Discovery, ResourceInfo } from './discovery';
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

/** A manifest with the resource discovery found for it. */
export interface Found extends Located {
  readonly manifest: Manifest;
}

/** `findResources`' answer: what can be sent, and what cannot, each with its reason. */
export interface Resources {
  readonly found: readonly Found[];
  /** Kinds the server does not serve (yet: a CRD in the same tree may define them). */
  readonly unserved: readonly Unserved[];
  /**
   * Manifests whose scope the server contradicts: read as namespaced where the server serves the kind
   * cluster-wide, or the other way round. The bounds were checked on that reading, so such an object
   * is never sent (resolveScope takes the server's scope first: this holds when the server's answer
   * changed since, e.g. a CRD replaced meanwhile).
   */
  readonly misscoped: readonly Unserved[];
}

/**
 * Asks discovery for the resource of each manifest (once per kind). Manifests whose kind the server
 * does not serve come back apart (after a CRD wave, discovery has been refreshed), and so do those
 * whose scope it contradicts.
 */
export async function findResources(
  manifests: readonly Manifest[],
  discovery: Discovery,
): Promise<Resources> {
  // Each kind is looked up once, all of them side by side.
  const kindKey = (ref: { apiVersion: string; kind: string }) => `${ref.apiVersion} ${ref.kind}`;
  const kinds = new Map<string, Promise<ResourceInfo | undefined>>();
  for (const manifest of manifests) {
    const ref = refOf(manifest.object);
    if (!kinds.has(kindKey(ref))) kinds.set(kindKey(ref), discovery.lookup(ref.apiVersion, ref.kind));
  }
  // Awaited together: a second lookup failing while the first is awaited is not left unhandled.
  const answers = await Promise.all(kinds.values());
  const infos = new Map([...kinds.keys()].map((key, i) => [key, answers[i]]));
  const found: Found[] = [];
  const unserved: Unserved[] = [];
  const misscoped: Unserved[] = [];
  for (const manifest of manifests) {
    const ref = refOf(manifest.object);
    const info = infos.get(kindKey(ref));
    if (!info)
      unserved.push({
        manifest,
        message: `${labelOf(manifest)}: the server serves no kind ${ref.kind} in apiVersion ${ref.apiVersion}; check the apiVersion or add its CustomResourceDefinition`,
      });
    else if (info.namespaced !== (ref.namespace !== undefined))
      misscoped.push({
        manifest,
        message: `${labelOf(manifest)}: the server serves ${ref.kind} ${info.namespaced ? 'in namespaces' : 'cluster-wide'}, but it was read as ${info.namespaced ? 'cluster-scoped' : 'namespaced'} (a CustomResourceDefinition changed meanwhile?); nothing of it was sent, and the next reconcile reads it again`,
      });
    else found.push({ manifest, ref, info });
  }
  return { found, unserved, misscoped };
}

/** The body cairn sends for a found manifest: Git's object with this environment's owner marks and the digest of both. */
export function targetOf({ manifest, ref, info }: Found, owner: Owner): Target {
  const marked = withOwner(manifest.object, owner);
  const digest = digestOf(marked);
  return { ref, info, manifest, digest, body: withDigest(marked, digest), label: labelOf(manifest) };
}

/** `findResources`, and the body of each manifest found (`targetOf`). */
export async function locate(
  manifests: readonly Manifest[],
  discovery: Discovery,
  owner: Owner,
): Promise<Omit<Resources, 'found'> & { readonly targets: readonly Target[] }> {
  const { found, ...apart } = await findResources(manifests, discovery);
  return { targets: found.map((f) => targetOf(f, owner)), ...apart };
}
