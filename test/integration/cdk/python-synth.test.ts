import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bubblewrapRunner } from '../../../cdk/synth/bubblewrap-runner';
import { discardAssembly, synthesizeApp } from '../../../cdk/synth/synthesize';
import { silentLog } from '../../../controller/log';
import { repoRoot, sandboxEnv } from '../../sandbox/sandbox-env';
import { sandboxTarget } from './cdk-fixture';

jest.setTimeout(300_000);

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

// Appended to the example app: what the app can see and do from inside the isolation, written into
// the template's metadata so the test reads it from the assembly.
const PROBE = `
import json, os, socket
def _probe():
    found = {"env": sorted(os.environ), "deps_writable": False, "network": False, "root_home": os.path.exists("/root")}
    try:
        with open(os.path.join(os.environ["PYTHONPATH"], "planted.py"), "w") as f:
            f.write("x = 1")
        found["deps_writable"] = True
    except OSError:
        pass
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
        found["network"] = True
    except OSError:
        pass
    return found
stack.template_options.metadata = {"probe": _probe()}
`;

/**
 * The Python example app (examples/platform-python) synthesized by the real pip (wheels from the
 * package index) and python3 under the real bubblewrap: its stack, outputs and isolation.
 */
describe('a Python CDK app synthesized under bubblewrap', () => {
  let workspace: string;
  let cacheDir: string;

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'cairn-pysynth-'));
    cacheDir = join(workspace, '..', `${workspace.split('/').pop()}-pydeps`);
    // A cache made private by an earlier synth without another user: reopened to the app's group.
    mkdirSync(cacheDir, { mode: 0o700 });
    cpSync(join(repoRoot, 'examples', 'platform-python', 'aws-resources'), join(workspace, 'aws-resources'), {
      recursive: true,
    });
    const moto = new URL(sandboxEnv().aws.endpoint);
    const host = moto.hostname === 'localhost' ? '127.0.0.1' : moto.hostname;
    const app = join(workspace, 'aws-resources', 'app.py');
    const text = readFileSync(app, 'utf8').replace(
      'app.synth()',
      // An address, not a name: the isolation has no /etc/hosts, and the probe is about the network.
      `HOST, PORT = ${JSON.stringify(host)}, ${moto.port || 80}\n${PROBE}\napp.synth()`,
    );
    writeFileSync(app, text);
  });
  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('writes the stack with the queue, the role and their outputs, confined and offline', async () => {
    process.env.CAIRN_TEST_SECRET = 'must-not-reach-the-app';
    const assembly = await synthesizeApp({
      workspaceDir: workspace,
      env: 'dev',
      target: sandboxTarget({ synthTimeoutMs: 240_000 }),
      commitSha: sha,
      log: silentLog(),
      pythonCacheDir: cacheDir,
      runner: bubblewrapRunner(),
    });
    try {
      // Then the one stack is there, named from the context cairn passed
      expect(assembly.stacks.map((s) => s.stackName)).toEqual(['shop-dev-jobs']);
      const stack = assembly.stacks[0]!;
      const template = JSON.parse(readFileSync(stack.templateFile, 'utf8')) as {
        Resources: Record<string, { Type: string }>;
        Outputs: Record<string, unknown>;
        Metadata: { probe: { env: string[]; deps_writable: boolean; network: boolean; root_home: boolean } };
      };
      const types = Object.values(template.Resources).map((r) => r.Type);
      expect(types).toEqual(expect.arrayContaining(['AWS::SQS::Queue', 'AWS::IAM::Role']));
      expect(Object.keys(template.Outputs).sort()).toEqual(['QueueUrl', 'RoleArn']);
      // And the app saw only cairn's variables, could not write its dependencies, reach moto or see /root
      const probe = template.Metadata.probe;
      expect(probe.env).not.toContain('CAIRN_TEST_SECRET');
      expect(probe.env).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(probe.env).toEqual(expect.arrayContaining(['CDK_OUTDIR', 'PYTHONPATH']));
      expect(probe).toMatchObject({ deps_writable: false, network: false, root_home: false });
      // And the dependencies sit in a cache no other user can write
      const [entry] = readdirSync(cacheDir);
      expect(statSync(cacheDir).mode & 0o027).toBe(0);
      expect(statSync(join(cacheDir, entry!)).mode & 0o022).toBe(0);
      expect(existsSync(join(cacheDir, entry!, 'planted.py'))).toBe(false);
    } finally {
      discardAssembly(assembly.dir);
      delete process.env.CAIRN_TEST_SECRET;
    }
  });
});
