import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { git } from './demo-steps';

/** The change the demo merges: one file edited on the AWS side and one added on the Kubernetes side. */
export interface DemoChange {
  readonly message: string;
  readonly description: string;
}

const ANCHOR = `    this.table = new dynamodb.Table(this, 'Orders', {`;

/**
 * Adds a dead-letter queue to the data stack and a feature-flag ConfigMap. Both are made so that
 * a cherry-pick onto another environment's branch applies cleanly: the stack file is the same on
 * every branch, and the new manifest names no namespace (each environment fills in its own).
 */
export function applyDemoChange(repoDir: string): DemoChange {
  const stackFile = join(repoDir, 'aws-resources', 'lib', 'data-stack.ts');
  const source = readFileSync(stackFile, 'utf8');
  if (!source.includes(ANCHOR))
    throw new Error(`${stackFile}: the demo change expects the line "${ANCHOR.trim()}"`);
  writeFileSync(
    stackFile,
    source.replace(
      ANCHOR,
      `    new sqs.Queue(this, 'JobsDeadLetter', { queueName: target.name('jobs-dlq'), removalPolicy });\n\n${ANCHOR}`,
    ),
  );
  writeFileSync(
    join(repoDir, 'k8s-resources', 'feature-flags.yaml'),
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'feature-flags', labels: { 'app.kubernetes.io/part-of': 'shop' } },
      data: { CHECKOUT_V2: 'on' },
    }),
  );
  return {
    message: 'Add a dead-letter queue and the checkout-v2 feature flag',
    description: 'aws-resources/lib/data-stack.ts gains a queue; k8s-resources/feature-flags.yaml is new',
  };
}

/**
 * Commits, on dev, a CDK app that throws before it synthesizes: a terminal failure that stalls the
 * environment. `--break-app` uses it to show (and its test to prove) that the demo ends at once
 * with the failure's code and message instead of waiting.
 */
export function breakApp(repoDir: string): string {
  const appFile = join(repoDir, 'aws-resources', 'bin', 'app.ts');
  git(repoDir, 'checkout', '-q', 'dev');
  writeFileSync(
    appFile,
    `throw new Error('broken on purpose by the demo (--break-app)');\n${readFileSync(appFile, 'utf8')}`,
  );
  git(repoDir, 'commit', '-q', '-am', 'Break the CDK app on purpose');
  return 'aws-resources/bin/app.ts now throws before it synthesizes';
}
