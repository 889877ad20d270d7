import { CairnError } from '../model/errors';
import type { ParsedObject } from './parse-manifests';
import type { KubeObject, Manifest } from './types';
import { keyOf, refOf, subjectOf } from './object-ref';

/** Whether a kind is namespaced: true, false, or undefined when nobody serves it. */
export type ScopeOf = (apiVersion: string, kind: string) => Promise<boolean | undefined>;

/** Whether this environment's inventory holds objects of a kind (asked only of a kind nobody serves). */
export type AppliedBefore = (apiVersion: string, kind: string) => Promise<boolean>;

/**
 * The failure for an object of a kind the server does not serve. A kind this environment applied
 * before (its inventory holds objects of it) lost its CustomResourceDefinition out of band, which
 * took the objects with it: retryable, so that the environment re-creates them by itself once the
 * CRD is back (the retries back off to the cap, a drift pass retries at its interval), as Flux does
 * at its interval. Found in review: this stalled the environment until a manual sync or a new
 * commit. A kind never applied (a typo, a CRD not installed yet) is terminal: retrying the same
 * commit cannot help, and the stall says so at once.
 */
function unknownKind(
  object: { readonly apiVersion: string; readonly kind: string },
  where: { readonly subject: string; readonly line: number },
  appliedBefore: boolean,
): CairnError {
  const { apiVersion, kind } = object;
  const at = ` (line ${where.line})`;
  return appliedBefore
    ? new CairnError(
        `the server no longer serves kind ${kind} in apiVersion ${apiVersion}${at}, which this environment applied before: its CustomResourceDefinition was probably deleted, and its objects with it`,
        {
          code: 'kube.unknown-kind',
          phase: 'plan',
          retryable: true,
          subject: where.subject,
          hint: 'restore the CustomResourceDefinition (cairn retries with backoff and re-creates the objects once it is served), or remove those objects from Git',
        },
      )
    : new CairnError(`the server serves no kind ${kind} in apiVersion ${apiVersion}${at}`, {
        code: 'kube.unknown-kind',
        phase: 'plan',
        subject: where.subject,
        hint: 'check the apiVersion and kind, or add the CustomResourceDefinition that defines it',
      });
}

/**
 * Turns parsed objects into manifests: namespaced objects without a namespace get the default one,
 * cluster-scoped objects lose a stray namespace, and an object defined twice is an error naming both
 * places. Kinds defined by a CRD in the same set count as known, so a CRD and its resources can
 * arrive in one commit.
 *
 * The server decides the scope of every kind it serves; a CRD in the tree only for a kind it does
 * not serve yet. Otherwise a tree could declare a CRD saying `ClusterRole` (or
 * `CustomResourceDefinition` itself) is namespaced: its ClusterRoles would get the environment's
 * namespace, pass the bounds check as namespaced objects, and be written cluster-wide.
 */
export async function resolveScope(
  parsed: readonly ParsedObject[],
  defaultNamespace: string,
  serverScope: ScopeOf,
  appliedBefore: AppliedBefore = async () => false,
): Promise<readonly Manifest[]> {
  const crdScopes = scopesFromCrds(parsed.map((p) => p.object));
  // Each kind is asked once, all of them at once (a miss is not cached by discovery, and a tree may
  // hold hundreds of resources of a kind its own CRD defines).
  const kindKeys = [...new Set(parsed.map((p) => `${p.object.apiVersion}|${p.object.kind}`))];
  const served = await Promise.all(
    kindKeys.map((key) => {
      const [apiVersion, kind] = key.split('|') as [string, string];
      return serverScope(apiVersion, kind);
    }),
  );
  const scopes = new Map(kindKeys.map((key, i) => [key, served[i] ?? crdScopes.get(key)]));
  const seen = new Map<string, ParsedObject>();
  const out: Manifest[] = [];
  for (const p of parsed) {
    const { apiVersion, kind } = p.object;
    const namespaced = scopes.get(`${apiVersion}|${kind}`);
    if (namespaced === undefined) {
      throw unknownKind(p.object, { subject: p.file, line: p.line }, await appliedBefore(apiVersion, kind));
    }
    const object = withNamespace(
      p.object,
      namespaced ? (p.object.metadata.namespace ?? defaultNamespace) : undefined,
    );
    const key = keyOf(refOf(object));
    const first = seen.get(key);
    if (first) {
      throw new CairnError(
        `defined twice: in ${first.file} (line ${first.line}) and in ${p.file} (line ${p.line})`,
        {
          code: 'kube.duplicate',
          phase: 'plan',
          subject: subjectOf(refOf(object)),
          hint: 'keep one definition and delete the other',
        },
      );
    }
    seen.set(key, p);
    out.push({ object, file: p.file, documentIndex: p.documentIndex });
  }
  return out;
}

function withNamespace(object: KubeObject, namespace: string | undefined): KubeObject {
  if (object.metadata.namespace === namespace) return object;
  const { namespace: _dropped, ...rest } = object.metadata;
  void _dropped;
  return { ...object, metadata: namespace === undefined ? rest : { ...rest, namespace } } as KubeObject;
}

/** `apiVersion|kind` → namespaced, for every version of every CRD in a set of objects. */
export function scopesFromCrds(objects: readonly KubeObject[]): ReadonlyMap<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || !o.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = o.spec as
      | { group?: string; scope?: string; names?: { kind?: string }; versions?: { name?: string }[] }
      | undefined;
    if (!spec?.group || !spec.names?.kind) continue;
    for (const v of spec.versions ?? []) {
      if (v.name) scopes.set(`${spec.group}/${v.name}|${spec.names.kind}`, spec.scope !== 'Cluster');
    }
  }
  return scopes;
}
