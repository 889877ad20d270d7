import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkChartSchemas } from '../../../../controller/kube/render/chart-schemas';
import { craftedTgz, paxRecords, type CraftedEntry } from '../../../helpers/crafted-tar';
import { refusalOf } from '../../../helpers/refusal';

/**
 * The chart schema check reads vendored archives as Go's archive/tar names their entries: a PAX
 * `path` or a GNU long name (a path over 100 bytes) must not hide a values.schema.json from it.
 */
const root = mkdtempSync(join(tmpdir(), 'cairn-chart-schemas-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A chart folder whose charts/sub-0.1.0.tgz holds sub/values.schema.json, in tar `format`. */
function chartWithArchive(format: string, schema: object, name = 'sub/values.schema.json'): string {
  const dir = join(root, String(++n));
  const staging = join(root, `${n}-staging`);
  mkdirSync(join(dir, 'charts'), { recursive: true });
  mkdirSync(dirname(join(staging, name)), { recursive: true });
  writeFileSync(join(staging, name), JSON.stringify(schema));
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: w\nversion: 0.1.0\n');
  execFileSync('tar', [
    `--format=${format}`,
    '-czf',
    join(dir, 'charts', 'sub-0.1.0.tgz'),
    '-C',
    staging,
    name,
  ]);
  return dir;
}

describe('checkChartSchemas', () => {
  const remote = { properties: { a: { $ref: 'http://169.254.169.254/latest/meta-data/' } } };
  it.each([
    ['ustar', 'sub/values.schema.json'],
    ['gnu', 'sub/values.schema.json'],
    ['pax', 'sub/values.schema.json'],
    ['gnu (a long name)', `${'n'.repeat(120)}/values.schema.json`],
    ['pax (a long name)', `${'p'.repeat(120)}/values.schema.json`],
  ])('finds a remote $ref in a %s archive', (format, name) => {
    const dir = chartWithArchive(format.split(' ')[0]!, remote, name);
    const error = refusalOf(() => checkChartSchemas(dir, 'k8s-resources/w'));
    expect(error).toMatchObject({ code: 'kube.render-refused' });
    expect(error?.message).toMatch(/\$ref http:\/\/169\.254\.169\.254/);
  });

  // Archives tar never writes, each checked against helm v3.22 (which fetched the $ref of the
  // first two): the entries Go's reader sees, not the ones a naive reader sees.
  const schema = JSON.stringify(remote);
  const chart = { name: 'sub/Chart.yaml', body: 'apiVersion: v2\nname: sub\nversion: 0.1.0\n' };
  it.each<[string, CraftedEntry[]]>([
    ['of an unknown typeflag', [chart, { name: 'sub/values.schema.json', body: schema, type: 'A' }]],
    [
      'after a PAX size shorter than the header says',
      [
        chart,
        { name: 'pax', type: 'x', body: paxRecords({ size: '0' }) },
        { name: 'sub/x', size: 1024 },
        { name: 'sub/values.schema.json', body: schema },
      ],
    ],
    [
      'after a link header whose size covers it',
      [chart, { name: 'sub/l', type: '2', size: 1024 }, { name: 'sub/values.schema.json', body: schema }],
    ],
    [
      'named by a PAX path',
      [
        chart,
        { name: 'pax', type: 'x', body: paxRecords({ path: 'sub/values.schema.json' }) },
        { name: 'sub/y', body: schema },
      ],
    ],
  ])('finds a schema in an entry %s', (_how, entries) => {
    const dir = join(root, String(++n));
    mkdirSync(join(dir, 'charts'), { recursive: true });
    writeFileSync(join(dir, 'charts', 'sub-0.1.0.tgz'), craftedTgz(entries));
    const error = refusalOf(() => checkChartSchemas(dir, 'k8s-resources/w'));
    expect(error).toMatchObject({ code: 'kube.render-refused' });
    expect(error?.message).toMatch(/\$ref http:\/\/169\.254\.169\.254/);
  });

  it('accepts a vendored archive whose schema refers only inside itself', () => {
    const dir = chartWithArchive('gnu', {
      definitions: { n: {} },
      properties: { a: { $ref: '#/definitions/n' } },
    });
    expect(refusalOf(() => checkChartSchemas(dir, 'k8s-resources/w'))).toBeUndefined();
  });

  it('refuses an archive that unpacks past the limit', () => {
    const dir = join(root, String(++n));
    mkdirSync(join(dir, 'charts'), { recursive: true });
    const zeros = execFileSync('sh', ['-c', 'head -c 120000000 /dev/zero | gzip -1'], { maxBuffer: 1 << 30 });
    writeFileSync(join(dir, 'charts', 'big-0.1.0.tgz'), zeros);
    expect(refusalOf(() => checkChartSchemas(dir, 'k8s-resources/w'))?.message).toMatch(
      /unpacks to more than/,
    );
  });
});
