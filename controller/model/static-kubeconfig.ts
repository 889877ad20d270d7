import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { jsYaml } from './js-yaml';

/**
 * The cluster and credentials of a kubeconfig whose user needs no plugin: what `KubeConfig`
 * (@kubernetes/client-node) would give for it, read without loading that library.
 */
export interface StaticKubeconfig {
  readonly server: string;
  /** The TLS material and headers `KubeConfig.applyToHTTPSOptions` sets for the same user. */
  readonly options: https.RequestOptions;
}

type Entry = Readonly<Record<string, unknown>>;

// Users with these keys authenticate through one of the library's authenticators (exec plugins,
// OIDC, cloud providers, token files it re-reads): those stay with the library.
const PLUGIN_KEYS = ['exec', 'auth-provider', 'tokenFile'];

/** The files KUBECONFIG lists, in order (none when it is unset or empty). */
function kubeconfigEnv(): string[] {
  return (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f.length > 0);
}

/** ~/.kube/config when it exists. */
function homeKubeconfig(): string | undefined {
  const inHome = join(process.env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(inHome) ? inHome : undefined;
}

/**
 * The kubeconfig file the library's `loadFromFile` / `loadFromDefault` would read, when it is one
 * file: `file` itself, the only entry of KUBECONFIG, or ~/.kube/config. Undefined for the cases
 * the library resolves itself (several KUBECONFIG files to merge, in-cluster, none).
 */
function kubeconfigFile(file: string | undefined): string | undefined {
  if (file) return file;
  const fromEnv = kubeconfigEnv();
  if (fromEnv.length > 1) return undefined;
  return fromEnv[0] ?? homeKubeconfig();
}

/**
 * Whether the library's default loading rules would find any cluster: KUBECONFIG, ~/.kube/config,
 * or a pod's in-cluster service account. When none is there, the library would only fall back to
 * http://localhost:8080, so a caller may say "no cluster" without loading it.
 */
export function defaultKubeconfigExists(): boolean {
  return (
    kubeconfigEnv().length > 0 ||
    Boolean(process.env.KUBERNETES_SERVICE_HOST) ||
    homeKubeconfig() !== undefined
  );
}

function named(list: unknown, name: unknown): Entry | undefined {
  if (!Array.isArray(list) || typeof name !== 'string') return undefined;
  const found = (list as unknown[]).find(
    (e): e is Entry => typeof e === 'object' && e !== null && (e as Entry).name === name,
  );
  return found;
}

// The library refuses a kubeconfig with any malformed entry (throw on invalid): leave those to it,
// so its error is the one the user sees.
function wellFormed(doc: Entry): boolean {
  const all = (list: unknown, ok: (e: Entry) => boolean) =>
    !Array.isArray(list) ||
    (list as unknown[]).every((e) => typeof e === 'object' && e !== null && ok(e as Entry));
  return (
    all(doc.clusters, (e) => Boolean(e.name) && Boolean(section(e, 'cluster')?.server)) &&
    all(doc.contexts, (e) => Boolean(e.name) && Boolean(section(e, 'context')?.cluster)) &&
    all(doc.users, (e) => Boolean(e.name))
  );
}

function section(entry: Entry | undefined, key: string): Entry | undefined {
  const value = entry?.[key];
  return typeof value === 'object' && value !== null ? (value as Entry) : undefined;
}

function text(entry: Entry, key: string): string | undefined {
  const value = entry[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A file (relative to the kubeconfig's folder, as the library resolves it) or base64 data. */
function material(entry: Entry, fileKey: string, dataKey: string, root: string): Buffer | undefined {
  const file = text(entry, fileKey);
  if (file) return readFileSync(isAbsolute(file) ? file : join(root, file));
  const data = text(entry, dataKey);
  return data ? Buffer.from(data, 'base64') : undefined;
}

/**
 * Reads a kubeconfig whose current (or `context`) user has static credentials (client certificate,
 * bearer token, basic auth) and returns its server and request options; undefined whenever the
 * library is needed to answer the same (a plugin user, merged or in-cluster config, or anything
 * unexpected, so the library's own error names the problem). The library costs about half a
 * second to load, most of a one-shot `cairn sync`'s start.
 */
export function staticKubeconfig(file: string | undefined, context?: string): StaticKubeconfig | undefined {
  const path = kubeconfigFile(file);
  if (!path) return undefined;
  let doc: Entry;
  try {
    // js-yaml's default schema, as the library reads a kubeconfig.
    const parsed: unknown = jsYaml.load(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    doc = parsed as Entry;
  } catch {
    return undefined;
  }
  if (!wellFormed(doc)) return undefined;
  const ctx = section(named(doc.contexts, context ?? doc['current-context']), 'context');
  const cluster = section(named(doc.clusters, ctx?.cluster), 'cluster');
  const user = section(named(doc.users, ctx?.user), 'user');
  const server = cluster && text(cluster, 'server');
  if (!server || !user || PLUGIN_KEYS.some((k) => user[k] !== undefined)) return undefined;
  try {
    return { server: server.replace(/\/$/, ''), options: requestOptions(cluster, user, dirname(path)) };
  } catch {
    // A certificate or token file that cannot be read: the library reports it, as before.
    return undefined;
  }
}

/** What `applyToHTTPSOptions` sets for a user without plugins; throws when a named file cannot be read. */
function requestOptions(cluster: Entry, user: Entry, root: string): https.RequestOptions {
  const options: https.RequestOptions = { headers: {} };
  const headers = options.headers as Record<string, string>;
  if (cluster['insecure-skip-tls-verify'] === true) options.rejectUnauthorized = false;
  const servername = text(cluster, 'tls-server-name');
  if (servername) options.servername = servername;
  const ca = material(cluster, 'certificate-authority', 'certificate-authority-data', root);
  if (ca) options.ca = ca;
  const cert = material(user, 'client-certificate', 'client-certificate-data', root);
  if (cert) options.cert = cert;
  const key = material(user, 'client-key', 'client-key-data', root);
  if (key) options.key = key;
  const as = text(user, 'as');
  if (as) headers['Impersonate-User'] = as;
  const token =
    text(user, 'token') ??
    (text(user, 'token-file') ? readFileSync(text(user, 'token-file')!).toString() : undefined);
  if (token) headers.Authorization = `Bearer ${token}`;
  const username = text(user, 'username');
  if (username) options.auth = `${username}:${String(user.password)}`;
  return options;
}
