import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the sandbox's real parts listen; written by `sandbox.sh up` to .sandbox/env.json. */
export interface SandboxEnv {
  readonly aws: {
    readonly endpoint: string;
    readonly region: string;
    readonly account: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
  readonly kubernetes: {
    readonly kubeconfig: string;
    readonly context: string;
    readonly server: string;
    readonly version: string;
  };
  /** The sandbox's Gitea: its base URL (no trailing slash), an admin user, and an API token with write scopes. */
  readonly gitea: {
    readonly url: string;
    readonly version: string;
    readonly adminUser: string;
    readonly adminPassword: string;
    readonly adminToken: string;
  };
}

/** The repository root (this file sits in test/sandbox/). */
export const repoRoot = join(__dirname, '..', '..');

/** The sandbox state folder, `.sandbox/` unless CAIRN_SANDBOX_DIR says otherwise. */
export const sandboxDir = process.env.CAIRN_SANDBOX_DIR ?? join(repoRoot, '.sandbox');

/** Reads .sandbox/env.json, or throws saying how to start the sandbox. */
export function sandboxEnv(): SandboxEnv {
  const file = join(sandboxDir, 'env.json');
  if (!existsSync(file)) {
    throw new Error(`the sandbox is not up (${file} is missing): run \`npm run sandbox:up\``);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxEnv;
}

/** AWS SDK client options pointing at the sandbox's moto_server. */
export function sandboxAwsClientConfig(env: SandboxEnv = sandboxEnv()) {
  return {
    region: env.aws.region,
    endpoint: env.aws.endpoint,
    credentials: { accessKeyId: env.aws.accessKeyId, secretAccessKey: env.aws.secretAccessKey },
    forcePathStyle: true,
  };
}
