import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { silentLog } from '../../../controller/log';
import { makeSharedJobFolder, shareTree } from '../../../controller/model';
import { renderConfined } from '../../../controller/kube/render/confined-render';
import { renderFolder, type RenderOverrides } from '../../../controller/kube/render/render-folder';
import { nameOf } from '../../helpers/changes';
import {
  binaryProbe,
  kustomizeBinary,
  PRINT_BIN,
  PROBE_OUTPUT,
  TAMPER_WITH_BIN,
  UNVENDORED_CHART,
} from '../../helpers/renderers';
import { processesOf, SIDECAR_SERVER, startRunnerPod, type RunnerPod } from '../../helpers/synth-runner-pod';
import { kubeKit } from '../kube/kube-kit';
import { renderPlatform } from './render-platform';

/**
 * Kustomize and Helm rendered through the sidecar synth runner (`kubernetes.render.isolation: sidecar`):
 * the real `cairn synth-runner` as another uid on its socket (the pod contract's runner), the real
 * kustomize v5.8.2 and helm v3.22, `cairn sync` as a child process, the sandbox's kube-apiserver.
 */
jest.setTimeout(240_000);
const kit = kubeKit('sidecar-render');
const root = mkdtempSync(join(tmpdir(), 'cairn-sidecar-render-'));
let pod: RunnerPod;

