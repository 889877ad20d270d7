import type { AwsSynthConfig, AwsTargetConfig } from '../model';

export type { AwsSynthConfig, AwsTargetConfig } from '../model';

/**
 * The controller's configuration after loading: validated against
 * manifests-schema/cairn-config.schema.json, defaults filled in, durations in milliseconds,
 * relative paths resolved against the config file's folder. Secrets are never here: only the
 * names of the environment variables that hold them.
 */
export interface CairnConfig {
  /** Absolute path of the file this was loaded from. */
  readonly file: string;
  readonly repository: RepositoryConfig;
  readonly environments: readonly EnvironmentConfig[];
  readonly audit: AuditConfig;
  readonly server: ServerConfig;
  readonly workspaces: WorkspacesConfig;
  /** How reconciles share the process; absent in hand-made configs (tests): no limit. */
  readonly reconcile?: ReconcileConfig;
  /** Present when `sharding.enabled`: environments are shared between replicas through Leases. */
  readonly sharding?: ShardingConfig;
  /** Present when sharding is not enabled: where the one unsharded replica keeps its heartbeat Lease. */
  readonly unsharded?: UnshardedConfig;
  readonly kubernetes: CairnKubernetesConfig;
  /** day-two: where a message goes per event; absent or empty: no notifications. */
  readonly notifications?: readonly NotificationConfig[];
  /** day-two: where traces go; absent: no traces are sent. */
  readonly telemetry?: TelemetryConfig;
}

/** `telemetry`: OpenTelemetry export (traces over OTLP/HTTP, JSON encoding). */
export interface TelemetryConfig {
  /** The collector's OTLP/HTTP base URL, no trailing slash; traces go to `<otlpEndpoint>/v1/traces`. */
  readonly otlpEndpoint: string;
}

/** The events a notification receiver can ask for. */
export type NotificationEvent =
  'failed' | 'stalled' | 'recovered' | 'applied' | 'drift-repaired' | 'suspended';

/** One receiver of notifications (`notifications[]`). */
export interface NotificationConfig {
  readonly name: string;
  readonly type: 'slack' | 'webhook';
  /** The environment variable holding the URL (a Slack webhook URL is a secret). */
  readonly urlEnv: string;
  /** webhook: the environment variable holding the HMAC signing secret. */
  readonly secretEnv?: string;
  readonly events: readonly NotificationEvent[];
  /** Only these environments; absent: all. */
  readonly environments?: readonly string[];
}

export interface RepositoryConfig {
  /** HTTPS URL, file:// URL, or local path (resolved to absolute). */
  readonly url: string;
  /** `isomorphic` (pure JavaScript, the default) or `native` (the git binary). */
  readonly backend: 'isomorphic' | 'native';
  readonly pollIntervalMs: number;
  /** When set, an environment without `branch` uses `${branchPrefix}${name}`. */
  readonly branchPrefix?: string;
  readonly auth?: RepositoryAuth;
  /** For a local path: watch its refs with chokidar and fetch at once when they move. */
  readonly watch: boolean;
  /** The Git host cairn posts commit statuses and plan comments to; absent when none is configured. */
  readonly host?: GitHostConfig;
  /** Signed commits: present when `repository.verify` is set. */
  readonly verify?: CommitVerifyConfig;
}

/** Which commits must be signed, and by whom (config `repository.verify`). */
export interface CommitVerifyConfig {
  /** `head`: every environment's head and every pull request's head. */
  readonly mode: 'head';
  /** Absolute path of the allowed signers: SSH allowed-signers lines and/or armored OpenPGP public keys. */
  readonly allowedSigners: string;
}

/** The Git host of the repository, with every default filled in. */
export interface GitHostConfig {
  readonly type: 'gitea' | 'github' | 'gitlab';
  /** Base URL of the REST API, without a trailing slash (`https://api.github.com`, `<origin>/api/v1`). */
  readonly apiUrl: string;
  /** Name of the environment variable holding the API token. */
  readonly tokenEnv: string;
  /** `owner/name`, or the project's full path on GitLab. */
  readonly repo: string;
  /** Plan pull requests whose head lives in a fork (environments without `pullRequests.planForks`). */
  readonly planForks: boolean;
  /** The deadline of one pull request's plan (environments without `pullRequests.planTimeout`). */
  readonly planTimeoutMs: number;
}

