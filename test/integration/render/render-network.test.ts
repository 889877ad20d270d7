import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { silentLog } from '../../../controller/log';
import { renderFolder } from '../../../controller/kube/render/render-folder';
import type { RendererKind } from '../../../controller/kube/render/types';
import { craftedTgz, paxRecords } from '../../helpers/crafted-tar';
import { helmBinary } from '../../helpers/helm';
import { kustomizeBinary } from '../../helpers/renderers';
import { startRunnerPod, type RunnerPod } from '../../helpers/synth-runner-pod';

/**
 * Renders that ask the renderer to fetch a URL, through the sidecar runner (the real
 * `cairn synth-runner` as another uid, which shares the pod's network: here, the host's loopback),
 * with the real kustomize v5.8.2 and helm v3.22. Found in review: kustomize's file loader fetches
 * any http(s) path (generator files, patches, openapi, crds, replacements...), load restrictor or
 * not, so a commit could put what a loopback service or the metadata endpoint answers into a
 * ConfigMap it then reads from the cluster. cairn must refuse such a folder before anything runs.
 */
jest.setTimeout(240_000);
const root = mkdtempSync(join(tmpdir(), 'cairn-render-network-'));
const SECRET = 'loopback-only-secret-41d7';
let pod: RunnerPod;
let server: Server;
let base = '';
const requests: string[] = [];

