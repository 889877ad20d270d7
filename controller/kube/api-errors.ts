import { CairnError, type Phase } from '../model/errors';
import { statusMessage } from './kube-client';

interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** A field-manager conflict: who owns which fields. */
export interface Conflict {
  readonly manager: string;
  readonly fields: readonly string[];
}

/** The conflicts of a 409 answer to a server-side apply, grouped by the manager that owns the fields. */
export function conflictsOf(body: unknown): readonly Conflict[] {
  const causes = (
    (body as { details?: { causes?: StatusCause[] } } | undefined)?.details?.causes ?? []
  ).filter((c) => c.reason === 'FieldManagerConflict');
  const byManager = new Map<string, string[]>();
  for (const cause of causes) {
    const manager = /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'another manager';
    const list = byManager.get(manager) ?? [];
    list.push(cause.field ?? '?');
    byManager.set(manager, list);
  }
  return [...byManager].map(([manager, fields]) => ({ manager, fields }));
}

// A validation error quotes the value it refuses, Go-quoted (escaped, so the closing quote is sure).
const QUOTED_VALUE = /Invalid value: "(?:[^"\\]|\\.)*"/g;
// A server-side apply type error prints the value after `got ` with Go's %v: a number or list where
// a string was due (`.stringData.pin: expected string, got &value.valueUnstructured{Value:1234}`), the
// whole text where a map was due (`.stringData: expected map, got &{hunter2}`). %v does not escape
// strings, so the value may span lines and imitate the next error: nothing after the first is kept.
const TYPE_ERROR_VALUE = /(expected [^,\n]{1,40}, got ).*$/s;

/**
 * Whether sending the same object again may succeed: after overload (429) or a server error (5xx),
 * but not after a 5xx that is the object's own fault. The API server answers a server-side apply
 * whose fields have the wrong type (`stringData.pin: 1234`) with 500 "failed to create typed patch
 * object": retried, it fails the same way on every attempt until a new commit fixes it.
 */
export function retryableRefusal(status: number, body: unknown): boolean {
  if (status !== 429 && status < 500) return false;
  return !statusMessage(body).startsWith('failed to create typed patch object');
}

/**
 * True when the API server serves no resource at the path at all: its router answers such a path
 * with a plain-text `404 page not found`, while a missing object or namespace is a JSON Status. A
 * server-side apply (which creates what is missing) gets it when the kind's CustomResourceDefinition
 * was deleted after discovery was read.
 */
export function unservedPath(status: number, body: unknown): boolean {
  return status === 404 && typeof body === 'string';
}

/**
 * Why the API server refused a request, in one sentence. For Secrets the values the server echoes
 * back (`Invalid value: "..."`, a type error's `got ...`) are removed so no secret reaches a log,
 * the audit, a plan comment or a notification; the field's path stays.
 */
export function refusalOf(status: number, body: unknown, kind: string): string {
  const conflicts = status === 409 ? conflictsOf(body) : [];
  if (conflicts.length > 0) {
    const owners = conflicts.map((c) => `"${c.manager}" owns ${c.fields.join(', ')}`).join('; ');
    return `field manager conflict: ${owners}; set kubernetes.forceConflicts to take them over, or remove those fields from Git`;
  }
  const message = statusMessage(body);
  const safe =
    kind === 'Secret'
      ? message
          .replace(QUOTED_VALUE, 'Invalid value: [redacted]')
          .replace(TYPE_ERROR_VALUE, "$1[redacted] (a Secret's data and stringData map keys to strings)")
      : message;
  return `the API server refused it (HTTP ${status}): ${safe}`;
}

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
}

/**
 * True when every conflicting manager wrote its fields only with Update operations (`kubectl edit`,
 * `kubectl scale`, a script's PATCH): imperative edits of what Git declares, which is drift and is
 * taken back. A manager that used Apply declares intent of its own; that conflict is reported.
 */
export function onlyImperativeConflicts(
  conflicts: readonly Conflict[],
  live: { readonly metadata: { readonly [k: string]: unknown } } | undefined,
): boolean {
  if (conflicts.length === 0 || !live) return false;
  const entries = (live.metadata.managedFields ?? []) as readonly ManagedFieldsEntry[];
  return conflicts.every((c) => {
    const mine = entries.filter((e) => e.manager === c.manager);
    return mine.length > 0 && mine.every((e) => e.operation === 'Update');
  });
}

/** Who the API server refused what, read from a 403 answer. */
export interface Forbidden {
  /** The identity the server saw: `system:serviceaccount:cairn:cairn`, a user name. */
  readonly user?: string;
  readonly verb?: string;
  /** The resource (plural), and its API group (`''` for the core group). */
  readonly resource?: string;
  readonly group?: string;
  /** Undefined when the request was cluster-scoped. */
  readonly namespace?: string;
}

