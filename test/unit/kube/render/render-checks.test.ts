import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { checkChartDependencies } from '../../../../controller/kube/render/chart-checks';
import { checkKustomizations, isRemote } from '../../../../controller/kube/render/kustomization-checks';
import { refusalOf } from '../../../helpers/refusal';

/** The refusals made before kustomize or helm runs, on folders written to a temp dir. */
const root = mkdtempSync(join(tmpdir(), 'cairn-render-checks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: Readonly<Record<string, unknown>>): string {
  const dir = join(root, String(++n));
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), typeof value === 'string' ? value : stringify(value));
  }
  return dir;
}

describe('isRemote', () => {
  it.each([
    ['https://github.com/acme/infra//base?ref=v1', true],
    ['git@github.com:acme/infra.git', true],
    ['deploy@git.example.com:acme/infra.git', true],
    ['a@b.yaml', false],
    ['github.com/acme/infra/base', true],
    ['git::https://example.com/x', true],
    ['base?ref=main', true],
    ['base', false],
    ['../base', false],
    ['deployment.yaml', false],
    ['overlays/dev', false],
  ])('%s → %s', (entry, remote) => {
    expect(isRemote(entry)).toBe(remote);
  });
});

describe('checkKustomizations', () => {
  it.each([
    [
      'a remote resource',
      { 'kustomization.yaml': { resources: ['https://example.com/x.yaml'] } },
      /remote base https:\/\/example\.com\/x\.yaml/,
    ],
    [
      'a remote base in a nested kustomization',
      {
        'kustomization.yaml': { resources: ['base'] },
        'base/kustomization.yaml': { bases: ['github.com/a/b/c'] },
      },
      /remote base github\.com\/a\/b\/c/,
    ],
    [
      'an exec function inline',
      {
        'kustomization.yaml': {
          transformers: [
            {
              apiVersion: 'x/v1',
              kind: 'T',
              metadata: {
                name: 'run',
                annotations: { 'config.kubernetes.io/function': 'exec: {path: ./x}' },
              },
            },
          ],
        },
      },
      /plugin T\/run \(a KRM function/,
    ],
    [
      'a Go or exec plugin in a file',
      {
        'kustomization.yaml': { generators: ['gen.yaml'] },
        'gen.yaml': { apiVersion: 'acme.io/v1', kind: 'Gen', metadata: { name: 'g' } },
      },
      /plugin Gen\/g \(apiVersion acme\.io\/v1\)/,
    ],
    ['helmCharts', { 'kustomization.yaml': { helmCharts: [{ name: 'redis' }] } }, /helmCharts/],
    [
      'a built-in generator inline fetching a URL',
      {
        'kustomization.yaml': {
          generators: [
            stringify({
              apiVersion: 'builtin',
              kind: 'ConfigMapGenerator',
              metadata: { name: 'g' },
              files: ['http://169.254.169.254/latest/meta-data/'],
            }),
          ],
        },
      },
      /generators ConfigMapGenerator\/g files\[0\] names http:\/\/169\.254\.169\.254/,
    ],
  ])('refuses %s, naming it', (_what, files, message) => {
    const error = refusalOf(() => checkKustomizations(folder(files), 'k8s-resources/web'));
    expect(error?.code).toBe('kube.render-refused');
    expect(error?.subject).toMatch(/^k8s-resources\/web\/(base\/)?kustomization\.yaml$/);
    expect(error?.message).toMatch(message);
  });

  it('accepts local bases and built-in transformers', () => {
    const dir = folder({
      'kustomization.yaml': {
        resources: ['base', 'extra.yaml'],
        transformers: [
          { apiVersion: 'builtin', kind: 'LabelTransformer', metadata: { name: 'l' }, labels: { a: 'b' } },
          {
            apiVersion: 'builtin',
            kind: 'AnnotationsTransformer',
            metadata: { name: 'a' },
            annotations: { docs: 'https://docs.example.com' },
          },
        ],
      },
      'base/kustomization.yaml': { resources: ['cm.yaml'] },
      'README.md':
        'Uses the builtin: label transformer, see: https://kubectl.docs.kubernetes.io/\n- a: b: c\n',
    });
    expect(refusalOf(() => checkKustomizations(dir, 'k8s-resources/web'))).toBeUndefined();
  });
});

describe('checkChartDependencies', () => {
  const chart = {
    apiVersion: 'v2',
    name: 'w',
    version: '1.0.0',
    dependencies: [{ name: 'redis', version: '1.0.0', repository: 'https://charts.example.com' }],
  };
  it.each([
    ['as a folder', { 'Chart.yaml': chart, 'charts/redis/Chart.yaml': { name: 'redis' } }],
    ['as an archive', { 'Chart.yaml': chart, 'charts/redis-1.0.0.tgz': 'x' }],
  ])('accepts a dependency vendored %s', (_how, files) => {
    expect(refusalOf(() => checkChartDependencies(folder(files), 'k8s-resources/w'))).toBeUndefined();
  });

  it('refuses a dependency not vendored, naming it and its repository', () => {
    const error = refusalOf(() => checkChartDependencies(folder({ 'Chart.yaml': chart }), 'k8s-resources/w'));
    expect(error).toMatchObject({ code: 'kube.render-refused', subject: 'k8s-resources/w/Chart.yaml' });
    expect(error?.message).toMatch(/dependency redis from https:\/\/charts\.example\.com is not vendored/);
  });
});