beforeAll(async () => {
  // given a loopback service holding a secret (cairn's API, a metadata endpoint) and the runner
  pod = await startRunnerPod(10019);
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.end(req.url?.endsWith('.json') ? '{"type":"object"}' : `K=${SECRET}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await pod.cleanup();
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  requests.length = 0;
});

const cm = stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });

/**
 * A workspace whose k8s-resources/web holds `files`: text, an object written as YAML (JSON for a
 * `.json` file), `{ link }` for a symlink, or `{ tgz }` for a gzipped tar of those files.
 */
function workspace(name: string, files: Record<string, unknown>): string {
  const ws = join(root, name);
  write(join(ws, 'k8s-resources', 'web'), files);
  return ws;
}

function write(dir: string, files: Record<string, unknown>): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    const special = (typeof content === 'object' ? content : {}) as {
      link?: string;
      tgz?: Record<string, unknown>;
    };
    if (Buffer.isBuffer(content)) writeFileSync(file, content);
    else if (typeof content !== 'string' && special.link) symlinkSync(special.link, file);
    else if (typeof content !== 'string' && special.tgz) {
      const staging = mkdtempSync(join(root, 'tgz-'));
      write(staging, special.tgz);
      execFileSync('tar', ['czf', file, '-C', staging, '.']);
    } else if (typeof content === 'string') writeFileSync(file, content);
    else writeFileSync(file, path.endsWith('.json') ? JSON.stringify(content) : stringify(content));
  }
}

const render = (ws: string, kind: RendererKind) =>
  renderFolder(ws, 'k8s-resources/web', kind, {
    runner: createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot),
    env: 'dev',
    kustomizePath: kustomizeBinary(),
    helmPath: helmBinary(),
    log: silentLog(),
  }).then(
    (text) => ({ code: 'rendered', message: text }),
    (e: unknown) => e as { code: string; message: string },
  );

describe('a kustomization naming a file by URL, rendered through the sidecar runner', () => {
  const url = (path: string) => `${base}/${path}`;
  it.each<[string, () => Record<string, unknown>, RegExp]>([
    [
      'configMapGenerator files',
      () => ({ 'kustomization.yaml': { configMapGenerator: [{ name: 'loot', files: [url('a.env')] }] } }),
      /configMapGenerator\[0\]\.files\[0\] names http/,
    ],
    [
      'configMapGenerator files as key=url',
      () => ({
        'kustomization.yaml': { configMapGenerator: [{ name: 'loot', files: [`k=${url('a.env')}`] }] },
      }),
      /configMapGenerator\[0\]\.files\[0\] names k=http/,
    ],
    [
      'a base at an scp-like Git address with any user',
      () => ({ 'kustomization.yaml': { resources: ['x@127.0.0.1:org/base.git'] } }),
      /resources names the remote base x@127\.0\.0\.1:org\/base\.git/,
    ],
    [
      'secretGenerator envs',
      () => ({ 'kustomization.yaml': { secretGenerator: [{ name: 'loot', envs: [url('a.env')] }] } }),
      /secretGenerator\[0\]\.envs\[0\] names http/,
    ],
    [
      'patches path',
      () => ({
        'cm.yaml': cm,
        'kustomization.yaml': {
          resources: ['cm.yaml'],
          patches: [{ path: url('p.json'), target: { kind: 'ConfigMap' } }],
        },
      }),
      /patches\[0\]\.path names http/,
    ],
    [
      'openapi path',
      () => ({
        'cm.yaml': cm,
        'kustomization.yaml': { resources: ['cm.yaml'], openapi: { path: url('o.json') } },
      }),
      /openapi\.path names http/,
    ],
    [
      'a built-in generator in a folder of plugin configurations',
      () => ({
        'kustomization.yaml': { generators: ['gens'] },
        'gens/kustomization.yaml': { resources: ['gen.yaml'] },
        'gens/gen.yaml': {
          apiVersion: 'builtin',
          kind: 'ConfigMapGenerator',
          metadata: { name: 'loot' },
          envs: [url('a.env')],
        },
      }),
      /ConfigMapGenerator envs\[0\] names http/,
    ],
    [
      'a built-in generator in a List, in a file not named as YAML',
      () => ({
        'kustomization.yaml': { generators: ['gens'] },
        'gens/kustomization.yaml': { resources: ['gen.txt'] },
        'gens/gen.txt': {
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'builtin',
              kind: 'ConfigMapGenerator',
              metadata: { name: 'loot' },
              envs: [url('a.env')],
            },
          ],
        },
      }),
      /gens\/gen\.txt.*ConfigMapGenerator envs\[0\] names http/s,
    ],
  ])('refuses %s before kustomize runs', async (name, files, message) => {
    // given a kustomization that names the loopback service's file by URL
    const ws = workspace(name.replace(/\W+/g, '-'), files());

    // when it is rendered through the sidecar runner
    const outcome = await render(ws, 'kustomize');

    // then it is refused naming the field, and nothing was fetched
    expect(outcome).toMatchObject({ code: 'kube.render-refused' });
    expect(outcome.message).toMatch(message);
    expect(outcome.message).not.toContain(SECRET);
    expect(requests).toEqual([]);
  });

  it('refuses a URL in a base whose kustomization.yaml is a link to a text file', async () => {
    // given a base whose kustomization is a link (kustomize follows it) to a file not named as one
    const ws = workspace('linked-kustomization', {
      'kustomization.yaml': { resources: ['base'] },
      'base/k.txt': stringify({ configMapGenerator: [{ name: 'loot', envs: [url('a.env')] }] }),
      'base/kustomization.yaml': { link: 'k.txt' },
    });
    // when it is rendered, then it is refused naming the link's path, and nothing was fetched
    const outcome = await render(ws, 'kustomize');
    expect(outcome).toMatchObject({ code: 'kube.render-refused' });
    expect(outcome.message).toMatch(
      /base\/kustomization\.yaml.*configMapGenerator\[0\]\.envs\[0\] names http/s,
    );
    expect(requests).toEqual([]);
  });

  it('still renders a URL in free text (an annotation, a literal)', async () => {
    // given URLs where kustomize reads no file
    const ws = workspace('free-text', {
      'cm.yaml': cm,
      'kustomization.yaml': {
        resources: ['cm.yaml'],
        commonAnnotations: { docs: url('docs') },
        configMapGenerator: [{ name: 'links', literals: [`home=${url('home')}`] }],
      },
    });
    // when it is rendered, then it renders and nothing was fetched
    const outcome = await render(ws, 'kustomize');
    expect(outcome.code).toBe('rendered');
    expect(outcome.message).toContain(`home: ${url('home')}`);
    expect(requests).toEqual([]);
  });
});

describe('a chart whose values schema references a URL, rendered through the sidecar runner', () => {
  const chart = (name: string) => ({ apiVersion: 'v2', name, version: '0.1.0' });
  const template = stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: 'b' },
  });
  const schemaRef = (ref: string) => ({ type: 'object', properties: { a: { $ref: ref } } });
  const files = (schema: object, extra: Record<string, unknown> = {}) => ({
    'Chart.yaml': chart('web'),
    'values.yaml': 'a: 1\n',
    'templates/cm.yaml': template,
    'values.schema.json': schema,
    ...extra,
  });
  const subchart = (schema: object) => ({
    'sub/Chart.yaml': chart('sub'),
    'sub/values.yaml': 'a: 1\n',
    'sub/values.schema.json': schema,
  });
  it.each<[string, () => Record<string, unknown>, RegExp]>([
    ['a $ref to http', () => files(schemaRef(`${base}/s.json`)), /values\.schema\.json.*\$ref http/s],
    ['a $schema of its own', () => files({ $schema: `${base}/meta.json`, type: 'object' }), /\$schema http/],
    [
      'a relative $ref (helm reads it from the root)',
      () => files(schemaRef('etc/hostname')),
      /\$ref etc\/hostname/,
    ],
    [
      'a $ref in a vendored subchart archive',
      () =>
        files({ type: 'object' }, { 'charts/sub-0.1.0.tgz': { tgz: subchart(schemaRef(`${base}/s.json`)) } }),
      /charts\/sub-0\.1\.0\.tgz:\.\/sub\/values\.schema\.json.*\$ref http/s,
    ],
    [
      'a $ref in an archive linked under charts/ from a file of another name',
      () =>
        files(
          { type: 'object' },
          {
            'blob.bin': { tgz: subchart(schemaRef(`${base}/s.json`)) },
            'charts/sub-0.1.0.tgz': { link: '../blob.bin' },
          },
        ),
      /\$ref http/,
    ],
    [
      'a $ref in an archive entry of an unknown typeflag',
      () =>
        files(
          { type: 'object' },
          {
            'charts/sub-0.1.0.tgz': craftedTgz([
              { name: 'sub/Chart.yaml', body: stringify(chart('sub')) },
              {
                name: 'sub/values.schema.json',
                body: JSON.stringify(schemaRef(`${base}/s.json`)),
                type: 'A',
              },
            ]),
          },
        ),
      /sub-0\.1\.0\.tgz:sub\/values\.schema\.json.*\$ref http/s,
    ],
    [
      'a $ref in an archive entry hidden by a PAX size',
      () =>
        files(
          { type: 'object' },
          {
            'charts/sub-0.1.0.tgz': craftedTgz([
              { name: 'sub/Chart.yaml', body: stringify(chart('sub')) },
              { name: 'pax', type: 'x', body: paxRecords({ size: '0' }) },
              { name: 'sub/x', size: 1024 },
              { name: 'sub/values.schema.json', body: JSON.stringify(schemaRef(`${base}/s.json`)) },
            ]),
          },
        ),
      /sub-0\.1\.0\.tgz:sub\/values\.schema\.json.*\$ref http/s,
    ],
  ])('refuses %s before helm runs', async (name, chartFiles, message) => {
    // given a chart whose schema makes helm load a schema from the loopback service or the disk
    const ws = workspace(`chart-${name.replace(/\W+/g, '-')}`, chartFiles());

    // when it is rendered through the sidecar runner
    const outcome = await render(ws, 'helm');

    // then it is refused naming the schema and the reference, and nothing was fetched
    expect(outcome).toMatchObject({ code: 'kube.render-refused' });
    expect(outcome.message).toMatch(message);
    expect(requests).toEqual([]);
  });

  it('still renders a schema with references inside the file', async () => {
    // given a schema with a local reference and a meta-schema helm carries
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { n: { type: 'integer' } },
      properties: { a: { $ref: '#/$defs/n' } },
    };
    const ws = workspace('chart-local-ref', files(schema));
    // when it is rendered, then it renders, validated, and nothing was fetched
    const outcome = await render(ws, 'helm');
    expect(outcome.code).toBe('rendered');
    expect(requests).toEqual([]);
  });
});
