import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { validateConfigFile } from '../../../controller/config/load-config';
import type { RawConfig } from '../../../controller/config/raw-config.generated';
import { runCli } from '../../helpers/cli';

jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'cairn-duration-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A valid config with every duration set (to a sensible value), then `set` applied to it. */
function configFile(set: (config: RawConfig) => void = () => undefined): string {
  const config: RawConfig = {
    repository: {
      url: 'https://gitea.example/team/app.git',
      pollInterval: '30s',
      host: { type: 'gitea', tokenEnv: 'GITEA_TOKEN', planTimeout: '15m' },
    },
    environments: [
      {
        name: 'staging',
        aws: { region: 'us-east-1', account: '123456789012' },
        kubernetes: { namespace: 'staging' },
      },
      {
        name: 'dev',
        driftInterval: '5m',
        promotion: { after: 'staging', healthyFor: '10m' },
        pullRequests: { planTimeout: '10m' },
        aws: { region: 'us-east-1', account: '123456789012', synthTimeout: '5m', deployTimeout: '30m' },
        kubernetes: { namespace: 'dev', healthTimeout: '2m' },
      },
    ],
    audit: { dir: './audit' },
    server: { headersTimeout: '10s', bodyTimeout: '10s' },
    sharding: { leaseDuration: '15s', renewInterval: '5s' },
  };
  set(config);
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** Every duration field of the config, where the test config sets it. */
const fields: readonly [string, (config: RawConfig, value: string) => void][] = [
  ['repository.pollInterval', (c, v) => (c.repository.pollInterval = v)],
  ['repository.host.planTimeout', (c, v) => (c.repository.host!.planTimeout = v)],
  ['environments[1].pullRequests.planTimeout', (c, v) => (c.environments[1]!.pullRequests!.planTimeout = v)],
  ['environments[1].aws.synthTimeout', (c, v) => (c.environments[1]!.aws!.synthTimeout = v)],
  ['environments[1].aws.deployTimeout', (c, v) => (c.environments[1]!.aws!.deployTimeout = v)],
  ['environments[1].kubernetes.healthTimeout', (c, v) => (c.environments[1]!.kubernetes!.healthTimeout = v)],
  ['server.headersTimeout', (c, v) => (c.server!.headersTimeout = v)],
  ['server.bodyTimeout', (c, v) => (c.server!.bodyTimeout = v)],
  ['sharding.leaseDuration', (c, v) => (c.sharding!.leaseDuration = v)],
];

describe('durations in the config', () => {
  it('the test config is valid as it is', () => {
    expect(validateConfigFile(configFile())).toMatchObject({ ok: true });
  });

  it.each(fields)('%s: 0s is refused, naming the field', (field, set) => {
    const result = validateConfigFile(configFile((c) => set(c, '0s')));
    expect(result).toMatchObject({ ok: false });
    expect(JSON.stringify(result)).toContain(field);
    expect(JSON.stringify(result)).toContain('it must be above 0');
  });

  it.each(fields)(
    '%s: 1000h (past what a timer can wait, so it would fire at once) is refused',
    (field, set) => {
      const result = validateConfigFile(configFile((c) => set(c, '1000h')));
      expect(result).toMatchObject({ ok: false });
      expect(JSON.stringify(result)).toContain(field);
      expect(JSON.stringify(result)).toContain('longer than cairn can wait');
    },
  );

  it('0s is taken where it means something: no drift passes, promotion once healthy', () => {
    const file = configFile((c) => {
      c.environments[1]!.driftInterval = '0s';
      c.environments[1]!.promotion!.healthyFor = '0s';
    });
    expect(validateConfigFile(file)).toMatchObject({ ok: true });
  });

  it('a real `cairn validate` exits 1 on `planTimeout: 0s` and names the field', async () => {
    const file = configFile((c) => (c.environments[1]!.pullRequests!.planTimeout = '0s'));
    const result = await runCli(['validate', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('environments[1].pullRequests.planTimeout');
    expect(result.stdout + result.stderr).toContain('"0s" is no time at all');
  });
});
