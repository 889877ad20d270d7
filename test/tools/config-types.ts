import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import { format, resolveConfig } from 'prettier';
import { generateConfigValidator, VALIDATOR_FILE } from './config-validator';

const root = join(__dirname, '..', '..');
/** The source of truth for the config file's shape. */
export const SCHEMA_FILE = join(root, 'manifests-schema', 'cairn-config.schema.json');
/** The TypeScript type generated from it; never edited by hand. */
export const GENERATED_FILE = join(root, 'controller', 'config', 'raw-config.generated.ts');

/**
 * Names for the schema's nested objects, by JSON pointer, so the generated file exports one named
 * type per section instead of inlining them. Named here rather than as `title`s in the schema, so
 * the schema stays a plain description of the file.
 */
const NAMES: Readonly<Record<string, string>> = {
  '': 'RawConfig',
  '/properties/repository': 'RawRepository',
  '/properties/repository/properties/auth': 'RawRepositoryAuth',
  '/properties/repository/properties/host': 'RawRepositoryHost',
  '/properties/environments/items': 'RawEnvironment',
  '/properties/environments/items/properties/aws': 'RawAwsTarget',
  '/properties/environments/items/properties/kubernetes': 'RawKubernetesTarget',
  '/properties/audit': 'RawAudit',
  '/properties/server': 'RawServer',
  '/properties/workspaces': 'RawWorkspaces',
  '/properties/reconcile': 'RawReconcile',
  '/properties/sharding': 'RawSharding',
};

type SchemaNode = Record<string, unknown>;

function named(schema: SchemaNode): SchemaNode {
  const copy = structuredClone(schema);
  for (const [pointer, title] of Object.entries(NAMES)) {
    const node = pointer
      .split('/')
      .slice(1)
      .reduce<SchemaNode | undefined>((at, key) => at?.[key] as SchemaNode | undefined, copy);
    if (!node) throw new Error(`${SCHEMA_FILE} has nothing at ${pointer} to name ${title}`);
    node.title = title;
  }
  return copy;
}

/** The generated file's text for the schema as it is now (formatted with the repository's prettier config). */
export async function generateConfigTypes(schemaFile: string = SCHEMA_FILE): Promise<string> {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as SchemaNode;
  const text = await compile(named(schema) as JSONSchema, 'RawConfig', {
    bannerComment:
      '// Generated from manifests-schema/cairn-config.schema.json by `npm run generate:config-types`.\n' +
      '// Do not edit: change the schema and run the script (test/unit/config/config-types.test.ts fails when this is stale).',
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    unreachableDefinitions: false,
    format: false,
  });
  return format(text, { ...(await resolveConfig(GENERATED_FILE)), filepath: GENERATED_FILE });
}

/**
 * `tsx test/tools/config-types.ts` writes both generated files (the types and the prebuilt
 * validator); with `--check` it only compares and exits 1 when either is stale (`--schema FILE`
 * checks against another schema, which the test uses to show the check bites). A separate process
 * because prettier loads itself with a dynamic import that jest's CommonJS runtime refuses.
 */
async function cli(args: readonly string[]): Promise<number> {
  const at = args.indexOf('--schema');
  const schema = at >= 0 ? args[at + 1]! : SCHEMA_FILE;
  const outputs: ReadonlyArray<readonly [string, string]> = [
    [GENERATED_FILE, await generateConfigTypes(schema)],
    [VALIDATOR_FILE, await generateConfigValidator(schema)],
  ];
  if (!args.includes('--check')) {
    for (const [file, text] of outputs) {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
    return 0;
  }
  const stale = outputs.filter(([file, text]) => readFileSync(file, 'utf8') !== text).map(([file]) => file);
  for (const file of stale)
    process.stderr.write(
      `${file} is stale: the schema changed. Run \`npm run generate:config-types\` and commit the result.\n`,
    );
  return stale.length > 0 ? 1 : 0;
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
