import { CairnError } from '../model/errors';
import { maskSecrets } from '../model';

// Keys a Kubernetes Secret keeps its values under; no audit type has them, so one showing up means
// an object's content leaked into a record.
const SECRET_KEYS = new Set(['data', 'stringData']);
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/**
 * A record that is safe to write. Entries carry no secret values by construction (kube outcomes
 * hold a reference and an action, never an object's content), so this is a second line of
 * defence: a `data`/`stringData` key anywhere is refused (a programming error), and a PEM private
 * key inside a string (an error message quoting a file) is replaced by `[redacted]`. Copied only
 * where something was masked: the record itself when nothing was (records are never changed once
 * made). Every entry is scrubbed twice (when the reconcile makes it and when the ledger writes it),
 * and copying a thousand changes each time was most of the 10 to 15 ms between a fresh sync's last
 * write and its exit.
 */
export function scrubRecord<T>(record: T): T {
  return scrub(record, []) as T;
}

/** `path` is the keys down to `value`, joined only when a refusal names it (a record has thousands of strings). */
function scrub(value: unknown, path: (string | number)[]): unknown {
  if (typeof value === 'string')
    return maskSecrets(
      value.includes('-----BEGIN ') ? value.replace(PRIVATE_KEY, '[redacted private key]') : value,
    );
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const item = scrub(value[i], path);
      path.pop();
      if (item !== value[i]) (out ??= [...value])[i] = item;
    }
    return out ?? value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const fields = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (SECRET_KEYS.has(key)) {
      throw new CairnError(
        `refusing to write ${pathText([...path, key])} to the audit log: it may hold secret values`,
        {
          code: 'audit.secret-value',
          phase: 'record',
          subject: 'audit record',
          hint: 'record the object as apiVersion, kind, namespace, name and action only; this is a bug in cairn',
        },
      );
    }
    path.push(key);
    const item = scrub(fields[key], path);
    path.pop();
    if (item !== fields[key]) (out ??= { ...fields })[key] = item;
  }
  return out ?? value;
}

/** `a.b[2].c`, as the refusal names a key. */
function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
