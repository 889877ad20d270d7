// The sharding section's defaults: the shard Leases of a sharded controller, or the heartbeat of an unsharded one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseDuration } from '../duration';
import { CairnError } from '../model/errors';
import type { RawConfig } from './raw-config.generated';
import type { ShardingConfig, UnshardedConfig } from './types';

// The service-account namespace file of a pod: the default namespace of the Leases in a cluster.
const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** `sharding` with its defaults, for a config that enables it; refuses one replicas could not share. */
export function shardingConfig(raw: RawConfig, abs: (p: string) => string): ShardingConfig {
  const s = raw.sharding ?? {};
  if ((raw.audit.backend ?? 'jsonl') !== 'dynamodb') {
    throw new CairnError(
      'sharding.enabled needs audit.backend: dynamodb: replicas share one audit ledger, and JSONL files are local to one process (their lock admits one writer)',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.enabled',
        hint: 'set audit.backend: dynamodb with audit.dynamodb { table, region }, or run one replica without sharding',
      },
    );
  }
  const { leaseDurationMs, renewIntervalMs } = leaseTimes(s);
  if (!s.handoffKeyFile === !s.handoffKeyEnv) {
    throw new CairnError(
      'sharding needs exactly one of sharding.handoffKeyFile and sharding.handoffKeyEnv: the key (32+ random bytes) that signs webhooks handed between replicas',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.handoffKeyFile',
        hint: 'make one with `head -c 32 /dev/urandom | base64`, keep it in a Secret, and name it with handoffKeyEnv or handoffKeyFile (never the webhook secret)',
      },
    );
  }
  const port = raw.server?.port ?? 8080;
  const podIp = process.env.POD_IP;
  const advertise = s.advertiseUrl ?? `http://${podIp ? podIpHost(podIp) : '127.0.0.1'}:${port}`;
  return {
    namespace: s.namespace ?? podNamespace() ?? 'default',
    leaseDurationMs,
    renewIntervalMs,
    identity: s.identity ?? `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`,
    ...(s.kubeconfig ? { kubeconfig: abs(s.kubeconfig) } : {}),
    ...(s.context ? { context: s.context } : {}),
    advertiseUrl: advertise.replace(/\/+$/, ''),
    shards: s.shards ?? 16,
    ...(s.handoffKeyFile ? { handoffKeyFile: abs(s.handoffKeyFile) } : {}),
    ...(s.handoffKeyEnv ? { handoffKeyEnv: s.handoffKeyEnv } : {}),
    ...(s.peerUrls ? { peerUrls: s.peerUrls.map((url) => url.replace(/\/+$/, '')) } : {}),
  };
}

/**
 * The Lease timings of `sharding` (shard Leases, and the unsharded heartbeat alike). The write
 * fence closes at 4/5 of the lease duration after the last renewal (see writeDeadlineMs):
 * renewals (with their ±10% jitter) must come well before that.
 */
function leaseTimes(s: NonNullable<RawConfig['sharding']>): {
  leaseDurationMs: number;
  renewIntervalMs: number;
} {
  const leaseDurationMs = parseDuration(s.leaseDuration ?? '15s', 'sharding.leaseDuration');
  const renewIntervalMs = parseDuration(s.renewInterval ?? '5s', 'sharding.renewInterval');
  if (renewIntervalMs <= 0 || renewIntervalMs * 2 > leaseDurationMs) {
    throw new CairnError(
      'sharding.renewInterval must be above 0 and at most half of sharding.leaseDuration',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.renewInterval',
        hint: 'renew about three times per lease duration, e.g. leaseDuration: 15s, renewInterval: 5s',
      },
    );
  }
  return { leaseDurationMs, renewIntervalMs };
}

/** Issue 24: where an unsharded replica keeps its heartbeat Lease (see UnshardedConfig). */
export function unshardedConfig(
  raw: RawConfig,
  abs: (p: string) => string,
  controllerNamespace: string,
): UnshardedConfig {
  const s = raw.sharding ?? {};
  const { leaseDurationMs, renewIntervalMs } = leaseTimes(s);
  return {
    namespace: s.namespace ?? controllerNamespace,
    leaseDurationMs,
    renewIntervalMs,
    ...(s.kubeconfig ? { kubeconfig: abs(s.kubeconfig) } : {}),
    ...(s.context ? { context: s.context } : {}),
  };
}

function podIpHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** The namespace of the pod this process runs in, read from its service account; undefined outside a pod. */
export function podNamespace(): string | undefined {
  try {
    return readFileSync(POD_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
