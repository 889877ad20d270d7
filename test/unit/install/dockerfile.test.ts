import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_KINDS, parseKinds } from '../../../controller/install/kinds';
import { CONTROLLER_UID, installObjects, RUNNER_UID } from '../../../controller/install/manifests';

const root = join(__dirname, '..', '..', '..');

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** The stages of a Dockerfile: continuation lines joined, comments dropped. */
function stagesOf(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      stages.push({ name: m[2] ?? String(stages.length), from: m[1]!, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op: op!.toUpperCase(), args });
  }
  return stages;
}

/** Whether `.dockerignore` keeps `path` in the build context (last matching rule wins, as Docker does). */
function inContext(path: string, rules: readonly string[]): boolean {
  let kept = true;
  for (const raw of rules) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
    const matches =
      pattern === '*' ||
      path === pattern ||
      path.startsWith(`${pattern}/`) ||
      (pattern.startsWith('**/') && path.split('/').includes(pattern.slice(3)));
    if (matches) kept = negate;
  }
  return kept;
}

const stages = stagesOf(readFileSync(join(root, 'controller', 'install', 'Dockerfile'), 'utf8'));
const stage = (name: string): Stage => stages.find((s) => s.name === name)!;
const rules = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const jsonArgs = (s: Stage, op: string): string[] =>
  JSON.parse(s.instructions.find((i) => i.op === op)!.args) as string[];

/** The image can't be built here (no container engine): these checks are what can be proven without one. */
describe('controller/install/Dockerfile', () => {
  it('has a build stage, a runtime stage and the two targets, controller last (the default)', () => {
    expect(stages.map((s) => s.name)).toEqual([
      'build',
      'renderers',
      'runtime',
      'synth-runner',
      'controller',
    ]);
    expect(stage('synth-runner').from).toBe('runtime');
    expect(stage('controller').from).toBe('runtime');
  });

  it('builds and runs on Node 24 LTS, a Node that package.json engines accepts', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.\d+-\S+$/m.exec(
      readFileSync(join(root, 'controller', 'install', 'Dockerfile'), 'utf8'),
    );
    expect(image?.[1]).toBe('24');
    const engines = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toContain('>=24.0.0');
  });

  it('builds with every dependency and ships only production ones', () => {
    const runs = (s: Stage) => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs(stage('build'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']),
    );
    expect(runs(stage('runtime')).join('\n')).toMatch(/npm ci --omit=dev/);
  });

  it('copies only sources that exist and that .dockerignore keeps in the context', () => {
    for (const s of stages) {
      for (const copy of s.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
        const sources = copy.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect([source, existsSync(join(root, source))]).toEqual([source, true]);
          expect([source, inContext(source, rules)]).toEqual([source, true]);
        }
      }
    }
    expect(inContext('node_modules', rules)).toBe(false);
    expect(inContext('.sandbox/pki/ca.key', rules)).toBe(false);
    expect(inContext('.git', rules)).toBe(false);
  });

  it('ships kustomize and helm at the versions the sandbox pins, on PATH', () => {
    const pins = readFileSync(join(root, 'test', 'sandbox', 'versions.env'), 'utf8');
    const pin = (name: string) => new RegExp(`^${name}=(\\S+)`, 'm').exec(pins)?.[1];
    const args = stage('renderers')
      .instructions.filter((i) => i.op === 'ARG')
      .map((i) => i.args);
    expect(args).toEqual([
      `KUSTOMIZE_VERSION=${pin('KUSTOMIZE_VERSION')}`,
      `HELM_VERSION=${pin('HELM_VERSION')}`,
    ]);
    const copy = stage('runtime').instructions.find((i) => i.args.startsWith('--from=renderers'));
    expect(copy?.args).toBe('--from=renderers /out/kustomize /out/helm /usr/local/bin/');
  });

  it('ships python3 to both targets (the runner runs Python apps) and pip to the controller only', () => {
    const installs = (name: string) =>
      stage(name)
        .instructions.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))
        .map((i) => i.args)
        .join(' ');
    expect(installs('runtime')).toMatch(/--no-install-recommends python3( |$)/);
    expect(installs('runtime')).not.toContain('pip');
    expect(installs('synth-runner')).toBe('');
    expect(installs('controller')).toMatch(/ python3-pip( |$)/);
  });

  it('copies from the build stage what npm run build writes there', () => {
    const froms = stages.flatMap((s) =>
      s.instructions.filter((i) => i.op === 'COPY' && i.args.startsWith('--from=build')).map((i) => i.args),
    );
    expect(froms.length).toBeGreaterThan(0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: { build: string };
    };
    // tsc (incremental: -b), with the web UI's type-check, then its bundle (controller/ui/build.ts writes dist/ui).
    expect(pkg.scripts.build).toBe(
      'tsc -b tsconfig.json controller/ui/app/tsconfig.json && tsx controller/ui/build.ts',
    );
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { outDir: string; rootDir: string };
      include: string[];
    };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    for (const args of froms) {
      const [from, source] = args.split(/\s+/);
      expect(from).toBe('--from=build');
      // /src/dist/<folder> in the image is what tsc writes for the source folder <folder>.
      const folder = /^\/src\/dist\/([a-z]+)$/.exec(source!)?.[1];
      const built = folder === 'ui' || (folder !== undefined && tsconfig.include.includes(folder));
      expect([source, built]).toEqual([source, true]);
    }
  });

  it('runs each target as the non-root uid and with the arguments the Deployment gives it', () => {
    const user = (s: Stage) => s.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user(stage('controller'))).toBe(`${CONTROLLER_UID}:${CONTROLLER_UID}`);
    expect(user(stage('synth-runner'))).toBe(`${RUNNER_UID}:${RUNNER_UID}`);
    const entrypoint = jsonArgs(stage('runtime'), 'ENTRYPOINT');
    expect(entrypoint).toEqual(['node', '/opt/cairn/dist/controller/cli/main.js']);
    expect(existsSync(join(root, 'controller', 'cli', 'main.ts'))).toBe(true);
    const deployment = installObjects({
      namespace: 'cairn',
      image: 'c',
      runnerImage: 'r',
      replicas: 1,
      kinds: parseKinds(DEFAULT_KINDS),
      clusterAdmin: false,
      config: '',
      secretEnv: [],
      port: 8080,
      probePort: 8081,
      synthRunner: true,
    }).find((o) => o.kind === 'Deployment') as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const [controller, runner] = deployment.spec.template.spec.containers;
    expect(jsonArgs(stage('controller'), 'CMD')).toEqual(controller!.args);
    expect(jsonArgs(stage('synth-runner'), 'CMD')).toEqual(runner!.args);
  });
});
