/**
 * Benchmark of the AWS applier against the aws-cdk CLI (`cdk deploy --all`), both pointed at the
 * sandbox's moto_server: a three-stack app deployed cold, a commit that changes nothing in
 * aws-resources/ (cairn skips it by the folder's git tree hash: no synth, no CloudFormation call),
 * then a commit that changes one stack. Run: `npx tsx test/bench/cdk-bench.ts [--json]`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bootstrapEnvironment } from '../../cdk/deploy/bootstrap';
import { createAwsApplier } from '../../cdk/create-aws-applier';
import type { AwsTargetConfig } from '../../controller/config/types';
import { silentLog } from '../../controller/log';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';

const execFileAsync = promisify(execFile);
/**
 * The CLI's deploy method. Its default, change-set, names every change set cdk-deploy-change-set and
 * moto finds change sets by name across stacks, so it fails at random there; direct (CreateStack or
 * UpdateStack) is the CLI path moto runs. --no-previous-parameters: moto answers 500 to
 * UsePreviousValue on the SSM-typed BootstrapVersion parameter.
 */
const CLI_METHOD = process.env.CDK_BENCH_CLI_METHOD ?? 'direct';

/** The figures of one run, in milliseconds, with cairn ÷ CLI ratios. */
export interface CdkBenchFigures {
  readonly cairn: { readonly cold: number; readonly unchanged: number; readonly changed: number };
  readonly cli: { readonly cold: number; readonly unchanged: number; readonly changed: number };
  readonly ratio: { readonly cold: number; readonly unchanged: number; readonly changed: number };
  readonly target: { readonly changed: 0.5 };
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

/** A repository with three commits: the app, a change outside aws-resources/, a change to one stack. */
function makeRepository(prefix: string): { dir: string; shas: [string, string, string] } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cdk-bench-'));
  cpSync(join(repoRoot, 'test', 'fixtures', 'cdk-apps', 'scenario-app'), join(dir, 'aws-resources'), {
    recursive: true,
  });
  const scenario = (value: string) =>
    writeFileSync(
      join(dir, 'aws-resources', 'scenario.json'),
      JSON.stringify({
        prefix,
        stacks: [
          { name: 'Network', queues: ['Q'] },
          { name: 'Data', dependsOn: ['Network'], parameters: { Size: value } },
          { name: 'Api', dependsOn: ['Data'], queues: ['Requests'], lambda: true },
        ],
      }),
    );
  scenario('small');
  git(dir, 'init', '-q', '-b', 'main');
  const commit = (message: string) => {
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=bench', '-c', 'user.email=bench@cairn.local', 'commit', '-q', '-m', message);
    return git(dir, 'rev-parse', 'HEAD');
  };
  const first = commit('three stacks');
  writeFileSync(join(dir, 'README.md'), 'docs only\n');
  const second = commit('docs only');
  scenario('large');
  const third = commit('resize Data');
  return { dir, shas: [first, second, third] };
}

/**
 * The newest aws-cdk CLI on the registry reads cloud assembly schema 43 while the installed
 * aws-cdk-lib writes 55; for the CLI peer the app's cdk.json runs the app and then relabels the
 * manifests' schema version and drops artifact types it does not know (the feature-flag report), a
 * ~50 ms node process, so the CLI does its normal synth and deploy.
 */
const RELABEL = `node -e "const fs=require('fs'),p=require('path'),d=process.env.CDK_OUTDIR;for(const f of fs.readdirSync(d).filter(f=>f.endsWith('.json'))){const j=JSON.parse(fs.readFileSync(p.join(d,f),'utf8'));if(typeof j.version==='string'){j.version='43.0.0';delete j.minimumCliVersion;for(const [k,a] of Object.entries(j.artifacts||{}))if(!['aws:cloudformation:stack','cdk:tree','cdk:asset-manifest'].includes(a.type))delete j.artifacts[k];fs.writeFileSync(p.join(d,f),JSON.stringify(j))}}"`;

/** A checkout of one commit in a fresh folder (what the source module hands the applier). */
function checkout(repo: string, sha: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cdk-bench-ws-'));
  execFileSync('sh', ['-c', `git -C "${repo}" archive ${sha} | tar -x -C "${dir}"`]);
  return dir;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}

/**
 * The CLI addresses S3 virtual-host style (`<bucket>.localhost`), which does not resolve here, and
 * an IP endpoint would make moto read the template URL's host as a bucket; this preload resolves
 * every `*.localhost` to localhost in the CLI's process only.
 */
