import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { renderConfined } from '../../../controller/kube/render/confined-render';
import { binaryProbe, PRINT_BIN, PROBE_OUTPUT, TAMPER_WITH_BIN } from '../../helpers/renderers';

/**
 * Render jobs under bubblewrap (as the runner's own uid when the tests run as root) run one copy of
 * the renderer binary per process, not a copy per render (Helm's is 60 MB): a job may run it but
 * not change it for the renders after it, and a changed binary gets a copy of its own.
 */
jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'cairn-shared-binary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const probe = binaryProbe(root);
const runner = createSynthRunner({ isolation: 'bubblewrap' });
const render = (command: string) => renderConfined(probe.workspace, runner, probe.job(command));

describe('the renderer binary of local render jobs', () => {
  it('is one copy per process that a job may run but not change, and a new one when the binary changes', async () => {
    const [first, uid] = (
      await render('echo "$BIN" > "$OUT/rendered.yaml"; id -u >> "$OUT/rendered.yaml"')
    ).split('\n') as [string, string];
    // Run as root, the tests' jobs run as the runner's own uid: the modes are what hold it too.
    if (process.getuid!() === 0) expect(uid).not.toBe('0');
    await render(TAMPER_WITH_BIN);
    const second = await render(PRINT_BIN);
    expect(second.split('\n').slice(0, 2)).toEqual([first, PROBE_OUTPUT]);
    expect(readFileSync(first, 'utf8')).toBe(readFileSync(probe.tool, 'utf8'));
    expect(statSync(first).mode & 0o777).toBe(0o555);
    expect(statSync(dirname(first)).uid).toBe(process.getuid!());
    expect(readdirSync(dirname(first))).toEqual(['tool']);

    // An upgraded binary at the same path: its own copy, and the old one is left to the jobs running it.
    writeFileSync(probe.tool, '#!/bin/sh\necho upgraded version\n');
    const third = (await render(PRINT_BIN)).split('\n');
    expect(third[0]).not.toBe(first);
    expect(third[1]).toBe('upgraded version');
    expect(readdirSync(dirname(dirname(first))).length).toBe(2);
  });

  it("is made again when its folder in the shared temp folder is no longer cairn's alone", async () => {
    const first = (await render('echo "$BIN" > "$OUT/rendered.yaml"')).trim();
    // As if a cleaner had removed the folder and another user had made one of that name.
    chmodSync(dirname(dirname(first)), 0o777);
    const second = (await render(PRINT_BIN)).split('\n');
    expect(dirname(dirname(second[0]!))).not.toBe(dirname(dirname(first)));
    expect(second[1]).toBe('upgraded version');
  });
});
