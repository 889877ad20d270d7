import { hostname, userInfo } from 'node:os';
import { Command } from 'commander';
import { loadConfig } from '../../config/load-config';
import type { CairnConfig } from '../../config/types';
import { CairnError, errorMessage } from '../../model/errors';
import { maskSecrets, rememberSecrets } from '../../model/secret-mask';

/** What the suspend, resume and promote commands ask the running controller for. */
type ControlAction = 'suspend' | 'resume' | 'promote';

/** How the suspend/resume/promote commands reach the running controller. */
interface ControlOptions {
  readonly config: string;
  readonly reason?: string;
  /** promote: the explicit "yes, past the gate". */
  readonly force?: boolean;
  readonly server?: string;
  readonly tokenEnv?: string;
}

const DEFAULT_TOKEN_ENV = 'CAIRN_API_TOKEN';
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * `cairn suspend <env>`, `cairn resume <env>` and `cairn promote <env> --force`. They ask the running controller (its API, with
 * a sync-scope token) rather than writing the ledger themselves: the controller holds the ledger's
 * writer lock, and the replica that records the request is the one every other replica reads.
 */
export function controlCommands(
  configOption: () => import('commander').Option,
  exit: (code: number) => void,
): Command[] {
  const make = (action: ControlAction, description: string) => {
    const command = new Command(action)
      .description(description)
      .argument('<env>', 'the environment')
      .addOption(configOption())
      .option('--reason <text>', 'why (recorded in the ledger and shown in the status)')
      .option(
        '--server <url>',
        "the controller's API (default: server.publicUrl, else 127.0.0.1:server.port)",
      )
      .option(
        '--token-env <name>',
        `the environment variable holding a sync-scope API token (default: server.apiTokenEnv, else ${DEFAULT_TOKEN_ENV})`,
      )
      .action(async (env: string, o: ControlOptions) => exit(await controlCommand(action, env, o)));
    if (action === 'promote')
      command.option('--force', 'required: apply the held head without the gate’s condition');
    return command;
  };
  return [
    make(
      'suspend',
      'stop reconciling an environment (not even drift) until `cairn resume`; recorded in the ledger',
    ),
    make(
      'resume',
      'reconcile a suspended environment again: its branch head, and any hand edit made meanwhile',
    ),
    make(
      'promote',
      'apply the head a promotion gate holds back, without waiting (needs --force; recorded in the ledger)',
    ),
  ];
}

/** Sends the request and prints the controller's answer; 0 when it took it. */
export async function controlCommand(action: ControlAction, env: string, o: ControlOptions): Promise<number> {
  if (action === 'promote' && !o.force) {
    process.stderr.write(
      `cairn: promote ${env} skips its promotion gate: say so with --force (and why with --reason)\n`,
    );
    return 2;
  }
  const config = loadConfig(o.config);
  const base = (o.server ?? config.server.publicUrl ?? `http://127.0.0.1:${config.server.port}`).replace(
    /\/+$/,
    '',
  );
  const token = apiToken(config, o.tokenEnv);
  const url = `${base}/api/environments/${encodeURIComponent(env)}/${action}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: actor(), reason: o.reason ?? '' }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CairnError(`cannot reach the controller at ${base}: ${errorMessage(error)}`, {
      code: 'server.unreachable',
      subject: url,
      hint: 'start `cairn run`, or pass --server with the URL of its API',
    });
  }
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  // The answer is the server's text (or a proxy's in front of it), which may quote the token sent.
  const message = maskSecrets(String(body.message ?? `HTTP ${response.status}`));
  if (!response.ok) {
    process.stderr.write(`cairn: ${action} ${env} refused by ${base}: ${message}\n`);
    return 1;
  }
  process.stdout.write(`${message}\n`);
  return 0;
}

/** The API token from `--token-env`, else `server.apiTokenEnv`, else CAIRN_API_TOKEN. */
function apiToken(config: CairnConfig, tokenEnv: string | undefined): string {
  const name = tokenEnv ?? config.server.apiTokenEnv ?? DEFAULT_TOKEN_ENV;
  const value = process.env[name]?.trim();
  if (!value)
    throw new CairnError(`the environment variable ${name} holds no API token`, {
      code: 'config.invalid',
      subject: name,
      hint: 'set it to a token with the sync scope (server.apiTokens), or name another with --token-env',
    });
  // --token-env and CAIRN_API_TOKEN may name a variable the config does not.
  rememberSecrets([value]);
  return value;
}

/** `user@host` of whoever runs the command: recorded as who suspended or resumed. */
function actor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`;
}
