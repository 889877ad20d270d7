import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { createLog, silentLog } from '../../../controller/log';
import { isCairnError } from '../../../controller/model/errors';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { sandboxTarget, unique, workspaceWith } from './cdk-fixture';

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

async function synthError(workspaceDir: string, timeoutMs = 60_000): Promise<unknown> {
  const target = sandboxTarget({ synthTimeoutMs: timeoutMs });
  return synthesizeApp({ workspaceDir, env: 'dev', target, commitSha: sha, log: silentLog() }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('synthesizing the CDK app of a workspace', () => {
  it('reads stacks, dependencies, tags and asset manifests, with the environment and commit passed as context', async () => {
    // given an app with two stacks, one depending on the other and one with a file asset
    const prefix = unique('synth');
    const dir = workspaceWith({
      prefix,
      stacks: [
        { name: 'Base', parameters: { Where: 'env={env} commit={commit}' } },
        { name: 'Fn', dependsOn: ['Base'], lambda: true },
      ],
    });
    // when it is synthesized for environment "staging"
    const assembly = await synthesizeApp({
      workspaceDir: dir,
      env: 'staging',
      target: sandboxTarget(),
      commitSha: sha,
      log: silentLog(),
    });
    // then the assembly has both stacks, read with the CDK's own reader
    expect(assembly.stacks.map((s) => [s.id, s.stackName, s.dependencies])).toEqual([
      ['Base', `${prefix}-Base`, []],
      ['Fn', `${prefix}-Fn`, ['Base']],
    ]);
    const fn = assembly.stacks[1]!;
    expect(fn.tags).toEqual({ 'cairn-test': prefix });
    expect(fn.terminationProtection).toBe(false);
    expect(fn.assetManifests).toHaveLength(1);
    expect(readFileSync(fn.assetManifests[0]!, 'utf8')).toContain('.zip');
    // and the app saw the environment and commit as context
    expect(readFileSync(assembly.stacks[0]!.templateFile, 'utf8')).toContain(`env=staging commit=${sha}`);
  });

  it.each([
    ['dev', 1],
    ['prod', 3],
  ])('runs a TypeScript app with tsx that sizes itself for %s (%i queues)', async (env, queues) => {
    // given a TypeScript app that makes more queues in prod
    const dir = workspaceWith({}, 'ts-app');
    // when it is synthesized for the environment
    const assembly = await synthesizeApp({
      workspaceDir: dir,
      env,
      target: sandboxTarget(),
      commitSha: sha,
      log: silentLog(),
    });
    // then its template has that environment's size
    const template = JSON.parse(readFileSync(assembly.stacks[0]!.templateFile, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::SQS::Queue')).toHaveLength(
      queues,
    );
    expect(assembly.stacks[0]!.stackName).toBe(`ts-app-${env}`);
  });

  it('fails the synthesize phase with the app’s own error text when the app throws', async () => {
    // given an app that throws
    const dir = workspaceWith({ throw: 'bucket name must be lowercase: MyBucket' });
    // when it is synthesized
    const error = await synthError(dir);
    // then a CairnError of the synthesize phase carries the app's message
    expect(isCairnError(error) && [error.code, error.phase]).toEqual(['synth.failed', 'synthesize']);
    expect((error as Error).message).toContain('bucket name must be lowercase: MyBucket');
  });

  it('kills an app that hangs past its timeout and says so', async () => {
    // given an app that never exits
    const dir = workspaceWith({ hang: true });
    // when it is synthesized with a 2 s timeout
    const started = Date.now();
    const error = await synthError(dir, 2_000);
    // then it fails soon after the timeout, as a timeout
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(isCairnError(error) && error.code).toBe('synth.timeout');
    expect((error as Error).message).toContain('did not finish within 2s');
  });

  it('fails at once, saying what to write instead, for the app command `cdk init` writes (npx ts-node)', async () => {
    // given the TypeScript app `cdk init app --language typescript` makes: its cdk.json runs npx,
    // which finds only packages in the app's own node_modules and downloads any other
    const dir = workspaceWith({}, 'ts-app');
    writeFileSync(
      `${dir}/aws-resources/cdk.json`,
      JSON.stringify({ app: 'npx ts-node --prefer-ts-exts app.ts' }),
    );
    // when it is synthesized in the sandbox, where nothing can be downloaded
    const started = Date.now();
    const error = await synthError(dir);
    // then npm does not wait on a network it cannot have (it retried for over a minute) ...
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(isCairnError(error) && error.code).toBe('synth.failed');
    // ... and the hint names npx and the command that works: cairn's own tsx
    expect(isCairnError(error) && error.hint).toMatch(/npx .*tsx app\.ts/s);
  }, 120_000);

  it('runs the app without cairn’s credentials or secrets in its environment', async () => {
    // given cairn's process holds AWS credentials and a token
    process.env.AWS_SECRET_ACCESS_KEY = 'cairn-own-secret-key';
    process.env.GIT_TOKEN = 'cairn-own-git-token';
    try {
      // when an app that prints its environment runs
      const message = ((await synthError(workspaceWith({ throwEnv: true }))) as Error).message;
      // then it saw the CDK's variables and none of cairn's secrets
      expect(message).toContain('CDK_DEFAULT_REGION');
      expect(message).toContain('CDK_OUTDIR');
      expect(message).not.toContain('cairn-own-secret-key');
      expect(message).not.toContain('cairn-own-git-token');
      expect(message).not.toContain('AWS_SECRET_ACCESS_KEY');
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.GIT_TOKEN;
    }
  });

  it('installs aws-resources/package.json dependencies once per lockfile', async () => {
    // given an app with a package.json and lockfile, and an empty dependency cache
    const dir = workspaceWith({ throw: 'stop after the install' });
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'app', version: '1.0.0' } },
    };
    require('node:fs').writeFileSync(
      `${dir}/aws-resources/package.json`,
      JSON.stringify({ name: 'app', version: '1.0.0' }),
    );
    require('node:fs').writeFileSync(`${dir}/aws-resources/package-lock.json`, JSON.stringify(lock));
    const cacheDir = workspaceWith({}) + '/deps-cache';
    const lines = new PassThrough();
    const seen: string[] = [];
    lines.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
    const log = createLog({ destination: lines });
    // when it is synthesized twice with the same lockfile
    for (let i = 0; i < 2; i++) {
      await synthesizeApp({
        workspaceDir: dir,
        env: 'dev',
        target: sandboxTarget(),
        commitSha: sha,
        log,
        cacheDir,
      }).catch(() => undefined);
    }
    // then npm ci ran only the first time
    expect(seen.join('').match(/installing the CDK app dependencies/g)).toHaveLength(1);
  });

  it('installs one lockfile for two environments synthesized at once, neither failing on the other', async () => {
    // given two environments whose apps share a package.json and lockfile, and an empty cache
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'app', version: '1.0.0' } },
    };
    const dirs = ['a', 'b'].map(() => {
      const dir = workspaceWith({ throw: 'stop after the install' });
      writeFileSync(`${dir}/aws-resources/package.json`, JSON.stringify({ name: 'app', version: '1.0.0' }));
      writeFileSync(`${dir}/aws-resources/package-lock.json`, JSON.stringify(lock));
      return dir;
    });
    const cacheDir = workspaceWith({}) + '/deps-cache';
    // when both are synthesized at the same time
    const errors = await Promise.all(
      dirs.map((workspaceDir, i) =>
        synthesizeApp({
          workspaceDir,
          env: `env${i}`,
          target: sandboxTarget(),
          commitSha: sha,
          log: silentLog(),
          cacheDir,
        }).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    // then each gets as far as its own app (which throws), not an install failure
    for (const error of errors) {
      expect(isCairnError(error) && error.code).toBe('synth.failed');
      expect(String((error as Error).message)).toContain('stop after the install');
    }
  });

  it('refuses a template larger than CloudFormation takes, before anything reads it whole', async () => {
    // given an app that writes a cloud assembly whose template is 2 MiB
    const dir = workspaceWith({});
    const app = [
      "const { writeFileSync } = require('node:fs');",
      'const out = process.env.CDK_OUTDIR;',
      "const stack = { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region',",
      "  properties: { templateFile: 'Big.template.json' } };",
      "writeFileSync(out + '/manifest.json', JSON.stringify({ version: '36.0.0', artifacts: { Big: stack } }));",
      "const pad = 'x'.repeat(2 * 1024 * 1024);",
      "writeFileSync(out + '/Big.template.json', JSON.stringify({ Resources: {}, Metadata: { pad } }));",
    ].join('\n');
    writeFileSync(`${dir}/aws-resources/big-app.js`, app);
    writeFileSync(`${dir}/aws-resources/cdk.json`, JSON.stringify({ app: 'node big-app.js' }));
    // when it is synthesized
    const error = await synthError(dir);
    // then it is refused, naming the stack's template and the limit
    expect(isCairnError(error) && error.code).toBe('synth.too-large');
    expect(String(error)).toContain('stack Big template');
    expect(String(error)).toContain('1048576');
  });

  it('refuses a cloud assembly manifest too large to parse on the shared event loop, before parsing it', async () => {
    // given an app whose manifest.json carries 17 MiB of metadata
    const dir = workspaceWith({});
    const app = [
      "const { writeFileSync } = require('node:fs');",
      'const out = process.env.CDK_OUTDIR;',
      "const pad = 'x'.repeat(17 * 1024 * 1024);",
      "const stack = { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region',",
      "  properties: { templateFile: 'S.template.json' }, metadata: { '/S': [{ type: 'aws:cdk:info', data: pad }] } };",
      "writeFileSync(out + '/manifest.json', JSON.stringify({ version: '36.0.0', artifacts: { S: stack } }));",
      "writeFileSync(out + '/S.template.json', '{}');",
    ].join('\n');
    writeFileSync(`${dir}/aws-resources/big-manifest-app.js`, app);
    writeFileSync(`${dir}/aws-resources/cdk.json`, JSON.stringify({ app: 'node big-manifest-app.js' }));
    // when it is synthesized
    const error = await synthError(dir);
    // then it is refused, naming the file and the limit
    expect(isCairnError(error) && error.code).toBe('synth.too-large');
    expect(String(error)).toContain('cdk.out/manifest.json');
    expect(String(error)).toContain(String(16 * 1024 * 1024));
  });
});
