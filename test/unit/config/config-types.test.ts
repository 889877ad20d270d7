import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

const tool = join(__dirname, '..', '..', 'tools', 'config-types.ts');
const schemaFile = join(__dirname, '..', '..', '..', 'manifests-schema', 'cairn-config.schema.json');

/** Runs the generator's staleness check as `npm run generate:config-types -- --check` would. */
function check(...args: string[]) {
  return spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), tool, '--check', ...args], {
    encoding: 'utf8',
  });
}

describe('controller/config/raw-config.generated.ts and validate-config.generated.ts, generated from the config schema', () => {
  it('is up to date with manifests-schema/cairn-config.schema.json (run `npm run generate:config-types` when this fails)', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is reported stale once the schema gains a key', () => {
    // Given the schema with one more server key
    const dir = mkdtempSync(join(tmpdir(), 'cairn-schema-'));
    try {
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
        properties: { server: { properties: Record<string, unknown> } };
      };
      schema.properties.server.properties.readTimeout = { description: 'A new key.', type: 'string' };
      const changed = join(dir, 'schema.json');
      writeFileSync(changed, JSON.stringify(schema));
      // When the check runs against it, then it fails and says what to run
      const result = check('--schema', changed);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('npm run generate:config-types');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the prebuilt validator stale when only a rule the types cannot show changes', () => {
    // Given the schema with repository.url's minLength raised (json-schema-to-typescript ignores it,
    // so the types stay as they are and only the validator can catch it)
    const dir = mkdtempSync(join(tmpdir(), 'cairn-schema-'));
    try {
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
        properties: { repository: { properties: { url: { minLength: number } } } };
      };
      schema.properties.repository.properties.url.minLength = 2;
      const changed = join(dir, 'schema.json');
      writeFileSync(changed, JSON.stringify(schema));
      // When the check runs against it, then it names the validator alone and says what to run
      const result = check('--schema', changed);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('validate-config.generated.ts is stale');
      expect(result.stderr).not.toContain('raw-config.generated.ts');
      expect(result.stderr).toContain('npm run generate:config-types');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
