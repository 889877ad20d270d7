// The defaults of one config section at a time (server, repository and its Git host, audit, an
// environment's onFailure and isolation), which withDefaults assembles; the repository URL's
// readings live here too, as the cross-field checks share them.
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../duration';
import { CairnError } from '../model/errors';
import { DEFAULT_SYNTH_SOCKET, type AwsSynthConfig } from '../model';
import type { RawConfig, RawEnvironment } from './raw-config.generated';
import { DEFAULT_PROBE_PORT, type CairnConfig, type GitHostConfig } from './types';

/**
 * The probe listener's port: the one set; else, where a kubelet can probe (a fixed port on an
 * address beyond loopback, as in a pod), 8081, as controller-runtime's health probes; else none.
 * A server on loopback only (a workstation, a test) is probed by no kubelet, and several of them
 * on one machine must not fight over 8081. Port 0 beside port 0 picks a free one.
 */
export function probePortOf(server: RawConfig['server']): number | undefined {
  if (server?.probePort !== undefined) return server.probePort;
  if (server?.port === 0) return 0;
  const host = server?.host ?? '127.0.0.1';
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return loopback ? undefined : DEFAULT_PROBE_PORT;
}

/** Whether a repository URL names a local path (no scheme, no scp-like `user@host:`). */
export function isLocal(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

/** A file:// URL as the path it names (percent-decoded); any other URL as written. */
export function localPathOf(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return fileURLToPath(url);
  } catch {
    return url; // a file URL with a remote host; checkEnvironments reports it
  }
}

/** The connection and timeout limits, where the file sets them (createServer has the defaults). */
export function serverLimits(server: NonNullable<RawConfig['server']>): Partial<CairnConfig['server']> {
  return {
    ...(server.maxConnections !== undefined ? { maxConnections: server.maxConnections } : {}),
    ...(server.maxConnectionsPerClient !== undefined
      ? { maxConnectionsPerClient: server.maxConnectionsPerClient }
      : {}),
    ...(server.headersTimeout !== undefined
      ? { headersTimeoutMs: parseDuration(server.headersTimeout, 'server.headersTimeout') }
      : {}),
    ...(server.bodyTimeout !== undefined
      ? { bodyTimeoutMs: parseDuration(server.bodyTimeout, 'server.bodyTimeout') }
      : {}),
    ...(server.maxBufferedBodySize !== undefined ? { maxBufferedBodyBytes: server.maxBufferedBodySize } : {}),
  };
}

/**
 * The origin (no credentials) and the repository path of an http(s) or ssh remote:
 * `https://tok@gitea.example:3000/team/app.git` → `https://gitea.example:3000`, `team/app`;
 * `git@github.com:team/app.git` → `https://github.com`, `team/app`. Undefined for a local path.
 */
export function remoteParts(url: string): { readonly origin: string; readonly path: string } | undefined {
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { origin: `https://${scp[1]}`, path: scp[2]!.replace(/\.git$/, '').replace(/^\/+|\/+$/g, '') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'ssh:'].includes(parsed.protocol)) return undefined;
  const path = decodeURIComponent(parsed.pathname)
    .replace(/\.git$/, '')
    .replace(/^\/+|\/+$/g, '');
  if (!path.includes('/')) return undefined;
  const origin =
    parsed.protocol === 'ssh:' ? `https://${parsed.hostname}` : `${parsed.protocol}//${parsed.host}`;
  return { origin, path };
}

/** `repository.host` with apiUrl and repo derived from the repository URL where the file leaves them out. */
export function hostConfig(raw: NonNullable<RawConfig['repository']['host']>, url: string): GitHostConfig {
  const parts = remoteParts(url);
  const derivedApi = (): string => {
    const origin = parts!.origin;
    if (raw.type === 'github')
      return /^https?:\/\/(www\.)?github\.com$/i.test(origin) ? 'https://api.github.com' : `${origin}/api/v3`;
    return `${origin}/api/${raw.type === 'gitea' ? 'v1' : 'v4'}`;
  };
  return {
    type: raw.type,
    // checkEnvironments refused a config whose missing values cannot be derived.
    apiUrl: (raw.apiUrl ?? derivedApi()).replace(/\/+$/, ''),
    tokenEnv: raw.tokenEnv,
    repo: raw.repo ?? parts!.path,
    planForks: raw.planForks ?? false,
    planTimeoutMs: parseDuration(raw.planTimeout ?? '15m', 'repository.host.planTimeout'),
  };
}