function localhostShim(): string {
  const file = join(tmpdir(), 'cairn-cdk-bench-localhost-shim.js');
  writeFileSync(
    file,
    `const dns = require('node:dns'); const lookup = dns.lookup;
dns.lookup = function (host, ...rest) { return lookup.call(this, /\\.localhost$/.test(host) ? 'localhost' : host, ...rest); };`,
  );
  return file;
}

/** The same three commits through the aws-cdk CLI, with its own stack names (its own prefix). */
async function cliDeploy(
  workspace: string,
  target: AwsTargetConfig,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  await execFileAsync(
    join(repoRoot, 'node_modules', '.bin', 'cdk'),
    [
      'deploy',
      '--all',
      '--method',
      CLI_METHOD,
      '--no-previous-parameters',
      '--require-approval',
      'never',
      '--ci',
      '--no-notices',
      '--context',
      'gitops:environment=bench',
      '--context',
      'gitops:commit=cli',
    ],
    {
      cwd: join(workspace, 'aws-resources'),
      timeout: 600_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_PATH: join(repoRoot, 'node_modules'),
        AWS_ENDPOINT_URL: target.endpoint,
        NODE_OPTIONS: `--require ${localhostShim()}`,
        AWS_REGION: target.region,
        AWS_DEFAULT_REGION: target.region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        CDK_DISABLE_VERSION_CHECK: '1',
        CDK_DISABLE_CLI_TELEMETRY: 'true',
      },
    },
  );
}

/** Runs the benchmark once and returns its figures. */
export async function runBench(): Promise<CdkBenchFigures> {
  const { aws } = sandboxEnv();
  const credentials = { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
  const target: AwsTargetConfig = {
    region: aws.region,
    account: aws.account,
    endpoint: aws.endpoint,
    prune: false,
    synthTimeoutMs: 300_000,
    deployTimeoutMs: 300_000,
  };
  await bootstrapEnvironment(target, silentLog(), { credentials });
  const suffix = randomBytes(3).toString('hex');
  const cairnRepo = makeRepository(`bench-cairn-${suffix}`);
  const cliRepo = makeRepository(`bench-cli-${suffix}`);
  const applier = createAwsApplier(`bench-${suffix}`, target, silentLog(), { credentials });
  let applied: string | undefined;
  // The reconciler's skip: the git tree hash of aws-resources/ against the last applied commit's.
  const reconcile = async (sha: string) => {
    const tree = git(cairnRepo.dir, 'rev-parse', `${sha}:aws-resources`);
    if (applied !== undefined && git(cairnRepo.dir, 'rev-parse', `${applied}:aws-resources`) === tree) return;
    const workspace = checkout(cairnRepo.dir, sha);
    const result = await applier.apply(await applier.synthesize(workspace, sha), sha);
    if (result.failure) throw new Error(`apply failed: ${result.failure.message}`);
    applied = sha;
  };
  const cairn = {
    cold: await timed(() => reconcile(cairnRepo.shas[0])),
    unchanged: await timed(() => reconcile(cairnRepo.shas[1])),
    changed: await timed(() => reconcile(cairnRepo.shas[2])),
  };
  process.stderr.write(`cairn: ${JSON.stringify(cairn)}\n`);
  const workspaces = cliRepo.shas.map((sha) => checkout(cliRepo.dir, sha));
  for (const ws of workspaces) {
    writeFileSync(
      join(ws, 'aws-resources', 'cdk.json'),
      JSON.stringify({ app: `node app.js && ${RELABEL}` }),
    );
  }
  const cli = {
    cold: await timed(() => cliDeploy(workspaces[0]!, target, credentials)),
    unchanged: await timed(() => cliDeploy(workspaces[1]!, target, credentials)),
    changed: await timed(() => cliDeploy(workspaces[2]!, target, credentials)),
  };
  for (const dir of [cairnRepo.dir, cliRepo.dir, ...workspaces])
    rmSync(dir, { recursive: true, force: true });
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  return {
    cairn,
    cli,
    ratio: {
      cold: ratio(cairn.cold, cli.cold),
      unchanged: ratio(cairn.unchanged, cli.unchanged),
      changed: ratio(cairn.changed, cli.changed),
    },
    target: { changed: 0.5 },
  };
}

/** The benchmark entry the bench runner and other benchmarks share the name of. */
export const run = runBench;

async function main(): Promise<void> {
  const figures = await runBench();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figures));
    return;
  }
  console.log('case       cairn ms   cdk CLI ms   ratio');
  for (const key of ['cold', 'unchanged', 'changed'] as const) {
    console.log(
      `${key.padEnd(10)} ${String(figures.cairn[key]).padStart(8)}   ${String(figures.cli[key]).padStart(10)}   ${figures.ratio[key].toFixed(3)}`,
    );
  }
  console.log(`target for the changed commit: ratio <= ${figures.target.changed}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
