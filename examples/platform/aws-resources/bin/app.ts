import * as cdk from 'aws-cdk-lib';
import { ApiStack } from '../lib/api-stack';
import { DataStack } from '../lib/data-stack';
import { readTarget } from '../lib/settings';

// cairn runs this with the checkout as cwd, CDK_OUTDIR and CDK_CONTEXT_JSON set, and NODE_PATH at its
// own node_modules: `node --require tsx/cjs bin/app.ts` (CommonJS, because ESM ignores NODE_PATH).
const app = new cdk.App();
const target = readTarget(app);

// Stack tags reach every taggable resource, so the account shows which commit put each one there.
const tags = { 'gitops:environment': target.env, 'gitops:commit': target.commit, app: target.prefix };

const data = new DataStack(app, 'Data', { stackName: target.name('data'), target, tags });
new ApiStack(app, 'Api', { stackName: target.name('api'), target, data, tags });

app.synth();
