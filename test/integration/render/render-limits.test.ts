import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { renderFolder } from '../../../controller/kube/render/render-folder';
import { helmBinary } from '../../helpers/helm';

/**
 * A chart that renders too much, or asks for too much memory, under bubblewrap with the real helm
 * v3.22: the sandbox has no cgroup, so the render's own limits must hold while it runs. Found in
 * review: a chart wrote 157 MB into cairn's temp folder (the 64 MiB cap was checked only when cairn
 * read the file) and helm took 2.8 GB of memory to render it.
 */
jest.setTimeout(180_000);
const root = mkdtempSync(join(tmpdir(), 'cairn-render-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function chart(name: string, template: string): string {
  const folder = join(root, name, 'k8s-resources', 'big');
  mkdirSync(join(folder, 'templates'), { recursive: true });
  writeFileSync(join(folder, 'Chart.yaml'), stringify({ apiVersion: 'v2', name: 'big', version: '0.1.0' }));
  writeFileSync(join(folder, 'templates', 'cm.yaml'), template);
  return join(root, name);
}

const render = (ws: string, signal?: AbortSignal) =>
  renderFolder(ws, 'k8s-resources/big', 'helm', {
    runner: createSynthRunner({ isolation: 'bubblewrap' }),
    env: 'dev',
    helmPath: helmBinary(),
    ...(signal ? { signal } : {}),
  }).then(
    (text) => ({ code: 'rendered', message: `${text.length} bytes` }),
    (e: unknown) => e as { code: string; message: string },
  );

describe('render limits under bubblewrap', () => {
  it('kills a render whose caller gave up (a pull request plan past its deadline), long before its timeout', async () => {
    // given a chart that loops for far longer than the render's 120 s timeout
    const ws = chart(
      'spin',
      '{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{- end }}{{- end }}\n',
    );
    const caller = new AbortController();
    const started = Date.now();
    const rendering = render(ws, caller.signal);
    // when its caller gives up after a second
    setTimeout(() => caller.abort(), 1_000);
    // then the render ends (its process gone: a run resolves once the process exited) at once
    expect(await rendering).toMatchObject({ code: 'kube.render-failed' });
    const took = Date.now() - started;
    process.stderr.write(`render abandoned after 1000 ms ended after ${took} ms\n`);
    expect(took).toBeLessThan(5_000);
  });

  it('stops a chart writing past the output cap while it writes', async () => {
    // given a chart whose one ConfigMap holds 80 MB
    const ws = chart(
      'output',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a: {{ repeat 80000000 "x" }}\n',
    );

    // when it is rendered
    const outcome = await render(ws);

    // then the write itself was stopped at the cap (the file never held the 80 MB)
    expect(outcome).toMatchObject({ code: 'kube.render-failed' });
    expect(outcome.message).toMatch(/over the 67108864-byte limit/);
    const written = Number(/rendered (\d+) bytes/.exec(outcome.message)?.[1]);
    expect(written).toBeLessThanOrEqual(64 * 1024 * 1024 + 512);
  });

  it('stops a chart that asks for more memory than a render may use', async () => {
    // given a chart that holds 3 GB of strings and prints almost nothing
    const ws = chart(
      'memory',
      [
        '{{- $a := repeat 1000000000 "a" }}{{- $b := repeat 1000000000 "b" }}{{- $c := repeat 1000000000 "c" }}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  n: "{{ add (len $a) (len $b) (len $c) }}"\n',
      ].join('\n'),
    );

    // when it is rendered, then helm runs out of memory instead of taking the machine's
    const outcome = await render(ws);
    expect(outcome).toMatchObject({ code: 'kube.render-failed' });
    expect(outcome.message).toMatch(/ran out of the 3221225472-byte memory limit/);
  });
});
