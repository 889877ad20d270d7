import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { bubblewrapRunner } from '../../cdk/synth/bubblewrap-runner';
import { packageRoot } from '../../controller/package-root';

/** One thing the demo needs that this machine lacks, and the command that fixes it. */
export interface Missing {
  readonly what: string;
  readonly why: string;
  readonly fix: string;
}

/** What the caller is going to start: Gitea is the only part that needs a C compiler. */
export interface PreflightNeeds {
  readonly gitea: boolean;
}

// Generous: on a loaded two-core machine a Python start alone took over 3 s.
const PROBE_TIMEOUT_MS = 8_000;

/** Whether `name` is an executable on PATH (looked up the way a shell would, without starting one). */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** The install command for system packages on this machine's package manager. */
function install(apt: string, dnf = apt): string {
  if (onPath('apt-get')) return `sudo apt-get install -y ${apt}`;
  if (onPath('dnf')) return `sudo dnf install -y ${dnf}`;
  if (onPath('apk')) return `sudo apk add ${apt}`;
  return `install ${apt} with your system's package manager`;
}

function probe(file: string, args: readonly string[]): { ok: boolean; code: number | null; out: string } {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  return {
    ok: result.status === 0,
    code: result.status,
    out: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(),
  };
}

/** The sandbox binaries the demo runs, all present in the cache (then Go is not needed). */
function demoBinariesBuilt(): boolean {
  const versions = readFileSync(join(packageRoot(), 'test', 'sandbox', 'versions.env'), 'utf8');
  const pin = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(versions)?.[1] ?? '?';
  const cache = process.env.CAIRN_CACHE_DIR ?? join(homedir(), '.cache', 'cairn');
  const k8s = pin('KUBERNETES_VERSION');
  return [
    `bin/etcd-${pin('ETCD_VERSION')}`,
    `bin/kube-apiserver-${k8s}`,
    `bin/kube-controller-manager-${k8s}`,
    `bin/kube-scheduler-${k8s}`,
    `bin/kwok-${pin('KWOK_VERSION')}`,
    `kwok-stages-${pin('KWOK_VERSION')}/pod-ready.yaml`,
    // The example platform renders a Kustomize overlay and a Helm chart.
    `bin/helm-${pin('HELM_VERSION')}`,
    `bin/kustomize-${pin('KUSTOMIZE_VERSION')}`,
  ].every((file) => existsSync(join(cache, file)));
}

function checkGo(): Missing | undefined {
  if (demoBinariesBuilt()) return undefined;
  const why =
    'builds etcd, the Kubernetes control plane, kwok, helm and kustomize from the Go module proxy (once, then cached)';
  const fix =
    'curl -fsSL https://go.dev/dl/go1.26.0.linux-amd64.tar.gz | sudo tar -C /usr/local -xz && export PATH=$PATH:/usr/local/go/bin';
  if (!onPath('go')) return { what: 'Go 1.26 or newer', why, fix };
  const version = /go1\.(\d+)/.exec(probe('go', ['version']).out);
  if (version && Number(version[1]) >= 26) return undefined;
  return { what: `Go 1.26 or newer (found ${version?.[0] ?? 'an unreadable version'})`, why, fix };
}

function checkPython(): Missing | undefined {
  if (!onPath('python3'))
    return {
      what: 'Python 3',
      why: 'runs moto_server, the sandbox AWS',
      fix: install('python3 python3-pip'),
    };
  // One Python start (seconds on a busy machine): find_spec looks the modules up without importing
  // them (importing moto takes seconds); pip is enough, since sandbox.sh installs moto[server] itself.
  const found = probe('python3', [
    '-c',
    'import importlib.util as u, sys\nif all(u.find_spec(m) for m in ("moto", "flask", "flask_cors")): sys.exit(0)\nsys.exit(4 if u.find_spec("pip") else 1)',
  ]);
  if ((found.ok && onPath('moto_server')) || found.code === 4) return undefined;
  return {
    what: 'moto[server] (or pip to install it)',
    why: 'moto_server is the sandbox AWS (CloudFormation, S3, SQS, DynamoDB)',
    fix: `${install('python3-pip')} && python3 -m pip install 'moto[server]>=5,<6'`,
  };
}

async function checkBubblewrap(): Promise<Missing | undefined> {
  const why = 'the CDK app of each environment runs isolated in bubblewrap (no network, no controller files)';
  if (!onPath('bwrap')) return { what: 'bubblewrap (bwrap)', why, fix: install('bubblewrap') };
  const reason = await bubblewrapRunner().unavailable();
  if (!reason) return undefined;
  return {
    what: 'user namespaces for bubblewrap',
    why: `${why}; bwrap is installed but ${reason}`,
    fix: 'sudo sysctl -w user.max_user_namespaces=15000 kernel.unprivileged_userns_clone=1 (Ubuntu 24.04 and later also: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)',
  };
}

/**
 * Everything the demo needs before it builds or starts anything: each missing part with why it is
 * needed and the exact command that fixes it. Quick (a few short probes), so a machine that lacks
 * something hears so at once instead of after a build or a silent wait.
 */
export async function preflight(needs: PreflightNeeds): Promise<readonly Missing[]> {
  const missing: (Missing | undefined)[] = [];
  if (!onPath('git')) missing.push({ what: 'git', why: 'the platform repository', fix: install('git') });
  for (const [tool, pkg] of [
    ['openssl', 'openssl'],
    ['curl', 'curl'],
    ['flock', 'util-linux'],
    ['setsid', 'util-linux'],
  ] as const) {
    if (!onPath(tool))
      missing.push({ what: tool, why: 'test/sandbox/sandbox.sh uses it', fix: install(pkg) });
  }
  missing.push(checkGo());
  if (needs.gitea && !onPath('gcc') && !onPath('cc'))
    missing.push({
      what: 'a C compiler',
      why: "Gitea's sqlite driver is built with CGO",
      fix: install('gcc libc6-dev', 'gcc glibc-devel'),
    });
  missing.push(checkPython());
  missing.push(await checkBubblewrap());
  return missing.filter((m): m is Missing => m !== undefined);
}

/** The report a person reads: one block per missing part. */
export function renderMissing(missing: readonly Missing[]): string {
  const lines = [`The demo cannot start: ${missing.length} thing(s) missing on this machine.`];
  for (const m of missing) lines.push('', `✗ ${m.what}: ${m.why}`, `  fix: ${m.fix}`);
  lines.push('', 'Then run `npm run demo` again.');
  return `${lines.join('\n')}\n`;
}
