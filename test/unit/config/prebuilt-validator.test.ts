import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { validate as prebuilt } from '../../../controller/config/validate-config.generated';

const schemaFile = join(__dirname, '..', '..', '..', 'manifests-schema', 'cairn-config.schema.json');

/** The schema compiled at run time with the options load-config.ts used before it was prebuilt. */
const compiled = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(
  JSON.parse(readFileSync(schemaFile, 'utf8')) as object,
);

function errorsOf(validate: ValidateFunction, data: unknown): ErrorObject[] | null | undefined {
  validate(data);
  return validate.errors;
}

const base = {
  repository: { url: 'https://example.com/infra.git' },
  environments: [{ name: 'dev', kubernetes: { namespace: 'dev' } }],
  audit: { dir: './audit' },
};

describe('controller/config/validate-config.generated.ts, the prebuilt config validator', () => {
  it.each<[string, unknown]>([
    ['a valid config', base],
    ['not an object', 'cairn'],
    ['an empty object (every required key)', {}],
    [
      'an unknown key and an inline secret',
      { ...base, colour: 'red', repository: { url: 'x', auth: { token: 't' } } },
    ],
    ['a bad enum', { ...base, repository: { url: 'x', backend: 'libgit2' } }],
    [
      'a bad duration (pattern with a description)',
      { ...base, repository: { url: 'x', pollInterval: 'soon' } },
    ],
    ['an empty url (minLength)', { ...base, repository: { url: '' } }],
    ['a wrong type deep down', { ...base, environments: [{ name: 7, kubernetes: { namespace: ['a'] } }] }],
    [
      'an API token matching no oneOf branch',
      { ...base, server: { apiTokens: [{ name: 'ci', scopes: ['write'] }] } },
    ],
  ])('gives exactly the errors of the schema compiled at run time for %s', (_, data) => {
    // Given the same data, when both validate it, then every error (path, keyword, params,
    // message, parentSchema) is the same, so load-config.ts's messages are unchanged
    const expected = errorsOf(compiled, data);
    expect(errorsOf(prebuilt as ValidateFunction, data)).toEqual(expected);
    // (and the cases mean something: only the valid config has no errors)
    expect((expected?.length ?? 0) > 0).toBe(data !== base);
  });
});
