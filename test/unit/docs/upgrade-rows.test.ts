import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dayTwo = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'day-two.md'), 'utf8');
/** The upgrade rows of docs/day-two.md: what a release newly refuses, and what to do. */
const upgradeRows = dayTwo.split('\n').filter((line) => line.startsWith('| since '));

describe('docs/day-two.md upgrade rows', () => {
  // A table of the grant check that no row names is a refusal a user meets on upgrade unwarned.
  it.each([
    ['ACCOUNT_SETTINGS', 'cdk/deploy/account-settings.ts'],
    ['RESOURCELESS_TAG_WRITES', 'cdk/deploy/resourceless-tagging.ts'],
    ['RESOURCELESS_WRITES_BY_ID', 'cdk/deploy/resourceless-writes.ts'],
    ['RETAGS_STACKS', 'cdk/deploy/template-grants.ts'],
  ])('has a row for the refusals of %s (%s), saying what to do', (table, file) => {
    const row = upgradeRows.find((line) => line.includes(`\`${table}\` in \`${file}\``));
    expect(row).toBeDefined();
    expect(row).toContain('aws.out-of-bounds');
    expect(row).toContain('environments[].aws.externalTargets');
  });
});
