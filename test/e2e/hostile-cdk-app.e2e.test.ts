import type { ChildProcess } from 'node:child_process';
import { processesMarked } from '../helpers/processes';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { hostileAppRepo, writeHostileRunConfig } from '../helpers/hostile-app';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

/** The controller's secrets, held in its environment as an operator would. */
const SECRETS = {
  CAIRN_API_TOKEN: 'api-token-Qm7vX2pL9sT4wZ8n',
  CAIRN_WEBHOOK_SECRET: 'webhook-secret-Hk3jR6yB1cF5',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-Vd8eN2qW5tY7uI0oP3aS6',
  GIT_TOKEN: 'git-token-Lx4mC9vB2nZ7',
};

/**
 * An audit entry as the API serves it; the failure is read from `failure` (the model's name) or
 * `error` (the record's older name), so the test holds across that rename.
 */
interface AuditEntry {
  readonly id: string;
  readonly outcome?: string;
  readonly failure?: { readonly phase: string; readonly message: string };
  readonly error?: { readonly phase: string; readonly message: string };
}

function failureOf(entry: AuditEntry): { readonly phase: string; readonly message: string } {
  const failure = entry.failure ?? entry.error;
  if (!failure) throw new Error(`the entry records no failure: ${JSON.stringify(entry)}`);
  return failure;
}

interface HostileReport {
  readonly pids: readonly string[];
  readonly environ: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
  readonly listings: Readonly<Record<string, unknown>>;
  readonly writes: Readonly<Record<string, string>>;
  readonly network: Readonly<Record<string, string>>;
}

/** Every file under `dir`, read as text, for searching. */
function everythingUnder(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

/** A running `cairn run` over a repository whose one branch holds the hostile app. */
interface Scene {
  readonly dir: string;
  readonly auditDir: string;
  readonly workspacesDir: string;
  readonly markFile: string;
  readonly daemonMarker: string;
  readonly writeTargets: readonly string[];
  readonly logs: () => string;
  readonly url: Promise<string>;
  readonly cairn: ChildProcess;
}

function startScene(isolation: 'bubblewrap' | 'none', writeTargets: (dir: string) => string[]): Scene {
  const sandbox = sandboxEnv();
  const id = Math.random().toString(36).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), `cairn-hostile-${id}-`));
  const repo = join(dir, 'platform');
  const auditDir = join(dir, 'audit');
  const workspacesDir = join(dir, 'workspaces');
  const configFile = join(dir, 'cairn.yaml');
  const markFile = `hostile-mark-${id}`;
  const daemonMarker = `HOSTILE_DAEMON_${id}`;
  const targets = writeTargets(dir);
  hostileAppRepo(repo, {
    read: [sandbox.kubernetes.kubeconfig, configFile, join(process.env.HOME ?? '/root', '.kube', 'config')],
    list: [auditDir, workspacesDir, dir],
    write: targets,
    markFile,
    daemonMarker,
    connect: [sandbox.aws.endpoint, sandbox.kubernetes.server, 'http://169.254.169.254/'],
  });
  writeHostileRunConfig(configFile, {
    repo,
    synth: { isolation },
    audit: { dir: auditDir, keyFile: auditKeyFile(dirname(auditDir)) },
    workspacesDir,
  });
  const cairn = startCli(['run', '--config', configFile], {
    ...SECRETS,
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  });
  let logs = '';
  let resolveUrl: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const read = (chunk: Buffer) => {
    logs += chunk.toString();
    const started = /"url":"(http[^"]+)"/.exec(logs);
    if (started) resolveUrl(started[1]!);
  };
  cairn.stdout!.on('data', read);
  cairn.stderr!.on('data', read);
  return {
    dir,
    auditDir,
    workspacesDir,
    markFile,
    daemonMarker,
    writeTargets: targets,
    logs: () => logs,
    url,
    cairn,
  };
}

async function api(url: string, path: string): Promise<string> {
  const res = await fetch(`${url}${path}`, {
    headers: { authorization: `Bearer ${SECRETS.CAIRN_API_TOKEN}` },
  });
  return res.text();
}