export interface RepositoryAuth {
  /** Name of the environment variable holding an HTTPS token. */
  readonly tokenEnv?: string;
  /** User name sent with the token (default `x-access-token`). */
  readonly username?: string;
  /** SSH private key path, native backend only. */
  readonly sshKeyPath?: string;
}

export type ApplyOrder = 'aws-first' | 'kubernetes-first';

export interface EnvironmentConfig {
  readonly name: string;
  /**
   * An explicit identity; without it the identity is the repository plus the name. It names the
   * Kubernetes inventory and the owner mark on every object and stack.
   */
  readonly instance?: string;
  readonly branch: string;
  readonly order: ApplyOrder;
  /** How often an unchanged revision is re-planned against the cluster to find drift. 0 disables. */
  readonly driftIntervalMs: number;
  /** A promotion gate: apply a commit only once its trees were healthy on `after` for `healthyForMs`. */
  readonly promotion?: PromotionGate;
  /** What a terminal failure in apply or verify that changed something leads to; absent: nothing (`none`). */
  readonly onFailure?: { readonly revert: 'pr' | 'commit' };
  /** `pullRequests`: what this environment decides for its pull requests' plans; absent: `repository.host` decides. */
  readonly pullRequests?: PullRequestPlanConfig;
  readonly aws?: AwsTargetConfig;
  readonly kubernetes?: KubernetesTargetConfig;
}

/** `environments[].pullRequests`: each field overrides `repository.host`'s of the same name. */
export interface PullRequestPlanConfig {
  readonly planForks?: boolean;
  readonly planTimeoutMs?: number;
}

/** `environments[].promotion`: the environment whose healthy release of the same trees gates this one's. */
export interface PromotionGate {
  readonly after: string;
  readonly healthyForMs: number;
}

export interface KubernetesTargetConfig {
  /** Absolute kubeconfig path; absent means the default loading rules (KUBECONFIG, ~/.kube/config, in-cluster). */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Namespace given to namespaced objects that name none. */
  readonly namespace: string;
  /** Take ownership of fields another field manager owns. */
  readonly forceConflicts: boolean;
  /** Largest share of the inventory one commit may prune without `allowMassPrune`. */
  readonly pruneMaxShare: number;
  readonly allowMassPrune: boolean;
  readonly healthTimeoutMs: number;
  readonly concurrency: number;
  /** Objects marked with another environment's owner id that may be applied: all (true), none, or these ids. */
  readonly adopt: boolean | readonly string[];
  /** Largest total size of the files under k8s-resources/. */
  readonly maxManifestBytes: number;
  /** `kubernetes.render`: where kustomize and helm run; absent: as the environment's `aws.synth`, else bubblewrap. */
  readonly render?: AwsSynthConfig;
  /** Take over live objects without a cairn owner mark (else refused as `kube.unowned`). */
  readonly adoptUnowned?: boolean;
  /** The namespaces (names or `*` globs) this environment may write; absent: its namespace plus its tree's Namespaces. */
  readonly namespaces?: readonly string[];
  /** The cluster-scoped kinds (`Kind` or `group/Kind`) this environment may write (absent: `Namespace`). */
  readonly clusterResources?: readonly string[];
  /** May write cluster policy even in listed kinds (admission, aggregation, reserved Namespace labels); default false. */
  readonly allowClusterPolicy?: boolean;
  /** `namespace/name` of the ServiceAccount impersonated for this environment's objects. */
  readonly serviceAccount?: string;
  /** Cluster-wide credential holders of shared operators (`ClusterSecretStore/name`, `ClusterIssuer/name`, ...) its objects may use; absent: none. */
  readonly sharedCredentials?: readonly string[];
  /** The cluster's DNS domain, which Service and pod names end in; absent: `cluster.local`. */
  readonly clusterDomain?: string;
  /** Host names (or `*.domain`) its Ingresses, Gateway API objects and other controllers' routes may claim; absent: unchecked. */
  readonly hosts?: readonly string[];
  /**
   * This environment's name, and what the config gives every environment (resolved once at load,
   * shared by all): the namespaces and hosts of the others, which it may not take when it lists
   * none of its own. Absent when no other environment has a kubernetes section.
   */
  readonly claims?: { readonly env: string; readonly config: ConfigClaims };
  /**
   * Namespaces refused whatever `namespaces` says: kube-system, kube-public, kube-node-lease, cairn's
   * own (`kubernetes.controllerNamespace`) and the sharding namespace (resolved at load).
   */
  readonly refusedNamespaces?: readonly string[];
}

