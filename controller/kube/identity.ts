import { createHash } from 'node:crypto';
import type { KubeObject } from './types';

/** The label that marks an object as applied by one cairn environment (its owner id). */
export const OWNER_LABEL = 'cairn.dev/owner';
/** The annotation that says, for people and error messages, which environment owns an object. */
export const OWNED_BY_ANNOTATION = 'cairn.dev/owned-by';

/** Who an environment is: its repository and name, or an explicit instance name from the config. */
export interface Identity {
  readonly env: string;
  readonly repository: string;
  readonly instance?: string;
}

/** The owner mark of one environment: a label-safe id, and a readable description. */
export interface Owner {
  /** A label value (at most 63 characters), unique per repository + environment or per instance. */
  readonly id: string;
  /** `environment dev of https://git.example.com/platform.git`, or `instance shop-dev`. */
  readonly description: string;
}

/** What an environment adopts from others: every owner (`true`), none, or the listed owner ids. */
export type Adopt = boolean | readonly string[];

function dnsSafe(text: string, max: number): string {
  const safe = text
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return safe === '' ? 'env' : safe;
}

/** The repository URL without credentials or a trailing slash, so a token never becomes a mark. */
export function publicRepository(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url.replace(/\/+$/, ''); // a local path
  }
}

/**
 * The owner of an environment. Without an instance name the id is the environment name plus a
 * hash of the repository (and of the whole name, when it had to be shortened), so two
 * repositories with an environment `dev` on one cluster differ, and so do two long names of one.
 */
export function ownerOf(identity: Identity): Owner {
  if (identity.instance) {
    return { id: dnsSafe(identity.instance, 63), description: `instance ${identity.instance}` };
  }
  const repository = publicRepository(identity.repository);
  const name = dnsSafe(identity.env, 40);
  // A name cut to fit a label would be shared by every environment with the same first 40
  // characters: then the hash covers the whole name too.
  const hashed = name === identity.env ? repository : `${repository}\n${identity.env}`;
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 10);
  return {
    id: `${name}-${hash}`,
    description: `environment ${identity.env} of ${repository}`,
  };
}

/** The annotation value of an owner: its description, then its id in brackets. */
export function ownedBy(owner: Owner): string {
  return `${owner.description} [${owner.id}]`;
}

/**
 * The owner a live object names, or undefined when it carries no cairn owner mark. The label
 * decides; the annotation's description is used only when it names the same id (a hand-edited
 * label must not be described by a stale annotation).
 */
export function liveOwner(object: KubeObject): Owner | undefined {
  const id = object.metadata.labels?.[OWNER_LABEL];
  if (!id) return undefined;
  const annotated = /^(.*) \[([^\]]+)\]$/.exec(object.metadata.annotations?.[OWNED_BY_ANNOTATION] ?? '');
  return { id, description: annotated && annotated[2] === id ? annotated[1]! : id };
}

/**
 * The owner an object names for taking it over: its label, or, when the label was removed by hand,
 * its `cairn.dev/owned-by` annotation (so another environment still refuses it, and its owner puts
 * the label back). Prune reads the label alone.
 */
export function claimedOwner(object: KubeObject): Owner | undefined {
  const labelled = liveOwner(object);
  if (labelled) return labelled;
  const annotated = /^(.*) \[([^\]]+)\]$/.exec(object.metadata.annotations?.[OWNED_BY_ANNOTATION] ?? '');
  return annotated ? { id: annotated[2]!, description: annotated[1]! } : undefined;
}

/** True when `other` may be taken over: it is this owner, or the config adopts it. */
export function mayTake(mine: Owner, other: Owner | undefined, adopt: Adopt): boolean {
  if (!other || other.id === mine.id) return true;
  return adopt === true || (Array.isArray(adopt) && adopt.includes(other.id));
}

/** The object with this owner's label and annotation added (what cairn sends to the server). */
export function withOwner(object: KubeObject, owner: Owner): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...(object.metadata.labels ?? {}), [OWNER_LABEL]: owner.id },
      annotations: { ...(object.metadata.annotations ?? {}), [OWNED_BY_ANNOTATION]: ownedBy(owner) },
    },
  };
}
