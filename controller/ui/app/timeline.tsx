import type { AuditEntry } from '../../model/pipeline';
import { duration } from './format';

/**
 * The phases of an entry as bars on one time axis (each placed at its start, as long as it
 * took), with the same figures as text for screen readers and copying. Widths are set through
 * the style object (CSSOM), which the strict CSP allows, never through a style attribute.
 */
export function Timeline({ entry }: { entry: AuditEntry }) {
  const start = Date.parse(entry.startedAt);
  const total = Math.max(1, Date.parse(entry.finishedAt) - start);
  if (entry.phases.length === 0) return <p class="sub">No phase was timed.</p>;
  return (
    <ol class="timeline">
      {entry.phases.map((p) => {
        const left = Math.min(100, Math.max(0, ((Date.parse(p.startedAt) - start) / total) * 100));
        const width = Math.max(0.5, Math.min(100 - left, (p.durationMs / total) * 100));
        return (
          <li key={`${p.name}-${p.startedAt}`}>
            <span class="phase-name">{p.name}</span>
            <span class="track" aria-hidden="true">
              <span class={`bar bar-${p.name}`} style={{ marginLeft: `${left}%`, width: `${width}%` }} />
            </span>
            <span class="phase-time">{duration(p.durationMs)}</span>
          </li>
        );
      })}
    </ol>
  );
}