beforeAll(async () => {
  // given the runner container of the pod contract: another uid, the pod's group, no credentials
  pod = await startRunnerPod(10015);
});
afterAll(async () => {
  await pod.cleanup();
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const cm = (name: string, data: Record<string, string>) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const SECRET = 'the-controller-secret-5c9e';

// A file the runner's uid may read (in a pod: one of its own container's files), and one of the
// controller's (0600, as its key and config are): the runner's uid cannot read it.
const hostDir = mkdtempSync(join(tmpdir(), 'cairn-sidecar-host-'));
chmodSync(hostDir, 0o755);
const readableFile = join(hostDir, 'readable.yaml');
writeFileSync(readableFile, cm('loot', { s: SECRET }));
chmodSync(readableFile, 0o644);
const privateFile = join(hostDir, 'private.yaml');
writeFileSync(privateFile, cm('loot', { s: SECRET }));
chmodSync(privateFile, 0o600);
afterAll(() => rmSync(hostDir, { recursive: true, force: true }));

/** A relative path from the copy the runner renders (<workRoot>/synth/cairn-render-<random>/src) to `file`. */
const upTo = (file: string) => relative(join(pod.workRoot, 'synth', 'job', 'src'), file);

/** The runner's files left on the shared volume's job folders (the runner empties what it wrote). */
function runnersFiles(): string[] {
  return readdirSync(join(pod.workRoot, 'synth'), { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => statSync(p).uid === pod.uid);
}

describe('rendered folders through the sidecar runner and cairn sync', () => {
  const ns = kit.name('sidecar');
  const p = renderPlatform(join(root, 'platform'), ns);
  const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  kit.track(`/api/v1/namespaces/${ns}`);

  beforeAll(() => {
    // and a Kubernetes-only dev environment whose renders go to the sidecar, its workspaces on the volume
    const config = parse(readFileSync(p.config, 'utf8')) as {
      environments: { kubernetes: Record<string, unknown> }[];
      workspaces?: unknown;
      server?: Record<string, unknown>;
    };
    config.environments[0]!.kubernetes.render = { isolation: 'sidecar', socket: pod.socket };
    config.workspaces = { dir: pod.workRoot };
    config.server = { ...config.server, ...SIDECAR_SERVER };
    writeFileSync(p.config, stringify(config));
  });

  it('applies an overlay and a chart rendered in the runner, each object naming its folder', async () => {
    // given an overlay over a base inside its folder, and a chart with values-dev.yaml
    p.commit('first', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/web/base/kustomization.yaml': stringify({ resources: ['app.yaml'] }),
      'k8s-resources/web/base/app.yaml': cm('app', { mode: 'base' }),
      'k8s-resources/web/kustomization.yaml': stringify({
        resources: ['base'],
        namePrefix: 'dev-',
        patches: [{ patch: cm('app', { mode: 'dev' }) }],
      }),
      'k8s-resources/worker/Chart.yaml': stringify({ apiVersion: 'v2', name: 'worker', version: '0.1.0' }),
      'k8s-resources/worker/values.yaml': stringify({ greeting: 'hello' }),
      'k8s-resources/worker/values-dev.yaml': stringify({ greeting: 'hello-dev' }),
      'k8s-resources/worker/templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\n' +
        '  namespace: {{ .Release.Namespace }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
    });
    const jobsBefore = pod.logs().match(/synth job finished/g)?.length ?? 0;

    // when it is synced
    const { code, entry, stderr } = await p.sync();

    // then both folders were rendered by the runner (one job each) and their objects applied
    expect({ code, failure: entry.failure, stderr: code === 0 ? '' : stderr }).toMatchObject({ code: 0 });
    expect((pod.logs().match(/synth job finished/g)?.length ?? 0) - jobsBefore).toBe(2);
    const changes = entry.changes
      .filter((c) => c.target === 'kubernetes')
      .map((c) => `${nameOf(c)}:${c.action}:${c.file ?? ''}`)
      .sort();
    expect(changes).toEqual(
      [
        `${ns}:created:k8s-resources/ns.yaml`,
        'dev-app:created:k8s-resources/web (kustomize)',
        'worker-settings:created:k8s-resources/worker (helm chart)',
      ].sort(),
    );
    expect((await kit.get(cmPath('dev-app')))?.data).toEqual({ mode: 'dev' });
    expect((await kit.get(cmPath('worker-settings')))?.data).toEqual({ greeting: 'hello-dev' });
    // and nothing of the runner's is left: no process, no file on the volume
    expect(processesOf(pod.uid)).toEqual([pod.child.pid]);
    expect(runnersFiles()).toEqual([]);
  });

  /** The two folders as the first commit has them. */
  const RESTORE = {
    'k8s-resources/web/kustomization.yaml': stringify({
      resources: ['base'],
      namePrefix: 'dev-',
      patches: [{ patch: cm('app', { mode: 'dev' }) }],
    }),
    'k8s-resources/worker/Chart.yaml': stringify({ apiVersion: 'v2', name: 'worker', version: '0.1.0' }),
  };

  it('refuses a kustomization reading outside its folder, and applies nothing of it', async () => {
    // given a commit whose overlay reads a file the runner's uid may read, outside its folder
    p.commit('hostile', {
      'k8s-resources/web/kustomization.yaml': stringify({ resources: ['base', upTo(readableFile)] }),
      'k8s-resources/plain.yaml': cm('plain', { k: 'v' }),
    });

    // when it is synced
    const { code, entry } = await p.sync();

    // then the render fails in the runner, naming the folder, with no secret in the ledger
    expect(code).toBe(1);
    expect(entry.failure).toMatchObject({
      code: 'kube.render-failed',
      subject: 'k8s-resources/web (kustomize)',
    });
    expect(entry.failure?.message).toMatch(/security|restrict|outside|not in or below/i);
    expect(JSON.stringify(entry)).not.toContain(SECRET);
    expect(await kit.get(cmPath('plain'))).toBeUndefined();
    expect(await kit.get(cmPath('loot'))).toBeUndefined();
    p.commit('restore', { ...RESTORE, 'k8s-resources/plain.yaml': null });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a remote base',
      {
        'k8s-resources/web/kustomization.yaml': stringify({
          resources: ['base', 'github.com/acme/infra//base?ref=v1'],
        }),
      },
      /k8s-resources\/web\/kustomization\.yaml.*remote base github\.com\/acme\/infra/s,
    ],
    UNVENDORED_CHART,
  ])('refuses %s before the runner is asked, naming it', async (_what, files, message) => {
    // given a commit with it, and a plain object beside
    p.commit('refused', { ...files, 'k8s-resources/plain.yaml': cm('plain', { k: 'v' }) });
    const jobsBefore = pod.logs().match(/synth job finished/g)?.length ?? 0;

    // when it is synced
    const { code, entry } = await p.sync();

    // then it fails naming the entry, and nothing reached the cluster
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.render-refused');
    expect(`${entry.failure?.subject} ${entry.failure?.message}`).toMatch(message);
    expect(await kit.get(cmPath('plain'))).toBeUndefined();
    // and the refused folder never reached the runner (at most the other folder was rendered)
    expect((pod.logs().match(/synth job finished/g)?.length ?? 0) - jobsBefore).toBeLessThanOrEqual(1);
    p.commit('restore', { ...RESTORE, 'k8s-resources/plain.yaml': null });
  });
});

describe('a kustomization reading outside its folder, rendered by the sidecar runner', () => {
  /** A workspace whose k8s-resources/web reads `resource` (a symlink to `link` beside it). */
  function workspace(name: string, resource: string, link?: string): string {
    const ws = join(root, name);
    const folder = join(ws, 'k8s-resources', 'web');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(ws, 'secret.yaml'), cm('loot', { s: SECRET }));
    if (link) symlinkSync(link, join(folder, 'linked.yaml'));
    writeFileSync(join(folder, 'kustomization.yaml'), stringify({ resources: [resource] }));
    return ws;
  }

  // Read by the runner's uid, the load restrictor alone refuses these.
  const restricted: [string, () => string, string | undefined][] = [
    ['a ../ path', () => upTo(readableFile), undefined],
    ['an absolute path', () => readableFile, undefined],
    ['a symlink out of the folder', () => 'linked.yaml', readableFile],
  ];
  // These are not in the runner's view at all: not in the copy, or not its uid's to read.
  const unseen: [string, () => string, string | undefined][] = [
    ['the checkout beside k8s-resources/', () => '../../secret.yaml', undefined],
    ["a ../ path to the controller's file", () => upTo(privateFile), undefined],
    ["an absolute path to the controller's file", () => privateFile, undefined],
    ["a symlink to the controller's file", () => 'linked.yaml', privateFile],
  ];

  const render = (ws: string, overrides: RenderOverrides = {}) =>
    renderFolder(
      ws,
      'k8s-resources/web',
      'kustomize',
      {
        runner: createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot),
        env: 'dev',
        kustomizePath: kustomizeBinary(),
        log: silentLog(),
      },
      overrides,
    );
  const outcome = (rendered: Promise<string>) =>
    rendered.then(
      (text) => ({ code: 'rendered', message: text }),
      (e: unknown) => e as { code: string; message: string },
    );

  it.each(restricted)('is refused by the load restrictor: %s', async (_name, resource, link) => {
    // given the hostile kustomization, rendered in the runner with the load restrictor on
    const ws = workspace(`restrictor-${_name.replace(/\W+/g, '-')}`, resource(), link);

    // when it is rendered, then kustomize refuses and the secret is not in the error
    const error = await outcome(render(ws));
    expect(error).toMatchObject({ code: 'kube.render-failed' });
    expect(error.message).toMatch(/security|restrict|outside|not in or below/i);
    expect(error.message).not.toContain(SECRET);
  });

  it.each(unseen)(
    'finds nothing in the runner even without the restrictor: %s',
    async (_name, resource, link) => {
      // given the hostile kustomization, rendered in the runner with the load restrictor OFF
      const ws = workspace(`isolation-${_name.replace(/\W+/g, '-')}`, resource(), link);

      // when it is rendered, then the file is not there (a copy of the folder only) or not the runner's to read
      const error = await outcome(render(ws, { loadRestrictor: 'LoadRestrictionsNone' }));
      expect(error).toMatchObject({ code: 'kube.render-failed' });
      expect(error.message).toMatch(
        /no such file|not exist|permission denied|must resolve|evalsymlink|accumulating resources/i,
      );
      expect(error.message).not.toContain(SECRET);
    },
  );
});

