import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { format, resolveConfig } from 'prettier';

const root = join(__dirname, '..', '..');
/** The config validator generated from the schema; never edited by hand. */
export const VALIDATOR_FILE = join(root, 'controller', 'config', 'validate-config.generated.ts');

/**
 * The options load-config.ts compiled the schema with at run time before the validator was
 * prebuilt; kept identical so every error (path, keyword, params, parentSchema) is the same.
 * `verbose` is what puts `parentSchema` on an error, whose description names a pattern's meaning.
 */
const OPTIONS = { allErrors: true, strict: false, verbose: true } as const;

/**
 * The generated validator's text for the schema as it is now: Ajv's standalone code, so the CLI
 * no longer compiles the schema on every start (100 ms idle, 0.5–1 s under load). A `.ts` file
 * (type-checking off) rather than `.js`, so `tsc` carries it into dist/ like every other module.
 */
export async function generateConfigValidator(schemaFile: string): Promise<string> {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
  const ajv = new Ajv({ ...OPTIONS, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  const text =
    '// Generated from manifests-schema/cairn-config.schema.json by `npm run generate:config-types`.\n' +
    '// Do not edit: change the schema and run the script (test/unit/config/config-types.test.ts fails when this is stale).\n' +
    '// Ajv standalone code with the options of test/tools/config-validator.ts; load-config.ts types it.\n' +
    '/* eslint-disable */\n' +
    '// @ts-nocheck\n' +
    code.replace(/^"use strict";/, '');
  return format(text, { ...(await resolveConfig(VALIDATOR_FILE)), filepath: VALIDATOR_FILE });
}
