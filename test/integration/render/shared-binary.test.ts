import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { renderConfined, type ConfinedRender } from '../../../controller/kube/render/confined-render';

/**
 * Render jobs under bubblewrap (as the runner's own uid when the tests run as root) run one copy of
 * the renderer binary per process, not a copy per render (Helm's is 60 MB): a job may run it but
 * not change it for the renders after it, and a changed binary gets a copy of its own.
 */
jest.setTimeout(60_000);

const root = mkdtempSync(join(tmpdir(), 'cairn-shared-binary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The "renderer": a script kept where only cairn may look, as cairn's cache is.
const cache = join(root, 'cache');
mkdirSync(cache, { mode: 0o700 });
const tool = join(cache, 'tool');
writeFileSync(tool, '#!/bin/sh\necho original\n', { mode: 0o755 });

const workspace = join(root, 'ws');
mkdirSync(join(workspace, 'k8s-resources', 'web'), { recursive: true });
writeFileSync(join(workspace, 'k8s-resources', 'web', 'values.yaml'), 'a: 1\n');

const runner = createSynthRunner({ isolation: 'bubblewrap' });
const job = (command: string): ConfinedRender => ({
  folder: 'k8s-resources/web',
  subject: 'k8s-resources/web (test)',
  binary: tool,
  command,
  env: {},
  timeoutMs: 30_000,
  check: () => undefined,
});
const render = (command: string) => renderConfined(workspace, runner, job(command));

describe('the renderer binary of local render jobs', () => {
  it('is one copy per process that a job may run but not change, and a new one when the binary changes', async () => {
    const [first, uid] = (
      await render('echo "$BIN" > "$OUT/rendered.yaml"; id -u >> "$OUT/rendered.yaml"')
    ).split('\n') as [string, string];
    // Run as root, the tests' jobs run as the runner's own uid: the modes are what hold it too.
    if (process.getuid!() === 0) expect(uid).not.toBe('0');
    // A job that tries every way to change the binary the renders after it run.
    await render(
      [
        'echo "echo tampered" >> "$BIN"',
        'chmod 777 "$BIN"',
        'cp /dev/null "$BIN"',
        'mv "$BIN" "$BIN.moved"',
        'rm -f "$BIN"',
        'echo done > "$OUT/rendered.yaml"',
      ].join(' 2>/dev/null; '),
    );
    const second = await render('echo "$BIN" > "$OUT/rendered.yaml"; "$BIN" >> "$OUT/rendered.yaml"');
    expect(second.split('\n').slice(0, 2)).toEqual([first, 'original']);
    expect(readFileSync(first, 'utf8')).toBe('#!/bin/sh\necho original\n');
    expect(statSync(first).mode & 0o777).toBe(0o555);
    expect(statSync(dirname(first)).uid).toBe(process.getuid!());
    expect(readdirSync(dirname(first))).toEqual(['tool']);

    // An upgraded binary at the same path: its own copy, and the old one is left to the jobs running it.
    writeFileSync(tool, '#!/bin/sh\necho upgraded version\n');
    const third = (await render('echo "$BIN" > "$OUT/rendered.yaml"; "$BIN" >> "$OUT/rendered.yaml"')).split(
      '\n',
    );
    expect(third[0]).not.toBe(first);
    expect(third[1]).toBe('upgraded version');
    expect(readdirSync(dirname(dirname(first))).length).toBe(2);
    chmodSync(tool, 0o755);
  });

  it("is made again when its folder in the shared temp folder is no longer cairn's alone", async () => {
    const first = (await render('echo "$BIN" > "$OUT/rendered.yaml"')).trim();
    // As if a cleaner had removed the folder and another user had made one of that name.
    chmodSync(dirname(dirname(first)), 0o777);
    const second = (await render('echo "$BIN" > "$OUT/rendered.yaml"; "$BIN" >> "$OUT/rendered.yaml"')).split(
      '\n',
    );
    expect(dirname(dirname(second[0]!))).not.toBe(dirname(dirname(first)));
    expect(second[1]).toBe('upgraded version');
  });
});
