import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(60_000);

const MAIN = join(__dirname, '..', '..', '..', 'controller', 'cli', 'main.ts');
const onNode20 = Number(process.versions.node.split('.')[0]) < 22;

/** stderr of a Node process that makes an AWS SDK client, after loading `cairn`'s binary module or not. */
function stderrOfClient(loadCairn: boolean): string {
  const script = [
    loadCairn ? `require(${JSON.stringify(MAIN)});` : '',
    "const { CloudFormationClient } = require('@aws-sdk/client-cloudformation');",
    "new CloudFormationClient({ region: 'us-east-1' });",
  ].join('\n');
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    env,
    encoding: 'utf8',
  }).stderr;
}

/** The AWS SDK's notice about its future Node 22 requirement never reaches a cairn user's terminal. */
describe("the AWS SDK's Node version notice", () => {
  (onNode20 ? it : it.skip)('is printed by a plain process on Node 20 (what the binary silences)', () => {
    expect(stderrOfClient(false)).toContain('NodeVersionSupportWarning');
  });

  it('is not printed by a process running the cairn binary', () => {
    expect(stderrOfClient(true)).not.toContain('NodeVersionSupportWarning');
  });
});
