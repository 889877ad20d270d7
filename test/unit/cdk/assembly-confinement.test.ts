import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfined, checkOutputFolder } from '../../../cdk/synth/assembly-confinement';
import { DEFAULT_MAX_ASSEMBLY_BYTES } from '../../../controller/model';
import type { Assembly } from '../../../cdk/types';
import { readAssemblyFile } from '../../../cdk/assembly-files';
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

const MARKER = 'host-file-marker-5c1e';
/** A host file the assembly must not make cairn read. */
const hostDir = mkdtempSync(join(tmpdir(), 'cairn-host-'));
writeFileSync(join(hostDir, 'secret.json'), `{"${MARKER}": true}`);
writeFileSync(join(hostDir, 'secret.txt'), `${MARKER} not json`);

type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Manifest = { artifacts: Loose };

/** An output folder with a manifest naming one stack (template, asset manifest), shaped by `change`. */
function outputWith(change: (dir: string, manifest: Manifest) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-output-'));
  writeFileSync(join(dir, 'App.template.json'), '{}');
  writeFileSync(join(dir, 'App.assets.json'), '{"version":"36.0.0","files":{}}');
  mkdirSync(join(dir, 'asset.abc'));
  writeFileSync(join(dir, 'asset.abc', 'index.js'), '');
  const manifest = {
    version: '36.0.0',
    artifacts: {
      'App.assets': { type: 'cdk:asset-manifest', properties: { file: 'App.assets.json' } },
      App: {
        type: 'aws:cloudformation:stack',
        properties: { templateFile: 'App.template.json' },
        metadata: { '/App/F': [{ type: 'aws:cdk:asset', data: { path: 'asset.abc', packaging: 'zip' } }] },
      },
    } as Loose,
  };
  change(dir, manifest);
  if (!manifest.artifacts.keep) writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** The refusal's code and message (undefined when accepted); what was read is in the message. */
function outputRefusal(
  dir: string,
  maxBytes = DEFAULT_MAX_ASSEMBLY_BYTES,
): { code: string; message: string } | undefined {
  try {
    checkOutputFolder(dir, maxBytes);
    return undefined;
  } catch (error) {
    if (!isCairnError(error)) throw error;
    return { code: error.code, message: `${error.subject ?? ''}: ${error.message}` };
  }
}

describe('checkOutputFolder', () => {
  it('accepts an output folder of regular files and folders whose manifest names paths inside it', () => {
    expect(outputRefusal(outputWith(() => {}))).toBeUndefined();
  });

  it('refuses an output folder holding more bytes than the limit, naming its biggest files', () => {
    const dir = outputWith((d) => {
      writeFileSync(join(d, 'asset.abc', 'big.bin'), Buffer.alloc(300 * 1024));
      writeFileSync(join(d, 'asset.abc', 'other.bin'), Buffer.alloc(200 * 1024));
    });
    expect(outputRefusal(dir, 1024 * 1024)).toBeUndefined();
    const refusal = outputRefusal(dir, 400 * 1024);
    expect(refusal?.code).toBe('synth.too-large');
    expect(refusal?.message).toMatch(
      /cdk\.out: holds \d+ bytes of files, over the 409600-byte limit; the biggest: cdk\.out\/asset\.abc\/big\.bin \(307200 bytes\), cdk\.out\/asset\.abc\/other\.bin \(204800 bytes\)/,
    );
  });

  it('accepts a nested assembly whose paths climb to the top folder (where the CDK stages assets)', () => {
    const dir = outputWith((d, m) => {
      mkdirSync(join(d, 'assembly-Stage'));
      writeFileSync(join(d, 'assembly-Stage', 'S.template.json'), '{}');
      writeFileSync(
        join(d, 'assembly-Stage', 'manifest.json'),
        JSON.stringify({
          version: '36.0.0',
          artifacts: {
            S: {
              type: 'aws:cloudformation:stack',
              properties: { templateFile: 'S.template.json' },
              metadata: { '/S/F': [{ type: 'aws:cdk:asset', data: { path: '../asset.abc' } }] },
            },
          },
        }),
      );
      m.artifacts.Stage = { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Stage' } };
    });
    expect(outputRefusal(dir)).toBeUndefined();
  });

  it.each([
    [
      'a FIFO manifest.json',
      (d: string, m: Manifest) => {
        m.artifacts.keep = true;
        execFileSync('mkfifo', [join(d, 'manifest.json')]);
      },
      'synth.bad-assembly',
      'cdk.out/manifest.json: is a FIFO',
    ],
    [
      'a FIFO anywhere in the folder',
      (d: string) => execFileSync('mkfifo', [join(d, 'asset.abc', 'pipe')]),
      'synth.bad-assembly',
      'cdk.out/asset.abc/pipe: is a FIFO',
    ],
    [
      'a manifest.json linked to /dev/zero',
      (d: string, m: Manifest) => {
        m.artifacts.keep = true;
        symlinkSync('/dev/zero', join(d, 'manifest.json'));
      },
      'synth.escapes-output',
      'cdk.out/manifest.json: is a link',
    ],
    [
      'a link inside the folder',
      (d: string) => symlinkSync('App.template.json', join(d, 'again.json')),
      'synth.escapes-output',
      'cdk.out/again.json: is a link',
    ],
    [
      'an additionalMetadataFile climbing out',
      (_d: string, m: Manifest) => {
        m.artifacts.App.additionalMetadataFile = `../../../../../..${join(hostDir, 'secret.txt')}`;
      },
      'synth.escapes-output',
      "artifact App's additionalMetadataFile",
    ],
    [
      'an absolute additionalMetadataFile',
      (_d: string, m: Manifest) => {
        m.artifacts.App.additionalMetadataFile = join(hostDir, 'secret.json');
      },
      'synth.escapes-output',
      'is an absolute path',
    ],
    [
      'a template climbing out',
      (_d: string, m: Manifest) => {
        m.artifacts.App.properties.templateFile = `../../../../../..${join(hostDir, 'secret.json')}`;
      },
      'synth.escapes-output',
      "artifact App's templateFile",
    ],
    [
      'an asset manifest file climbing out',
      (_d: string, m: Manifest) => {
        m.artifacts['App.assets'].properties.file = '../x.json';
      },
      'synth.escapes-output',
      "artifact App.assets's file ../x.json leaves the output folder",
    ],
    [
      'a nested assembly outside',
      (_d: string, m: Manifest) => {
        m.artifacts.S = { type: 'cdk:cloud-assembly', properties: { directoryName: hostDir } };
      },
      'synth.escapes-output',
      "artifact S's directoryName",
    ],
    [
      'a nested assembly that is the assembly itself',
      (_d: string, m: Manifest) => {
        m.artifacts.S = { type: 'cdk:cloud-assembly', properties: { directoryName: '.' } };
      },
      'synth.bad-assembly',
      'reached twice',
    ],
    [
      'an asset metadata path climbing out',
      (_d: string, m: Manifest) => {
        m.artifacts.App.metadata['/App/F'][0].data.path = '../../../../etc';
      },
      'synth.escapes-output',
      'asset metadata path ../../../../etc leaves',
    ],
    [
      'a Dockerfile climbing out of its asset',
      (_d: string, m: Manifest) => {
        m.artifacts.App.metadata['/App/F'][0].data.file = '../../../etc/passwd';
      },
      'synth.escapes-output',
      'asset metadata file',
    ],
    [
      'a template that is a folder',
      (_d: string, m: Manifest) => {
        m.artifacts.App.properties.templateFile = 'asset.abc';
      },
      'synth.bad-assembly',
      'is a folder',
    ],
    [
      'asset metadata in an additionalMetadataFile climbing out',
      (d: string, m: Manifest) => {
        writeFileSync(
          join(d, 'App.metadata.json'),
          JSON.stringify({ '/App/G': [{ type: 'aws:cdk:asset', data: { path: '../up' } }] }),
        );
        m.artifacts.App.additionalMetadataFile = 'App.metadata.json';
      },
      'synth.escapes-output',
      'cdk.out/App.metadata.json',
    ],
  ])('refuses %s, naming it, without reading outside', (_what, change, code, message) => {
    const refusal = outputRefusal(outputWith(change));
    expect(refusal?.code).toBe(code);
    expect(refusal?.message).toContain(message);
    expect(refusal?.message).not.toContain(MARKER);
  });
});

describe('readAssemblyFile (the deployer reads templates and asset manifests through it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-assembly-file-'));
  execFileSync('mkfifo', [join(dir, 'fifo.template.json')]);
  symlinkSync('/dev/zero', join(dir, 'zero.template.json'));
  writeFileSync(join(dir, 'big.template.json'), 'x'.repeat(101));
  writeFileSync(join(dir, 'ok.template.json'), '{}');

  const outcome = (name: string) => {
    try {
      return readAssemblyFile(join(dir, name), 100, name).toString();
    } catch (error) {
      return isCairnError(error) ? `${error.code} ${error.message}` : String(error);
    }
  };

  it.each([
    ['ok.template.json', '{}'],
    ['fifo.template.json', 'synth.bad-assembly fifo.template.json: is a FIFO'],
    ['zero.template.json', 'synth.escapes-output zero.template.json: is a link'],
    ['big.template.json', 'synth.too-large big.template.json: is 101 bytes, over the 100-byte limit'],
    ['gone.template.json', 'synth.bad-assembly gone.template.json: does not exist'],
  ])('reads %s as: %s', (name, expected) => {
    expect(outcome(name)).toContain(expected);
  });
});