/** Waits for the first finished audit entry of the environment, and returns it with every API answer. */
async function firstEntry(scene: Scene): Promise<{ entry: AuditEntry; answers: string }> {
  const url = await scene.url;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const list = JSON.parse(await api(url, '/api/environments/hostile/audit')) as
      AuditEntry[] | { entries?: AuditEntry[] };
    const entries = Array.isArray(list) ? list : (list.entries ?? []);
    const done = entries.find((e) => e.failure ?? e.error);
    if (done) {
      const answers = [
        await api(url, '/api/environments'),
        await api(url, '/api/environments/hostile'),
        await api(url, '/api/environments/hostile/audit'),
        await api(url, `/api/audit/${done.id}`),
        await api(url, '/metrics'),
      ].join('\n');
      return { entry: done, answers };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no finished audit entry in time; logs:\n${scene.logs()}`);
}

async function stop(scene: Scene): Promise<void> {
  if (scene.cairn.exitCode === null) {
    const exited = new Promise((resolve) => scene.cairn.once('exit', resolve));
    scene.cairn.kill('SIGTERM');
    await exited;
  }
}

/** The report the app printed, from the failure message (masked and capped, as recorded). */
function reportIn(message: string): HostileReport {
  const json = /HOSTILE-REPORT (\{.*\})/.exec(message)?.[1];
  if (!json) throw new Error(`the app's report is not in the failure message:\n${message}`);
  return JSON.parse(json) as HostileReport;
}

describe('a hostile CDK app pushed to a watched branch', () => {
  describe('with bubblewrap isolation (the default)', () => {
    let scene: Scene;
    let entry: AuditEntry;
    let answers: string;

    beforeAll(async () => {
      // given cairn running with its secrets in its environment, and a hostile app on the branch
      scene = startScene('bubblewrap', (dir) => [
        join(dir, 'audit'),
        join(dir, 'workspaces'),
        dir,
        join(repoRoot, 'dist'),
        repoRoot,
        '/tmp',
        '.', // its own checkout
      ]);
      // when cairn reconciles the branch and the app runs
      ({ entry, answers } = await firstEntry(scene));
      await stop(scene);
    });

    afterAll(async () => {
      await stop(scene);
      rmSync(scene.dir, { recursive: true, force: true });
    });

    it('fails the synthesize phase with the app’s output in the record', () => {
      const failure = failureOf(entry);
      expect(failure.phase).toBe('synthesize');
      expect(failure.message).toContain('HOSTILE-REPORT');
    });

    it('shows the app only its own processes, none with the controller’s environment', () => {
      const report = reportIn(failureOf(entry).message);
      // The sandbox's PID namespace: bwrap's init, the shell and node; no controller, no jest.
      expect(report.pids.length).toBeLessThanOrEqual(4);
      for (const environ of Object.values(report.environ)) {
        for (const name of Object.keys(SECRETS)) expect(environ).not.toContain(name);
      }
    });

    it('lets the app read none of the controller’s files and write nowhere but its output folder', () => {
      const report = reportIn(failureOf(entry).message);
      expect(Object.keys(report.files).length).toBeGreaterThanOrEqual(3);
      for (const content of Object.values(report.files)) expect(content).toMatch(/^ERR /);
      expect(Object.values(report.writes)).toHaveLength(scene.writeTargets.length);
      // Its /tmp is a private tmpfs that dies with the sandbox: a write there may succeed (when cairn
      // itself lives under /tmp, bwrap makes the mount points of its node_modules on that tmpfs), but
      // never reaches the host, which the checks below prove. Every other write is refused.
      const refused = Object.entries(report.writes).filter(([file]) => !file.startsWith('/tmp/'));
      expect(refused.length).toBeGreaterThan(0);
      for (const [file, result] of refused)
        expect({ file, result }).toEqual({ file, result: expect.stringMatching(/^ERR /) });
      // and on the host, no mark exists in any folder it tried
      for (const dir of scene.writeTargets.filter((d) => d !== '.'))
        expect(existsSync(join(dir, scene.markFile))).toBe(false);
      const marks = readdirSync(scene.dir, { recursive: true, withFileTypes: true }).filter(
        (e) => e.name === scene.markFile,
      );
      expect(marks).toEqual([]);
    });

    it('gives the app no network: not the AWS endpoint, the API server or instance metadata', () => {
      const report = reportIn(failureOf(entry).message);
      expect(Object.keys(report.network)).toHaveLength(3);
      for (const [url, result] of Object.entries(report.network))
        expect({ url, result }).toEqual({ url, result: expect.stringMatching(/^ERR /) });
    });

    it('keeps every secret out of the logs, the audit trail and the API', () => {
      const kubeKey = /client-key-data: (\S{40})/.exec(
        readFileSync(sandboxEnv().kubernetes.kubeconfig, 'utf8'),
      )?.[1];
      const places = {
        logs: scene.logs(),
        audit: everythingUnder(scene.auditDir),
        api: answers,
        entry: JSON.stringify(entry),
      };
      for (const [where, text] of Object.entries(places)) {
        expect(text.length).toBeGreaterThan(0);
        for (const secret of [...Object.values(SECRETS), ...(kubeKey ? [kubeKey] : [])])
          expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
      }
    });

    it('leaves no process of the app behind, not even its setsid daemon', () => {
      expect(processesMarked(scene.daemonMarker)).toEqual([]);
    });
  });

  describe('with isolation none (the explicit opt-out), as a control', () => {
    let scene: Scene;
    let entry: AuditEntry;
    let answers: string;

    beforeAll(async () => {
      // given the same app with isolation switched off, writing only into the test's own folder
      scene = startScene('none', (dir) => [join(dir, 'workspaces')]);
      ({ entry, answers } = await firstEntry(scene));
      await stop(scene);
    });

    afterAll(async () => {
      for (const pid of processesMarked(scene.daemonMarker)) process.kill(pid, 'SIGKILL');
      await stop(scene);
      rmSync(scene.dir, { recursive: true, force: true });
    });

    it('lets the app reach the controller’s environment, which the masking then hides everywhere', () => {
      // then the app found the secrets (proof that the isolated run's checks can fail)...
      const message = failureOf(entry).message;
      expect(message).toContain('CAIRN_API_TOKEN=[masked]');
      // ...and still none of them reached a record, a log line or an answer
      for (const text of [message, scene.logs(), everythingUnder(scene.auditDir), answers])
        for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    });

    it('is announced at start-up as running without isolation', () => {
      expect(scene.logs()).toContain('the CDK app runs without isolation');
    });

    it('lets the app write into cairn’s folders, as the isolated run does not', () => {
      expect(existsSync(join(scene.workspacesDir, scene.markFile))).toBe(true);
    });

    it('still reaps its setsid daemon by its environment marker', () => {
      expect(processesMarked(scene.daemonMarker)).toEqual([]);
    });
  });
});
