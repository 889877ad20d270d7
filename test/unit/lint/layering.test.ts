import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'layering');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs dependency-cruiser with the repo's rules in `dir`, as `npm run lint:layers` does. */
function depcruise(dir: string, extra: readonly string[] = []) {
  return spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
      '--config',
      join(root, '.dependency-cruiser.cjs'),
      ...extra,
      'controller',
      'cdk',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
}

/** The exit code of the lint's own invocation, and the violations from the JSON report. */
function cruise(dir: string): { readonly code: number | null; readonly violations: readonly Violation[] } {
  const report = JSON.parse(depcruise(dir, ['--output-type', 'json']).stdout) as {
    summary: { violations: Violation[] };
  };
  return { code: depcruise(dir).status, violations: report.summary.violations };
}

describe('the layering rule of npm run lint', () => {
  it('passes a tree whose imports run model ← middle ← reconcile ← server, cli', () => {
    const { code, violations } = cruise(join(fixtures, 'good'));
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });

  describe('on a tree with an upward import, a cycle, a peer import and test code in the product', () => {
    const { code, violations } = cruise(join(fixtures, 'bad'));
    const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);

    it('fails', () => {
      expect(code).not.toBe(0);
    });

    it.each([
      'model-imports-nothing: controller/model/change.ts → controller/reconcile/reconcile.ts',
      'reconcile-imports-no-upper-layer: controller/reconcile/reconcile.ts → controller/server/status.ts',
      'cdk-imports-only-model: cdk/deploy.ts → controller/config/types.ts',
      'middle-layer-imports-no-peer: controller/kube/prune.ts → controller/audit/trail.ts',
      'middle-layer-imports-no-peer: controller/host/post-status.ts → controller/kube/apply.ts',
      'product-imports-no-tooling: controller/kube/apply.ts → test/helper.ts',
      'synth-and-deploy-apart: cdk/synth/run-app.ts → cdk/deploy/deploy-stack.ts',
      'install-imports-only-kube-and-config: controller/install/objects.ts → controller/reconcile/reconcile.ts',
    ])('reports %s', (violation) => {
      expect(found).toContain(violation);
    });

    it('reports a library loaded outside its seam', () => {
      expect(found).toContainEqual(
        expect.stringMatching(
          /^kubernetes-client-in-its-seam: controller\/server\/kube-status\.ts → .*@kubernetes\/client-node/,
        ),
      );
    });

    it('reports the cycle between two modules', () => {
      expect(violations.filter((v) => v.rule.name === 'no-circular').map((v) => v.from)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^controller\/kube\/(apply|prune)\.ts$/)]),
      );
    });
  });
});
