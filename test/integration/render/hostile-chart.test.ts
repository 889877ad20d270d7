import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { renderFolder } from '../../../controller/kube/render/render-folder';
import { helmBinary } from '../../helpers/helm';

/**
 * A chart whose folder name is a helm flag, rendered by the real helm v3.22 under bubblewrap. The
 * folder's name is the release name, an argument of `helm template`. Found in review: a folder
 * named `--post-renderer=sh` made helm pipe the chart's output into `sh`, and a template that is
 * both a YAML mapping and a shell script (`x: ; printf ...`) ran as a shell in the render's sandbox
 * (with the pod's network under the sidecar runner), and printed the objects cairn then applied.
 */
jest.setTimeout(120_000);
const root = mkdtempSync(join(tmpdir(), 'cairn-hostile-chart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const MARKER = 'ran-in-a-shell-6d1f';
// Valid YAML (a mapping whose `x` is a plain scalar) and a valid shell script: `x:` is a command
// not found, then printf writes a ConfigMap holding the marker and the shell's uid.
const SHELL_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata: {name: shell}
x: ; printf 'apiVersion\\072 v1\\nkind\\072 ConfigMap\\nmetadata\\072\\n  name\\072 pwned\\ndata\\072\\n  who\\072 "%s"\\n' "${MARKER}-$(id -u)"
`;

function chartFolder(folder: string): string {
  const ws = join(root, String(Math.random()).slice(2));
  const dir = join(ws, 'k8s-resources', folder);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), stringify({ apiVersion: 'v2', name: 'web', version: '0.1.0' }));
  writeFileSync(join(dir, 'templates', 'cm.yaml'), SHELL_TEMPLATE);
  return ws;
}

const render = (ws: string, folder: string) =>
  renderFolder(ws, `k8s-resources/${folder}`, 'helm', {
    runner: createSynthRunner({ isolation: 'bubblewrap' }),
    env: 'dev',
    namespace: 'apps',
    helmPath: helmBinary(),
  }).then(
    (text) => ({ code: 'rendered', message: text }),
    (e: unknown) => e as { code: string; message: string },
  );

describe('a chart folder whose name is not a release name', () => {
  it.each(['--post-renderer=sh', '-a', 'Web_App'])('is refused before helm runs: %s', async (folder) => {
    // given a chart in a folder of that name, with a template that is also a shell script
    const ws = chartFolder(folder);

    // when it is rendered
    const outcome = await render(ws, folder);

    // then it is refused naming the folder, and no shell ran
    expect(outcome).toMatchObject({ code: 'kube.render-refused' });
    expect(outcome.message).toContain(`k8s-resources/${folder}`);
    expect(outcome.message).toMatch(/release name/);
    expect(outcome.message).not.toContain(MARKER);
  });

  it('renders the same chart in a folder with a release name, as YAML and not through a shell', async () => {
    const ws = chartFolder('web');
    const outcome = await render(ws, 'web');
    expect(outcome.code).toBe('rendered');
    expect(outcome.message).toContain('name: shell');
    expect(outcome.message).not.toContain('name: pwned');
  });
});
