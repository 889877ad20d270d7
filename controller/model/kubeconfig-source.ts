import type https from 'node:https';
import type * as ClientNode from '@kubernetes/client-node';
import { CairnError, errorMessage, type Phase } from './errors';
import { libraryCredentials, rememberCredentialsOf, type CredentialSource } from './rotating-credentials';
import { rememberSecrets } from './secret-mask';
import { staticKubeconfig } from './static-kubeconfig';

/** A kubeconfig file and context; no file means the default loading rules (KUBECONFIG, ~/.kube/config, in-cluster). */
export interface KubeconfigTarget {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** Whose kubeconfig it is, for its errors: codes `<area>.kubeconfig` and `<area>.credentials`. */
export interface KubeconfigOwner {
  readonly area: 'kube' | 'shard';
  readonly phase: Phase;
  /** The kubeconfig as its errors name it (its path, or which default). */
  readonly subject: string;
  /** The config field that picks the context, for the hint when none is current. */
  readonly contextField: string;
}

/** The cluster a client talks to: its server, the options of each request, and the library's KubeConfig. */
export interface KubeconfigSource extends CredentialSource<https.RequestOptions> {
  readonly server: string;
  /** The library's KubeConfig of the same target, loaded on first call (a Watch needs it). */
  library(): ClientNode.KubeConfig;
}

/**
 * The server and credentials of a target, decided here for every client of a cluster (the
 * apply's and the Lease API's): read directly when its user has static credentials (nothing to
 * rotate, and no half-second load of @kubernetes/client-node, most of a one-shot `cairn sync`'s
 * start); otherwise from the library's KubeConfig, which runs exec plugins and auth providers,
 * kept as `libraryCredentials` says (one fetch for a burst of requests, at most a minute, a
 * failed fetch not kept, fetched anew after a 401).
 */
export function kubeconfigSource(target: KubeconfigTarget, owner: KubeconfigOwner): KubeconfigSource {
  let kc: ClientNode.KubeConfig | undefined;
  const library = (): ClientNode.KubeConfig => (kc ??= libraryKubeconfig(target, owner));
  const fixed = staticKubeconfig(target.kubeconfig, target.context);
  if (fixed) {
    // Read once: static credentials do not rotate, and a request copies what it adds headers to.
    const options = Promise.resolve(rememberCredentialsOf(fixed.options));
    return { server: fixed.server, options: () => options, library };
  }
  const cluster = library().getCurrentCluster();
  if (!cluster) {
    throw new CairnError('the kubeconfig names no current cluster', {
      code: `${owner.area}.kubeconfig`,
      phase: owner.phase,
      subject: owner.subject,
      hint: `set ${owner.contextField} to a context of that kubeconfig`,
    });
  }
  // A plugin's failure quotes its stderr, where it may print what it was given.
  rememberSecrets(pluginSecrets(library()));
  // After a 401 the library's KubeConfig is read anew: its exec authenticator keeps a refused
  // token until the expiry its plugin gave.
  const credentials = libraryCredentials(
    { current: library, reload: () => (kc = undefined) },
    { code: `${owner.area}.credentials`, phase: owner.phase, subject: owner.subject },
  );
  return { server: cluster.server, options: () => credentials.get(), refused: credentials.refused, library };
}

// An exec plugin's environment variable or flag whose name says it holds a secret (not where one
// is: `--token-file`, AWS_WEB_IDENTITY_TOKEN_FILE name a path).
const secretName = (name: string) =>
  /token|secret|password|passwd|credential|api[-_]?key|private[-_]?key/i.test(name) &&
  !/(file|path|dir)$/i.test(name);

/**
 * The secrets a kubeconfig user hands its plugin: the values of its exec plugin's `env` entries and
 * `args` flags (`--token X`, `--token=X`), and of its auth provider's `config` (an OIDC
 * `client-secret`, `refresh-token`), whose names say they are secrets. Only those: masking every
 * argument (`eks`, `get-token`, a cluster name) would hide ordinary words everywhere.
 */
function pluginSecrets(kc: ClientNode.KubeConfig): string[] {
  const user = kc.getCurrentUser();
  const exec = user?.exec as
    | { readonly args?: readonly unknown[]; readonly env?: readonly { name?: unknown; value?: unknown }[] }
    | undefined;
  const provider = Object.entries((user?.authProvider as { config?: object } | undefined)?.config ?? {});
  const configured = provider.flatMap(([name, value]) =>
    typeof value === 'string' && secretName(name) ? [value] : [],
  );
  const env = (exec?.env ?? []).flatMap((e) =>
    typeof e.name === 'string' && typeof e.value === 'string' && secretName(e.name) ? [e.value] : [],
  );
  const args = (exec?.args ?? []).map(String);
  const flags = args.flatMap((arg, i) => {
    const inline = /^(-{1,2}[^=]+)=(.*)$/s.exec(arg);
    if (inline) return secretName(inline[1]!) ? [inline[2]!] : [];
    const next = args[i + 1];
    return /^-{1,2}\S/.test(arg) && secretName(arg) && next !== undefined ? [next] : [];
  });
  return [...env, ...flags, ...configured];
}

function libraryKubeconfig(target: KubeconfigTarget, owner: KubeconfigOwner): ClientNode.KubeConfig {
  // Loaded only here: the library's generated API client is most of its load time.
  const { KubeConfig } = require('@kubernetes/client-node') as typeof ClientNode;
  const kc = new KubeConfig();
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    // errorMessage keeps a YAML error's snippet (the token, the client key) out of the message.
    throw new CairnError(`cannot be read: ${errorMessage(error)}`, {
      code: `${owner.area}.kubeconfig`,
      retryable: true,
      subject: owner.subject,
      hint: 'fix that kubeconfig (kubectl --kubeconfig FILE config view reads it the same way)',
    });
  }
  if (target.context) {
    // Else the library keeps the name and finds no cluster for it: "names no current cluster".
    if (!kc.getContextObject(target.context)) {
      throw new CairnError(`has no context "${target.context}" (${owner.contextField})`, {
        code: `${owner.area}.kubeconfig`,
        phase: owner.phase,
        subject: owner.subject,
        hint: `use one of: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || '(it has none)'
        }`,
      });
    }
    kc.setCurrentContext(target.context);
  }
  return kc;
}
