// Reading a manifest's fields as written, without trusting their shape: a committer writes them.

/** A field's value as an object (`{}` when it is anything else). */
export type Fields = Readonly<Record<string, unknown>>;

/** `value` as an object of fields, or `{}` when it is none. */
export function fieldsOf(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** `value` as a list, or `[]` when it is none. */
export function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` as a name, or `?` when it is no string (or an empty one). */
export function nameOf(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : '?';
}
