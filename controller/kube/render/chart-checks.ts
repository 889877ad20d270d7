import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { entries, loadYaml, record, renderRefused } from './render-checks';

// Helm's own rule for a release name (pkg/chartutil ValidateReleaseName).
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Refuses a chart folder whose name (the release name, an argument of `helm template`) is not a
 * Helm release name. Found in review: a folder named `--post-renderer=sh` was read by helm as that
 * flag, and the chart's output ran as a shell script in the render's sandbox.
 */
export function checkReleaseName(release: string, shown: string): void {
  if (release.length > 53 || !RELEASE_NAME.test(release))
    throw renderRefused(
      shown,
      `the folder name ${JSON.stringify(release)} is not a Helm release name (lowercase letters, digits, - and ., at most 53 characters); cairn renders the chart with it as the release`,
      'rename the folder',
    );
}

/**
 * Refuses a chart whose Chart.yaml lists a dependency that is not vendored in charts/ (as a folder
 * `charts/<name>/` or an archive `charts/<name>-<version>.tgz`): helm would need the network.
 */
export function checkChartDependencies(dir: string, shown: string): void {
  const file = posix.join(shown, 'Chart.yaml');
  const chart = record(loadYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'), file)[0]) ?? {};
  const vendored = existsSync(join(dir, 'charts')) ? readdirSync(join(dir, 'charts')) : [];
  for (const dep of entries(chart, 'dependencies').map(record)) {
    const name = typeof dep?.name === 'string' ? dep.name : '';
    const found = vendored.some(
      (f) =>
        (f === name && existsSync(join(dir, 'charts', f, 'Chart.yaml'))) ||
        (f.startsWith(`${name}-`) && f.endsWith('.tgz')),
    );
    if (!found)
      throw renderRefused(
        file,
        `the dependency ${name || '(unnamed)'}${typeof dep?.repository === 'string' ? ` from ${dep.repository}` : ''} is not vendored in charts/; cairn renders without network`,
        'run `helm dependency build` and commit the charts/ folder it fills',
      );
  }
}
