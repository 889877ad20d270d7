import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
}

function keys(node: SchemaNode, path: string): string[] {
  const here = node.type === 'array' && node.items ? keys(node.items, `${path}[]`) : [];
  return here.concat(
    Object.entries(node.properties ?? {}).flatMap(([k, v]) => {
      const p = path ? `${path}.${k}` : k;
      return [p, ...keys(v, p)];
    }),
  );
}

describe('the README', () => {
  const schema = JSON.parse(
    readFileSync(join(root, 'manifests-schema', 'cairn-config.schema.json'), 'utf8'),
  ) as SchemaNode;

  it.each(keys(schema, ''))('documents the config key %s', (key) => {
    expect(readme).toContain(`\`${key}\``);
  });

  it('names the test command that .ci/run calls', () => {
    expect(readme).toContain('npm test');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
