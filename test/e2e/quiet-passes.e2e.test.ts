import type { ListedEntry } from '../../controller/audit/types';
import { runCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';

jest.setTimeout(300_000);

describe('quiet passes in the audit trail (cairn sync against the sandbox)', () => {
  let platform: E2ePlatform;

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    expect(
      (await runCli(['bootstrap', '--config', platform.configFile, '--env', 'dev'], awsTestCredentials()))
        .code,
    ).toBe(0);
  });

  afterAll(() => {
    platform?.cleanup();
  });

  it('folds syncs of the applied commit that change nothing into the entry that applied it, and shows when dev was last checked', async () => {
    // given dev applied once
    const sync = () =>
      runCli(['sync', '--config', platform.configFile, '--env', 'dev', '--json'], awsTestCredentials());
    const first = await sync();
    expect(first.code).toBe(0);

    // when it is synced twice more on the same commit, with nothing to do
    expect((await sync()).code).toBe(0);
    expect((await sync()).code).toBe(0);

    // then the trail holds one entry with the two quiet passes folded into it, and says when dev was last checked
    const list = await runCli(['audit', 'list', '--config', platform.configFile, '--json']);
    const entries = JSON.parse(list.stdout) as ListedEntry[];
    expect(entries).toHaveLength(1);
    expect(entries[0]!.checks).toMatchObject({ count: 2 });
    const text = await runCli(['audit', 'list', '--config', platform.configFile]);
    expect(text.stdout).toMatch(/dev: last checked \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    expect(text.stdout).toMatch(/2 quiet pass\(es\) folded/);
    expect((await runCli(['audit', 'verify', '--config', platform.configFile])).code).toBe(0);
  });
});