// The sentence the RBAC authorizer writes: `User "u" cannot list resource "r" in API group "g" in the namespace "n"`.
const FORBIDDEN =
  /User "([^"]*)" cannot (\w+) resource "([^"]*)" in API group "([^"]*)"(?: in the namespace "([^"]*)"| at the cluster scope)?/;

/** The parts of a 403 answer's Status: identity, verb, resource, group and namespace, as far as it says. */
export function forbiddenOf(body: unknown): Forbidden {
  const match = FORBIDDEN.exec(statusMessage(body));
  const details = (body as { details?: { kind?: string; group?: string } } | undefined)?.details;
  if (!match) {
    return {
      ...(details?.kind ? { resource: details.kind } : {}),
      ...(details?.group !== undefined ? { group: details.group } : {}),
    };
  }
  return {
    user: match[1]!,
    verb: match[2]!,
    resource: match[3]!,
    group: match[4]!,
    ...(match[5] ? { namespace: match[5] } : {}),
  };
}

/** Where a refused request was going, for the message. */
export interface ForbiddenContext {
  /** The Kind cairn was handling (`PodDisruptionBudget`). */
  readonly kind: string;
  /** The namespace of the object or collection; undefined for cluster-scoped kinds. */
  readonly namespace?: string;
  /** What failed: an object (`PodDisruptionBudget/apps/web`) or a collection. */
  readonly subject: string;
  /** Left out where the caller's phase is not known; `failureFrom` then fills it in. */
  readonly phase?: Phase;
  /** How to grant it, where the generic `--kinds` advice is wrong (cairn's own objects). */
  readonly grant?: string;
}

/**
 * The error for a 403: terminal (retrying cannot help until someone grants the right), with code
 * `kube.forbidden`, naming the Kind, the namespace, the identity cairn acts as, the verb, and the
 * fix: the `--kinds` entry that `cairn install --export` turns into a ClusterRole rule.
 */
export function forbiddenError(body: unknown, context: ForbiddenContext): CairnError {
  const terminating = terminatingNamespace(body, context.namespace);
  if (terminating !== undefined) return namespaceTerminatingError(terminating, context);
  const f = forbiddenOf(body);
  const who = f.user ? `"${f.user}"` : "cairn's identity";
  const where =
    (f.namespace ?? context.namespace)
      ? `in namespace "${f.namespace ?? context.namespace}"`
      : 'cluster-wide';
  const resource = f.resource ?? `${context.kind.toLowerCase()}s`;
  const flag = `${f.group ? f.group : 'core'}/${resource}`;
  return new CairnError(
    `forbidden: ${who} may not ${f.verb ?? 'access'} ${context.kind} (resource "${resource}", API group "${f.group ?? ''}") ${where}; retrying cannot help`,
    {
      code: 'kube.forbidden',
      ...(context.phase ? { phase: context.phase } : {}),
      retryable: false,
      subject: context.subject,
      hint:
        context.grant ??
        `Grant it: re-run \`cairn install --export --kinds default,${flag}\` (your other --kinds too) and apply it, or add ${flag} to the ClusterRole bound to ${who}`,
    },
  );
}

/**
 * The namespace a 403 says is being deleted, or undefined for any other 403. The NamespaceLifecycle
 * admission plugin refuses new content in a Terminating namespace with a 403 whose cause is
 * `NamespaceTerminating`: no grant can help, and it ends by itself once the namespace is gone.
 */
function terminatingNamespace(body: unknown, namespace: string | undefined): string | undefined {
  // A StatusCause's type is sent as `reason`.
  const causes = (body as { details?: { causes?: readonly { reason?: string }[] } } | undefined)?.details
    ?.causes;
  const terminating =
    (causes?.some((c) => c.reason === 'NamespaceTerminating') ?? false) ||
    / because it is being terminated$/.test(statusMessage(body));
  if (!terminating) return undefined;
  return namespace ?? /in namespace (\S+) because/.exec(statusMessage(body))?.[1] ?? '(unknown)';
}

/**
 * A write into a namespace being deleted: retryable (cairn recreates the namespace from Git once it
 * is gone), and never the RBAC advice of `kube.forbidden`, which would send the operator to grant
 * rights cairn already has.
 */
export function namespaceTerminatingError(namespace: string, context: ForbiddenContext): CairnError {
  return new CairnError(
    `namespace "${namespace}" is being deleted (Terminating): the API server takes no new objects in it until it is gone`,
    {
      code: 'kube.namespace-terminating',
      ...(context.phase ? { phase: context.phase } : {}),
      retryable: true,
      subject: context.subject,
      hint: `see what holds it with \`kubectl get namespace ${namespace} -o yaml\` (status.conditions, spec.finalizers, metadata.finalizers); cairn retries, and recreates it from Git once it is gone`,
    },
  );
}
