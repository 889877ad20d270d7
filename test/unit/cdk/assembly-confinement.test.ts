import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfined } from '../../../cdk/synth/assembly-confinement';
import type { Assembly } from '../../../cdk/types';
import { isCairnError } from '../../../controller/model/errors';

/** An output folder with one stack's template and asset manifest, shaped by `change`. */
function assemblyWith(change: (dir: string) => { template?: string; assets?: object }): Assembly {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-confine-'));
  mkdirSync(join(dir, 'asset.abc'));
  writeFileSync(join(dir, 'asset.abc', 'index.js'), 'exports.handler = () => 1;');
  writeFileSync(join(dir, 'App.template.json'), '{}');
  const {
    template = join(dir, 'App.template.json'),
    assets = { files: { abc: { source: { path: 'asset.abc', packaging: 'zip' } } } },
  } = change(dir);
  writeFileSync(join(dir, 'App.assets.json'), JSON.stringify(assets));
  return {
    dir,
    stacks: [
      {
        stackName: 'App',
        id: 'App',
        templateFile: template,
        dependencies: [],
        tags: {},
        terminationProtection: false,
        assetManifests: [join(dir, 'App.assets.json')],
      },
    ],
  };
}

function refusal(assembly: Assembly): string | undefined {
  try {
    checkConfined(assembly);
    return undefined;
  } catch (error) {
    if (!isCairnError(error) || error.code !== 'synth.escapes-output') throw error;
    return error.message;
  }
}

describe('checkConfined', () => {
  it('accepts an assembly whose files all live in its output folder', () => {
    expect(refusal(assemblyWith(() => ({})))).toBeUndefined();
  });

  it.each([
    [
      'a link in an asset folder to a controller file',
      (dir: string) => {
        symlinkSync('/etc/passwd', join(dir, 'asset.abc', 'stolen'));
        return {};
      },
      'asset.abc/stolen: points outside the output folder',
    ],
    [
      'a template outside the folder',
      () => ({ template: '/etc/hostname' }),
      'stack App template: points outside',
    ],
    [
      'an asset source climbing out',
      () => ({ assets: { files: { x: { source: { path: '../../etc' } } } } }),
      'stack App asset x: points',
    ],
    [
      'an asset built by a command',
      () => ({ assets: { files: { x: { source: { executable: ['sh', '-c', 'cat ~/.kube/config'] } } } } }),
      'stack App asset x: is built by a command',
    ],
    [
      'a Docker image built by a command',
      () => ({ assets: { dockerImages: { y: { source: { executable: ['docker', 'build'] } } } } }),
      'stack App asset y: is built by a command',
    ],
  ])('refuses %s', (_what, change, message) => {
    expect(refusal(assemblyWith(change))).toContain(message);
  });
});
