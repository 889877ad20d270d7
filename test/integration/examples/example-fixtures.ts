import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { outputsTransform, type InputTransform } from '../../../controller/kube/aws-bindings';
import { readManifests } from '../../../controller/kube/read-manifests';
import { helmBinary } from '../../helpers/helm';
import { kustomizeBinary } from '../../helpers/renderers';
import { repoRoot } from '../../sandbox/sandbox-env';

/** A Kubernetes object as the example's manifests spell it. */
export interface ExampleObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
}

/** An object of a branch with the file cairn names it by (`k8s-resources/<folder> (kustomize)` when rendered). */
export interface BranchObject extends ExampleObject {
  readonly file: string;
}

/** What one synth run left behind. */
export interface SynthResult {
  readonly outDir: string;
  readonly manifest: {
    readonly artifacts: Record<
      string,
      { readonly type: string; readonly properties?: { stackName?: string; tags?: Record<string, string> } }
    >;
  };
  template(artifactId: string): {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
}

/** A fresh temp dir named after the test, removed by the returned function. */
export function tempDir(name: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `cairn-examples-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs git with a fixed, config-free environment. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}

/** Clones one branch into `target`, the way the controller gets a checkout of an environment. */
export function cloneBranch(repo: string, branch: string, target: string): string {
  execFileSync('git', ['clone', '-q', '--branch', branch, repo, target], {
    timeout: 30_000,
    env: { PATH: process.env.PATH, HOME: target, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  return target;
}

/**
 * Synthesizes `<checkout>/aws-resources` as the controller does: cdk.json's app command, the
 * checkout as cwd, a scrubbed environment whose NODE_PATH is cairn's node_modules, and the
 * context in CDK_CONTEXT_JSON.
 */
export function synthesize(checkout: string, outDir: string, context: Record<string, string>): SynthResult {
  const appDir = join(checkout, 'aws-resources');
  const app = (JSON.parse(readFileSync(join(appDir, 'cdk.json'), 'utf8')) as { app: string }).app;
  const [command, ...args] = app.split(' ');
  execFileSync(command!, args, {
    cwd: appDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: outDir,
      NODE_PATH: join(repoRoot, 'node_modules'),
      CDK_OUTDIR: outDir,
      CDK_CONTEXT_JSON: JSON.stringify(context),
    },
  });
  return {
    outDir,
    manifest: JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as SynthResult['manifest'],
    template: (id) => JSON.parse(readFileSync(join(outDir, `${id}.template.json`), 'utf8')),
  };
}

/** The stand-in values {@link fakeOutputs} gives the data stack's outputs. */
export function fakeOutputValues(stackName: string): { QueueUrl: string; RoleArn: string } {
  return {
    QueueUrl: `https://sqs.example.invalid/000000000000/${stackName}-queue`,
    RoleArn: `arn:aws:iam::000000000000:role/${stackName}-role`,
  };
}

/**
 * The binding transform over stand-in outputs of `<prefix>-<env>-data`, for the checks that read
 * manifests without the AWS half (the demo e2e test shows the real values). Only that stack's
 * QueueUrl and RoleArn exist, so a reference to any other stack or output still fails the read
 * with `aws.output-missing`, as it would in a reconcile.
 */
export function fakeOutputs(prefix: string, env: string): InputTransform {
  const stackName = `${prefix}-${env}-data`;
  return outputsTransform(new Map([[stackName, new Map(Object.entries(fakeOutputValues(stackName)))]]));
}

/**
 * Every object of `k8s-resources/` on `branch`, read as the controller reads it: plain manifests
 * parsed, and the Kustomize overlay and the Helm chart rendered by the sandbox's kustomize and helm
 * under bubblewrap, with `env`'s values file and `namespace` as the release namespace. `transform`
 * is the binding transform applied to each plain file and renderer input (see {@link fakeOutputs}).
 */
export async function branchObjects(
  repo: string,
  branch: string,
  namespace: string,
  transform?: InputTransform,
): Promise<BranchObject[]> {
  const checkout = mkdtempSync(join(tmpdir(), `cairn-examples-${branch}-`));
  try {
    cloneBranch(repo, branch, join(checkout, 'ws'));
    const objects = await readManifests(join(checkout, 'ws'), transform ? { transform } : {}, {
      runner: createSynthRunner({ isolation: 'bubblewrap' }),
      env: branch,
      namespace,
      kustomizePath: kustomizeBinary(),
      helmPath: helmBinary(),
      ...(transform ? { transform } : {}),
    });
    return objects.map((o) => ({ ...(o.object as unknown as ExampleObject), file: o.file }));
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}