/** Namespaces no environment may write, whatever its config says. */
export const ALWAYS_REFUSED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** Top-level settings of cairn's own Kubernetes identity. */
export interface CairnKubernetesConfig {
  /** Every environment with kubernetes must name a serviceAccount. */
  readonly requireServiceAccount: boolean;
  /** cairn's own namespace: the pod's namespace file, else `cairn`. */
  readonly controllerNamespace: string;
  /** `kubernetes.kustomize.path`: the kustomize binary; absent means kustomize on PATH. */
  readonly kustomizePath?: string;
  /** `kubernetes.helm.path`: the helm binary; absent means helm on PATH. */
  readonly helmPath?: string;
}

/** Where the audit trail lives and how it is protected (see docs/audit-trail.md). */
export interface AuditConfig {
  readonly backend: 'jsonl' | 'dynamodb';
  /** The JSONL folder (also the lock's); for DynamoDB only the default of workspaces.dir derives from it. */
  readonly dir: string;
  /** JSONL: the folder, outside `dir`, where each chain's head is witnessed. */
  readonly witnessDir: string;
  readonly keyFile?: string;
  readonly keyEnv?: string;
  /** Keys used before a rotation: they verify the records written under them, never sign. */
  readonly retiredKeys?: readonly RetiredKeySource[];
  /** Explicitly accepts plain SHA-256 chains without a key. */
  readonly unkeyed: boolean;
  readonly dynamodb?: AuditDynamoDbConfig;
}

/** Where one retired audit key is read from: a file (absolute once loaded) or a variable. */
export type RetiredKeySource = { readonly file: string } | { readonly env: string };

/** The DynamoDB table of the shared ledger. */
export interface AuditDynamoDbConfig {
  readonly table: string;
  readonly region: string;
  readonly endpoint?: string;
}

/**
 * `server.probePort` when the file sets none and the server listens beyond loopback on a fixed
 * port, as in a pod: controller-runtime's health probe port. The config loader and the install's
 * probes both take it from here, so the probes always knock where the listener is.
 */
export const DEFAULT_PROBE_PORT = 8081;