describe("the sidecar's output cap", () => {
  /** A job folder on the volume (as the render makes it) and a job writing `bytes` into its output. */
  function job(bytes: number, maxOutputBytes: number) {
    const { root, gid } = makeSharedJobFolder(pod.workRoot, 'cairn-render-', silentLog());
    const out = join(root, 'out');
    const tmp = join(root, 'tmp');
    mkdirSync(out);
    mkdirSync(tmp);
    shareTree(root, gid);
    shareTree(out, gid, true);
    shareTree(tmp, gid, true);
    return {
      root,
      out,
      job: {
        command: `head -c ${bytes} /dev/zero > "$OUT/rendered.yaml"`,
        cwd: tmp,
        env: { PATH: '/usr/bin:/bin', OUT: out },
        readOnly: [],
        writable: [out, tmp],
        output: out,
        maxOutputBytes,
        timeoutMs: 30_000,
      },
    };
  }
  const runner = () => createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot);

  it('copies nothing of an output over the cap, and the runner empties it', async () => {
    // given a job that writes 64 KiB where 16 KiB are allowed
    const { root, out, job: over } = job(64 * 1024, 16 * 1024);

    // when it runs, then it fails saying so, and no copy of the output was made
    await expect(runner().run(over)).rejects.toMatchObject({ code: 'synth.output-too-large' });
    expect(readdirSync(root).sort()).toEqual(['out', 'tmp']);
    expect(readdirSync(out)).toEqual([]);

    // and the runner takes the next job (its slot was released)
    const { job: under } = job(1024, 16 * 1024);
    await expect(runner().run(under)).resolves.toMatchObject({ code: 0 });
    expect(statSync(join(under.output, 'rendered.yaml')).size).toBe(1024);
  });
});

describe('the renderer binary on the volume shared with the runner', () => {
  it('is one copy, named by the binary, that the runner may run but not change', async () => {
    const runner = createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot);
    const probe = binaryProbe(root);
    const run = (command: string) => renderConfined(probe.workspace, runner, probe.job(command), silentLog());
    const first = (await run('echo "$BIN" > "$OUT/rendered.yaml"')).trim();
    // A job (as the runner's uid, in the pod's group) that tries every way to change it.
    await run(TAMPER_WITH_BIN);
    expect((await run(PRINT_BIN)).split('\n').slice(0, 2)).toEqual([first, PROBE_OUTPUT]);
    expect(readFileSync(first, 'utf8')).toBe(readFileSync(probe.tool, 'utf8'));
    expect(first).toMatch(new RegExp(`^${join(pod.workRoot, 'synth')}/cairn-render-bin-[0-9a-f]{32}/tool$`));
    expect([statSync(first).uid, statSync(dirname(first)).uid]).toEqual([
      process.getuid!(),
      process.getuid!(),
    ]);
    expect(statSync(first).mode & 0o777).toBe(0o750);
    // No half-made copy is left beside it.
    expect(
      readdirSync(join(pod.workRoot, 'synth')).filter((n) => n.startsWith('cairn-render-bin-new-')),
    ).toEqual([]);
  });
});
