import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';
import { commitFolder } from './git-repo';

/**
 * Makes `repo` the platform repository of the hostile CDK app (test/fixtures/cdk-apps/hostile-app)
 * on its one branch, hostile: the app reads `targets` (what to read, list, write and connect to,
 * its mark file and daemon marker) from aws-resources/targets.json and reports what it reached.
 */
export function hostileAppRepo(repo: string, targets: object): void {
  mkdirSync(join(repo, 'aws-resources'), { recursive: true });
  cpSync(join(repoRoot, 'test', 'fixtures', 'cdk-apps', 'hostile-app'), join(repo, 'aws-resources'), {
    recursive: true,
  });
  writeFileSync(join(repo, 'aws-resources', 'targets.json'), JSON.stringify(targets));
  commitFolder(repo, 'hostile', 'a CDK app that hunts for secrets');
}

/**
 * Writes the config of a `cairn run` over `hostileAppRepo`: the one AWS environment hostile on the
 * sandbox's moto, synthesized as `synth` says, holding its secrets in the variables an operator
 * would use (GIT_TOKEN, CAIRN_WEBHOOK_SECRET, CAIRN_API_TOKEN), so the app has them to hunt for.
 */
export function writeHostileRunConfig(
  configFile: string,
  options: {
    readonly repo: string;
    readonly synth: Record<string, unknown>;
    readonly audit: { readonly dir: string; readonly keyFile: string };
    readonly workspacesDir: string;
  },
): void {
  const { aws } = sandboxEnv();
  writeFileSync(
    configFile,
    stringify({
      repository: { url: options.repo, pollInterval: '1h', auth: { tokenEnv: 'GIT_TOKEN' } },
      environments: [
        {
          name: 'hostile',
          aws: { region: aws.region, account: aws.account, endpoint: aws.endpoint, synth: options.synth },
        },
      ],
      audit: options.audit,
      workspaces: { dir: options.workspacesDir },
      // metricsAuth: a config with a sidecar runner needs it (config-checks.ts checkSidecarServer).
      server: {
        port: 0,
        webhookSecretEnv: 'CAIRN_WEBHOOK_SECRET',
        apiTokenEnv: 'CAIRN_API_TOKEN',
        metricsAuth: true,
      },
    }),
  );
}