export interface ServerConfig {
  readonly port: number;
  /**
   * The probe listener's port (`/healthz` and `/readyz` only, caps of its own); 0 picks a free one.
   * Absent: no probe listener (createServer's callers in tests); the config file's default is 8081.
   */
  readonly probePort?: number;
  /** Where to listen; with no API token configured the server listens on 127.0.0.1 whatever this says. */
  readonly host: string;
  readonly webhookSecretEnv?: string;
  /** During a rotation: the former webhook secret, still accepted after the current one. */
  readonly previousWebhookSecretEnv?: string;
  /** Shorthand for one API token with both scopes, read from this environment variable. */
  readonly apiTokenEnv?: string;
  /** API tokens, each from an environment variable or a file, with its scopes. */
  readonly apiTokens?: readonly ApiTokenConfig[];
  readonly maxBodyBytes: number;
  /** Open connections at most (default 256). */
  readonly maxConnections?: number;
  /**
   * Open connections per client at most (default 32): per address, an IPv6 address's /64 counting
   * as one (one host is given a whole /64), and every loopback peer as one with `loopbackIsOneClient`.
   */
  readonly maxConnectionsPerClient?: number;
  /**
   * Set by load-config when repository code runs in a sidecar runner, which shares the pod's
   * network namespace: every 127/8 address is then the jobs' to connect from, and counting each as
   * a client of its own let one job hold every connection of the port (8 addresses of 32). Not a
   * config file field.
   */
  readonly loopbackIsOneClient?: boolean;
  /** Time allowed to receive a request's headers (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive a request's body once its headers are in (default 10 s). */
  readonly bodyTimeoutMs?: number;
  /** Bytes of request bodies over 64 KiB held at once across all connections (default 16 MiB). */
  readonly maxBufferedBodyBytes?: number;
  /** Where people reach cairn's API, without a trailing slash; commit statuses link to its audit entries. */
  readonly publicUrl?: string;
  /**
   * `/metrics` needs a bearer token with the `read` scope, and `/readyz` names no environment
   * (default false: both open). The operator's statement that the port is reached by people who
   * may not read what cairn keeps.
   */
  readonly metricsAuth?: boolean;
  /** web-ui: serve the web UI under `/` (absent or true: served; false serves no page). */
  readonly ui?: boolean;
}

/** What an API token may do: `read` the API (GET), `sync` (POST .../sync). */
export type ApiScope = 'read' | 'sync';

/** One API token: where its value is read (exactly one of `env` and `file`), and its scopes. */
export interface ApiTokenConfig {
  /** Name of the environment variable holding the token. */
  readonly env?: string;
  /** Absolute path of a file holding the token (a trailing newline is ignored). */
  readonly file?: string;
  readonly scopes: readonly ApiScope[];
}

/** How reconciles share the process. */
export interface ReconcileConfig {
  /** Reconciles running at once across all environments. */
  readonly maxConcurrent: number;
}

export interface WorkspacesConfig {
  /** Where checkouts and the git cache live. */
  readonly dir: string;
  /** Checkouts kept per environment. */
  readonly keep: number;
  /** A file larger than this in a checkout is refused. */
  readonly maxFileBytes: number;
}

/**
 * The heartbeat Lease of an unsharded replica (issue 24): `sharding.namespace`, else
 * `kubernetes.controllerNamespace`; `sharding.kubeconfig`/`context` and the lease timings apply
 * even with `sharding.enabled: false`. See controller/shard/unsharded-guard.ts.
 */
export interface UnshardedConfig {
  readonly namespace: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  /** Absolute kubeconfig path; absent means the default loading rules (in-cluster in a pod). */
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** How replicas share the environments (config `sharding`, only when enabled); see controller/shard. */
export interface ShardingConfig {
  /** Namespace of the Leases. */
  readonly namespace: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  /** This replica's holderIdentity; unique per running process. */
  readonly identity: string;
  /** Absolute kubeconfig path of the Leases' cluster; absent means the default loading rules. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Where the other replicas reach this one (webhook handoff), without a trailing slash. */
  readonly advertiseUrl: string;
  /** How many shards the environments are hashed into (default 16). */
  readonly shards: number;
  /** Where the handoff key is read (exactly one is set; absolute file path). */
  readonly handoffKeyFile?: string;
  readonly handoffKeyEnv?: string;
  /** When set, the only handoff targets (without trailing slashes). */
  readonly peerUrls?: readonly string[];
}

/**
 * The namespaces (`kubernetes.namespace`, or `default`, and `kubernetes.namespaces`) and hosts
 * (`kubernetes.hosts`) each environment of a config is given, by environment: one object for the
 * whole config, so that a thousand environments hold one copy, not a thousand.
 */
export interface ConfigClaims {
  /** Exact namespace names, each with the environments given it. */
  readonly namespaces: ReadonlyMap<string, readonly string[]>;
  /** `kubernetes.namespaces` entries with a `*`. */
  readonly namespaceGlobs: readonly { readonly env: string; readonly glob: string }[];
  readonly hosts: readonly { readonly env: string; readonly host: string }[];
}
