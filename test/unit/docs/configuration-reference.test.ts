import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const reference = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');

interface SchemaNode {
  readonly type?: string;
  readonly $ref?: string;
  readonly enum?: readonly string[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly oneOf?: readonly SchemaNode[];
}

/** One row of the configuration reference's table (docs/configuration.md) as the schema says it must read. */
interface KeyRow {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
}

/** The type column's words: durations and environment-variable names by their definition, enums by their values. */
function typeOf(node: SchemaNode): string {
  if (node.$ref === '#/definitions/duration') return 'duration';
  if (node.$ref === '#/definitions/envVarName') return 'env var name';
  if (node.$ref) throw new Error(`the reference test knows no type word for ${node.$ref}`);
  if (node.enum) return node.enum.join(' \\| ');
  if (node.oneOf) return node.oneOf.map(typeOf).join(' \\| ');
  if (node.type === 'array') return 'list';
  return node.type ?? 'any';
}

function rows(node: SchemaNode, path: string): KeyRow[] {
  const inner = node.type === 'array' && node.items ? rows(node.items, `${path}[]`) : [];
  return inner.concat(
    Object.entries(node.properties ?? {}).flatMap(([k, v]) => {
      const p = path ? `${path}.${k}` : k;
      return [{ key: p, type: typeOf(v), required: node.required?.includes(k) ?? false }, ...rows(v, p)];
    }),
  );
}

/** The reference's table row for `key`: its type and required columns. */
function readmeRow(key: string): { type: string; required: boolean } | undefined {
  const escaped = key.replace(/[.[\]]/g, (c) => `\\${c}`);
  const match = new RegExp(`^\\| \`${escaped}\` \\| (.+?) \\| (yes|) *\\|`, 'm').exec(reference);
  return match ? { type: match[1]!, required: match[2] === 'yes' } : undefined;
}

describe('the configuration reference and the README', () => {
  const schema = JSON.parse(
    readFileSync(join(root, 'manifests-schema', 'cairn-config.schema.json'), 'utf8'),
  ) as SchemaNode;

  it.each(rows(schema, '').map((row) => [row.key, row]))(
    'documents the config key %s with its type and whether it is required',
    (_key, row) => {
      expect(readmeRow(row.key)).toEqual({ type: row.type, required: row.required });
    },
  );

  it('names the test command that .ci/run calls', () => {
    expect(readme).toContain('npm test');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
