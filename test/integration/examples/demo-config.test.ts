import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { demoConfigTemplate, writeDemoConfig } from '../../../examples/write-demo-config';
import { loadConfig } from '../../../controller/config/load-config';
import { helmBinary } from '../../helpers/helm';
import { kustomizeBinary } from '../../helpers/renderers';
import { sandboxDir, sandboxEnv } from '../../sandbox/sandbox-env';
import { tempDir } from './example-fixtures';

interface WrittenConfig {
  readonly repository: { readonly url: string };
  readonly environments: readonly {
    readonly name: string;
    readonly branch: string;
    readonly aws: { readonly endpoint: string; readonly region: string; readonly account: string };
    readonly kubernetes: {
      readonly kubeconfig: string;
      readonly context: string;
      readonly namespace: string;
    };
  }[];
  readonly audit: { readonly dir: string };
  readonly workspaces: { readonly dir: string };
  readonly server: { readonly port: number };
  readonly kubernetes: {
    readonly kustomize: { readonly path: string };
    readonly helm: { readonly path: string };
  };
}

describe('writeDemoConfig', () => {
  const tmp = tempDir('config');
  afterAll(() => tmp.remove());

  it('fills every placeholder of examples/cairn.yaml from the running sandbox', () => {
    // Given the sandbox's env.json and a repository path with YAML-special characters in it
    const repoUrl = join(tmp.dir, "it's: a repo");

    // When the demo config is written
    const file = writeDemoConfig({
      sandboxEnvFile: join(sandboxDir, 'env.json'),
      repoUrl,
      outFile: join(tmp.dir, 'out', 'cairn.yaml'),
      auditDir: join(tmp.dir, 'audit'),
      port: 18_080,
      prefix: 'demo1',
    });

    // Then the three environments point at the sandbox's moto_server and kube-apiserver
    const text = readFileSync(file, 'utf8');
    const config = parse(text) as WrittenConfig;
    const sandbox = sandboxEnv();
    expect(config.repository.url).toBe(repoUrl);
    expect(config.environments.map((e) => [e.name, e.branch, e.kubernetes.namespace])).toEqual([
      ['dev', 'dev', 'demo1-dev'],
      ['staging', 'staging', 'demo1-staging'],
      ['prod', 'prod', 'demo1-prod'],
    ]);
    for (const env of config.environments) {
      expect(env.aws).toMatchObject({
        endpoint: sandbox.aws.endpoint,
        region: sandbox.aws.region,
        account: sandbox.aws.account,
      });
      expect(env.kubernetes).toMatchObject({
        kubeconfig: sandbox.kubernetes.kubeconfig,
        context: sandbox.kubernetes.context,
      });
    }
    expect(config.audit.dir).toBe(join(tmp.dir, 'audit'));
    expect(config.workspaces.dir).toBe(join(tmp.dir, 'workspaces'));
    expect(config.server.port).toBe(18_080);
    // And the example's overlay and chart render with the sandbox's kustomize and helm
    expect(config.kubernetes).toEqual({
      kustomize: { path: kustomizeBinary() },
      helm: { path: helmBinary() },
    });
    expect(loadConfig(file)).toMatchObject({
      kubernetes: { kustomizePath: kustomizeBinary(), helmPath: helmBinary() },
    });
    // And nothing is left to fill in outside the comments
    expect(JSON.stringify(config)).not.toContain('${');
    expect(readFileSync(demoConfigTemplate(), 'utf8')).toContain('${awsEndpoint}');
  });

  it('says how to build kustomize when the sandbox has not built it', () => {
    // Given a cache folder without the pinned kustomize
    const cache = process.env.CAIRN_CACHE_DIR;
    process.env.CAIRN_CACHE_DIR = join(tmp.dir, 'empty-cache');
    try {
      // When the demo config is written, then it fails naming the missing binary and the build command
      expect(() =>
        writeDemoConfig({
          sandboxEnvFile: join(sandboxDir, 'env.json'),
          repoUrl: tmp.dir,
          outFile: join(tmp.dir, 'never.yaml'),
          auditDir: tmp.dir,
        }),
      ).toThrow(
        `${join(tmp.dir, 'empty-cache', 'bin', 'kustomize-v5.8.2')}: kustomize v5.8.2 is not built. run \`bash test/sandbox/build-binaries.sh\``,
      );
    } finally {
      if (cache === undefined) delete process.env.CAIRN_CACHE_DIR;
      else process.env.CAIRN_CACHE_DIR = cache;
    }
  });

  it('says how to start the sandbox when its env.json is missing', () => {
    // When the sandbox file does not exist, then the error names it and the command to run
    expect(() =>
      writeDemoConfig({
        sandboxEnvFile: join(tmp.dir, 'absent.json'),
        repoUrl: tmp.dir,
        outFile: join(tmp.dir, 'never.yaml'),
        auditDir: tmp.dir,
      }),
    ).toThrow(
      /absent\.json: cannot read the sandbox's addresses: .*start the sandbox with `npm run sandbox:up`/,
    );
  });
});