/** `audit` with its defaults; refuses a DynamoDB backend without its table, and a witness inside the log's directory. */
export function auditConfig(
  raw: RawConfig['audit'],
  dir: string,
  abs: (p: string) => string,
): CairnConfig['audit'] {
  const backend = raw.backend ?? 'jsonl';
  if (backend === 'dynamodb' && !raw.dynamodb) {
    throw new CairnError('audit.backend is dynamodb but audit.dynamodb (table, region) is missing', {
      code: 'config.invalid',
      phase: 'config',
      subject: 'audit.dynamodb',
      hint: 'add audit.dynamodb: { table: cairn-audit, region: eu-west-1 }',
    });
  }
  const witnessDir = raw.witnessDir ? abs(raw.witnessDir) : `${dir}.witness`;
  if (witnessDir === dir || witnessDir.startsWith(`${dir}/`)) {
    throw new CairnError(
      'audit.witnessDir must be outside audit.dir: a witness beside the log is rewritten with it',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'audit.witnessDir',
      },
    );
  }
  return {
    backend,
    dir,
    witnessDir,
    ...(raw.keyFile ? { keyFile: abs(raw.keyFile) } : {}),
    ...(raw.keyEnv ? { keyEnv: raw.keyEnv } : {}),
    ...(raw.retiredKeys?.length
      ? { retiredKeys: raw.retiredKeys.map((k) => (k.file ? { file: abs(k.file) } : { env: k.env! })) }
      : {}),
    unkeyed: raw.unkeyed ?? false,
    ...(raw.dynamodb ? { dynamodb: raw.dynamodb } : {}),
  };
}

/**
 * `environments[].onFailure` (failure-revert): absent for `none`; `pr` needs a Git host to open
 * the pull request on, and `commit` an unsigned head to be acceptable, so each is refused at load
 * rather than at the first failed release.
 */
export function onFailureOf(
  raw: RawConfig,
  env: RawEnvironment,
  at: string,
): { onFailure?: { readonly revert: 'pr' | 'commit' } } {
  const revert = env.onFailure?.revert ?? 'none';
  if (revert === 'none') return {};
  if (revert === 'pr' && !raw.repository.host) {
    throw new CairnError(`${at}.onFailure.revert is pr but repository.host is not configured`, {
      code: 'config.invalid',
      phase: 'config',
      subject: `${at}.onFailure.revert`,
      hint: 'add repository.host (type and tokenEnv at least) so cairn can open the pull request, or use revert: commit',
    });
  }
  if (revert === 'commit' && raw.repository.verify) {
    // cairn's revert commit is unsigned: pushed onto a branch whose head must be signed, it would
    // be refused as source.unverified, and the failed release would stay applied.
    throw new CairnError(
      `${at}.onFailure.revert is commit but repository.verify is set: cairn's revert commit is not signed, so the environment would refuse it`,
      {
        code: 'config.invalid',
        phase: 'config',
        subject: `${at}.onFailure.revert`,
        hint: 'use revert: pr (merged on the Git host with a signature verify allows), or none',
      },
    );
  }
  return { onFailure: { revert } };
}

/** `aws.synth` or `kubernetes.render` with its defaults: bubblewrap as uid/gid 65534; a sidecar's default socket. */
export function isolationOf(
  raw: {
    readonly isolation?: AwsSynthConfig['isolation'];
    readonly socket?: string;
    readonly uid?: number;
    readonly gid?: number;
  } = {},
): AwsSynthConfig {
  return {
    isolation: raw.isolation ?? 'bubblewrap',
    uid: raw.uid ?? 65534,
    gid: raw.gid ?? 65534,
    ...(raw.isolation === 'sidecar' ? { socket: raw.socket ?? DEFAULT_SYNTH_SOCKET } : {}),
  };
}
