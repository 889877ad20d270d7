import {
  ADVERTISE_ANNOTATION,
  GROUP_LABEL,
  holderOf,
  KIND_LABEL,
  SHARD_ANNOTATION,
  type Lease,
} from './lease';

/** A MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
export function microTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Who writes a Lease record, and what it says about them. */
export interface RecordWriter {
  readonly identity: string;
  readonly group: string;
  readonly leaseDurationMs: number;
  readonly advertiseUrl: string;
}

/**
 * A Lease held by `w` from `now`: new when `current` is null, else taken over at its
 * resourceVersion. Labels and annotations are ours alone (whatever someone else wrote there is
 * dropped), and only a heartbeat (`replica`) carries the advertised URL; a shard carries its label.
 */
export function heldRecord(
  w: RecordWriter,
  name: string,
  kind: 'shard' | 'replica',
  current: Lease | null,
  now: Date,
  shardLabel?: string,
): Lease {
  const at = microTime(now);
  const ours = current !== null && holderOf(current) === w.identity;
  return {
    metadata: {
      name,
      ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
      labels: { [GROUP_LABEL]: w.group, [KIND_LABEL]: kind },
      annotations:
        kind === 'replica'
          ? { [ADVERTISE_ANNOTATION]: w.advertiseUrl }
          : shardLabel
            ? { [SHARD_ANNOTATION]: shardLabel }
            : {},
    },
    spec: {
      holderIdentity: w.identity,
      leaseDurationSeconds: Math.ceil(w.leaseDurationMs / 1000),
      acquireTime: ours ? (current.spec.acquireTime ?? at) : at,
      renewTime: at,
      leaseTransitions: (current?.spec.leaseTransitions ?? 0) + (ours || current === null ? 0 : 1),
    },
  };
}
