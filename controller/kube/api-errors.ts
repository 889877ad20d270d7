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

/**
 * Why the API server refused a request, in one sentence. For Secrets the quoted values the server
 * echoes back (`Invalid value: "..."`) are removed so no secret reaches a log or the audit.
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
      ? message.replace(/Invalid value: "(?:[^"\\]|\\.)*"/g, 'Invalid value: [redacted]')
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
