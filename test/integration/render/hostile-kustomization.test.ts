import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { renderFolder, type RenderOverrides } from '../../../controller/kube/render/render-folder';
import { kustomizeBinary } from '../../helpers/renderers';

/**
 * A kustomization that tries to read outside its folder, rendered by the real kustomize v5.8.2:
 * its load restrictor refuses it, and under bubblewrap, even with the restrictor switched off,
 * the file is not there to read (the job sees a copy of the folder only).
 */
jest.setTimeout(120_000);
const root = mkdtempSync(join(tmpdir(), 'cairn-hostile-kustomize-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SECRET = 'the-controller-secret-7f3a';
const secretCm = stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'loot' },
  data: { s: SECRET },
});
// A file of the checkout beside k8s-resources/, and one of the host outside the checkout.
writeFileSync(join(root, 'secret.yaml'), secretCm);
const hostFile = join(mkdtempSync(join(tmpdir(), 'cairn-host-')), 'host-secret.yaml');
writeFileSync(hostFile, secretCm);

function workspace(name: string, resource: string, link?: string): string {
  const ws = join(root, name);
  const folder = join(ws, 'k8s-resources', 'web');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(ws, 'secret.yaml'), secretCm);
  if (link) symlinkSync(link, join(folder, 'linked.yaml'));
  writeFileSync(join(folder, 'kustomization.yaml'), stringify({ resources: [resource] }));
  return ws;
}

const cases: [string, string, string | undefined][] = [
  // The copy rendered is <tmpdir>/cairn-render-*/src: from there, ../../ reaches the host's tmpdir.
  ['a ../../ path', `../../${relative(tmpdir(), hostFile)}`, undefined],
  ['an absolute path', hostFile, undefined],
  ['a symlink out of the folder', 'linked.yaml', hostFile],
];

const render = (ws: string, isolation: 'bubblewrap' | 'none', overrides: RenderOverrides = {}) =>
  renderFolder(
    ws,
    'k8s-resources/web',
    'kustomize',
    { runner: createSynthRunner({ isolation }), env: 'dev', kustomizePath: kustomizeBinary() },
    overrides,
  );

/** The render's error; a render that succeeded shows what it read (so a missing refusal fails the test). */
const outcome = (render: Promise<string>) =>
  render.then(
    (text) => ({ code: 'rendered', message: text }),
    (e: unknown) => e as { code: string; message: string },
  );

describe('a kustomization reading outside its folder', () => {
  it.each(cases)('is refused by the load restrictor: %s', async (name, resource, link) => {
    // given the hostile kustomization, rendered with no isolation (the restrictor alone holds)
    const ws = workspace(`restrictor-${cases.findIndex((c) => c[0] === name)}`, resource, link);

    // when it is rendered, then kustomize refuses and the secret is not in the error
    const error = await outcome(render(ws, 'none'));
    expect(error).toMatchObject({ code: 'kube.render-failed' });
    expect(error.message).toMatch(/security|restrict|outside|not in or below/i);
    expect(error.message).not.toContain(SECRET);
  });

  it.each(cases)(
    'finds nothing under the isolation even without the restrictor: %s',
    async (name, resource, link) => {
      // given the hostile kustomization, rendered under bubblewrap with the load restrictor OFF
      const ws = workspace(`isolation-${cases.findIndex((c) => c[0] === name)}`, resource, link);

      // when it is rendered, then the file is not there to read
      const error = await outcome(render(ws, 'bubblewrap', { loadRestrictor: 'LoadRestrictionsNone' }));
      expect(error).toMatchObject({ code: 'kube.render-failed' });
      expect(error.message).toMatch(
        /no such file|not exist|must resolve|evalsymlink|accumulating resources/i,
      );
      expect(error.message).not.toContain(SECRET);
    },
  );
});

/**
 * A kustomization whose generators, transformers or validators name a plugin configuration outside
 * the rendered folder: cairn's own check (before kustomize runs, with the controller's rights) must
 * refuse it without reading that file, so nothing of it (here a plugin's name) reaches the error.
 */
describe('a kustomization naming a plugin configuration outside its folder', () => {
  const PLUGIN_MARKER = 'outside-plugin-marker-2b8e';
  const outsidePlugin = join(mkdtempSync(join(tmpdir(), 'cairn-host-')), 'plugin.yaml');
  writeFileSync(
    outsidePlugin,
    stringify({ apiVersion: 'someteam.example.com/v1', kind: 'Loot', metadata: { name: PLUGIN_MARKER } }),
  );

  function pluginWorkspace(name: string, field: string, entry: string, link?: string): string {
    const ws = join(root, name);
    const folder = join(ws, 'k8s-resources', 'web');
    mkdirSync(folder, { recursive: true });
    if (link) symlinkSync(link, join(folder, 'linked.yaml'));
    writeFileSync(join(folder, 'kustomization.yaml'), stringify({ [field]: [entry] }));
    return ws;
  }

  const pluginCases: [string, string, string, string | undefined][] = [
    ['generators', 'a ../../ path', `../../../../../../../../..${outsidePlugin}`, undefined],
    ['transformers', 'an absolute path', outsidePlugin, undefined],
    ['validators', 'a link out of the folder', 'linked.yaml', outsidePlugin],
  ];

  it.each(pluginCases)('refuses %s naming %s, without reading it', async (field, _what, entry, link) => {
    // given the kustomization (the check runs before any sandbox, so no isolation changes it)
    const ws = pluginWorkspace(`plugin-${field}`, field, entry, link);
    // when it is rendered
    const error = await outcome(render(ws, 'none'));
    // then it is refused naming the entry and the kustomization file, and nothing of the file shows
    expect(error).toMatchObject({ code: 'kube.render-refused' });
    expect(error.message).toContain(`${field} names ${entry}`);
    expect(error.message).toContain('kustomization.yaml');
    expect(error.message).not.toContain(PLUGIN_MARKER);
    expect(error.message).not.toContain('Loot');
  });
});
