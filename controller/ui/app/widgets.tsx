import type { ComponentChildren } from 'preact';
import { commitLink, short } from './format';

/** A state or outcome as a coloured badge; the text is the state itself (any string, shown as text). */
export function Badge({ value }: { value: string }) {
  const known = /^[a-z-]+$/.test(value) ? value : 'other';
  return <span class={`badge badge-${known}`}>{value}</span>;
}

/** A sha, linked to the Git host's commit page when there is one. */
export function Sha({ sha, template }: { sha: string | null | undefined; template?: string | undefined }) {
  const link = commitLink(template, sha);
  const text = <code title={sha ?? undefined}>{short(sha)}</code>;
  return link ? (
    <a href={link} rel="noreferrer noopener" target="_blank">
      {text}
    </a>
  ) : (
    text
  );
}

/** A message box for errors and answers of the API. */
export function Notice({ kind, children }: { kind: 'error' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** A table's header row: one column header per name (a false name is a column left out). */
export function Head({ columns }: { columns: readonly (string | false)[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          c === false ? null : (
            <th scope="col" key={c}>
              {c}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
