import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderConfined } from '../../../../controller/kube/render/confined-render';
import type { RenderJob, RenderRunner } from '../../../../controller/kube/render/types';
import { CairnError } from '../../../../controller/model';
import { silentLog } from '../../../../controller/log';

/**
 * How a render hands its job to a runner: where its folders are made (a private temp folder, or a
 * sidecar's work root), and how a runner's own failure is told (naming the folder, keeping its code).
 */
describe('renderConfined', () => {
  let dir: string;
  let binary: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-confined-'));
    mkdirSync(join(dir, 'ws', 'k8s-resources', 'web'), { recursive: true });
    writeFileSync(join(dir, 'ws', 'k8s-resources', 'web', 'kustomization.yaml'), 'resources: []\n');
    binary = join(dir, 'kustomize');
    writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A runner double: records the job, writes the output a renderer would, or fails as told. */
  const runner = (over: Partial<RenderRunner>, seen: RenderJob[] = []): RenderRunner => ({
    isolation: 'sidecar',
    unavailable: () => Promise.resolve(undefined),
    run: (job) => {
      seen.push(job);
      writeFileSync(join(job.output!, 'rendered.yaml'), 'kind: ConfigMap\n');
      return Promise.resolve({ code: 0, signal: null, timedOut: false, output: '' });
    },
    ...over,
  });
  const render = (r: RenderRunner) =>
    renderConfined(
      join(dir, 'ws'),
      r,
      {
        folder: 'k8s-resources/web',
        subject: 'k8s-resources/web (kustomize)',
        binary,
        command: '"$BIN" build',
        env: {},
        timeoutMs: 1_000,
        check: () => undefined,
      },
      silentLog(),
    );

  it("makes a sidecar's job folders under its work root, shared with the work root's group, with the output cap", async () => {
    // given a sidecar runner whose work root is a folder of ours
    const work = join(dir, 'work');
    const seen: RenderJob[] = [];

    // when a folder is rendered through it
    const text = await render(runner({ workRoot: work }, seen));

    // then the job ran in <work>/synth/cairn-render-*, its output capped, and it is all gone after
    expect(text).toBe('kind: ConfigMap\n');
    const [job] = seen;
    expect(job!.cwd).toMatch(new RegExp(`^${join(work, 'synth', 'cairn-render-')}[0-9a-f]{32}/src$`));
    expect(job!.writable.every((w) => w.startsWith(join(work, 'synth')))).toBe(true);
    expect(job!.maxOutputBytes).toBe(64 * 1024 * 1024);
    expect(statSync(join(work, 'synth')).mode & 0o7777).toBe(0o2710);
  });

  it.each([
    ['unreachable', 'synth.runner-unreachable', true],
    ['refused', 'synth.runner-refused', false],
  ])(
    "tells a runner that is %s by the folder's name, keeping its code and retry",
    async (_name, code, retryable) => {
      // given a runner that fails with its own error
      const failing = runner({
        workRoot: join(dir, 'work'),
        run: () =>
          Promise.reject(
            new CairnError('synth runner not reachable at /s', {
              code,
              phase: 'synthesize',
              subject: 'aws-resources',
              retryable,
              hint: 'run the runner',
            }),
          ),
      });

      // when a folder is rendered through it, then the error names the folder, once, with the hint once
      const error = (await render(failing).catch((e: unknown) => e)) as CairnError;
      expect(error).toMatchObject({
        code,
        retryable,
        phase: 'plan',
        subject: 'k8s-resources/web (kustomize)',
      });
      expect(error.message).toBe(
        'k8s-resources/web (kustomize): synth runner not reachable at /s. run the runner',
      );
    },
  );
});
