import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSecretValues } from '../../../controller/config/secret-values';

/** A field of the config schema: where it is (array items as `[]`), its name and its schema. */
interface Field {
  readonly path: readonly string[];
  readonly name: string;
  readonly schema: Record<string, unknown>;
}

type Schema = Record<string, unknown>;
const schema = JSON.parse(
  readFileSync(join(__dirname, '../../../manifests-schema/cairn-config.schema.json'), 'utf8'),
) as Schema & { definitions: Record<string, Schema> };

function resolved(node: Schema): Schema {
  const ref = node.$ref;
  return typeof ref === 'string' ? resolved(schema.definitions[ref.replace('#/definitions/', '')]!) : node;
}

/** Every property of the schema, at any depth (through arrays and oneOf/anyOf/allOf). */
function fieldsOf(node: Schema, path: readonly string[] = []): Field[] {
  const n = resolved(node);
  const here = Object.entries((n.properties as Record<string, Schema> | undefined) ?? {}).flatMap(
    ([name, child]) => [{ path, name, schema: resolved(child) }, ...fieldsOf(child, [...path, name])],
  );
  const items = n.items && typeof n.items === 'object' ? fieldsOf(n.items as Schema, [...path, '[]']) : [];
  const alternatives = (['oneOf', 'anyOf', 'allOf'] as const).flatMap((k) =>
    ((n[k] as Schema[] | undefined) ?? []).flatMap((alt) => fieldsOf(alt, path)),
  );
  return [...here, ...items, ...alternatives];
}

// A name that says the field is, or points at, a secret.
const SECRET_LOOKING = /(?:Env|File)$|^(?:env|file)$|token|password|secret|key/i;
// Fields with such a name that hold no secret, each with why; a new one must be argued here.
const NOT_SECRETS: Record<string, string> = {
  'audit.unkeyed': 'a boolean',
};

/** A document holding only `value` at `path.name` (one array item where the path has `[]`). */
function documentWith(path: readonly string[], name: string, value: string): unknown {
  const build = (rest: readonly string[]): unknown => {
    if (rest.length === 0) return { [name]: value };
    const [head, ...tail] = rest;
    return head === '[]' ? [build(tail)] : { [head!]: build(tail) };
  };
  return build(path);
}

/**
 * Every field of the config schema whose name looks like a secret (…Env, …File, token, password,
 * key) is one the config's secrets are read from (`configSecretValues`, which every command
 * remembers when it reads the config): a new one cannot be added without being masked, or argued
 * above as no secret.
 */
describe('the config schema’s secret fields', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-secret-fields-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A list or a section of them (`server.apiTokens`, `audit.retiredKeys`) is checked field by field.
  const secretLooking = fieldsOf(schema).filter(
    (f) => SECRET_LOOKING.test(f.name) && f.schema.type !== 'array' && f.schema.type !== 'object',
  );
  const where = (f: Field) => [...f.path, f.name].join('.').replace(/\.\[\]/g, '[]');

  it('are found (the walk reads the schema)', () => {
    expect(secretLooking.map(where)).toEqual(
      expect.arrayContaining([
        'repository.auth.tokenEnv',
        'server.apiTokens[].file',
        'audit.retiredKeys[].env',
      ]),
    );
  });

  it.each(secretLooking.map((f) => [where(f), f] as const))(
    '%s is read for masking (or argued as no secret)',
    (name, field) => {
      if (NOT_SECRETS[name]) return;
      expect(field.schema.type).toBe('string');
      const canary = `canary-${name.replace(/\W/g, '-')}-value`;
      // An environment variable's name, or a file's path: the schema's description says which.
      const variable = /(?:Env|^env)$/.test(field.name);
      if (!variable) writeFileSync(join(dir, `${name}.secret`), `${canary}\n`);
      const document = documentWith(field.path, field.name, variable ? 'CANARY_VARIABLE' : `${name}.secret`);
      expect(configSecretValues(document, dir, { CANARY_VARIABLE: canary })).toContain(canary);
    },
  );
});
