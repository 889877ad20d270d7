import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planInstall } from '../../../controller/cli/commands/install';
import { validateConfigFile } from '../../../controller/config/load-config';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The YAML block under the README's "A minimal config" heading. */
function minimalConfig(): string {
  const section = readme.split(/^## A minimal config$/m)[1] ?? '';
  const block = /^```yaml\n([\s\S]*?)^```$/m.exec(section);
  if (!block) throw new Error('README.md: no yaml block under "## A minimal config"');
  return block[1]!;
}

/**
 * The README's minimal config is what a new user copies first, then runs `cairn validate` and
 * `cairn install --export` on, as the README says: it must be valid and follow cairn's own advice,
 * so that neither command warns about it.
 */
describe("the README's minimal config", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-readme-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is valid', () => {
    const file = join(dir, 'cairn.yaml');
    writeFileSync(file, minimalConfig());
    const checked = validateConfigFile(file);
    expect(checked.ok ? [] : checked.errors).toEqual([]);
  });

  it('gives `cairn install --export --config cairn.yaml` nothing to warn about', () => {
    const said: string[] = [];
    const plan = planInstall(
      { export: true, namespace: 'cairn', synthRunner: true, config: 'cairn.yaml' },
      minimalConfig(),
      'cairn.yaml',
      (text) => said.push(text),
    );
    expect(plan).not.toBe(2);
    expect(said).toEqual([]);
    expect(plan === 2 ? [] : plan.notes).toEqual([]);
  });
});
