import { mkdir } from 'node:fs/promises';
import type { AuditConfig } from '../config/types';
import { CairnError } from '../model/errors';
import type { Log } from '../log';
import { acquireAuditLock, type AuditLock } from './audit-lock';
import { loadChainKey, type ChainKey } from './chain-key';
import type { ChainStore } from './chain-store';
import type * as DynamoDb from './dynamodb-store';
import { FileWitness } from './file-witness';
import { JsonlStore } from './jsonl-store';

/** An opened store, its key, and the lock that makes this process its only writer (JSONL). */
export interface AuditBackend {
  readonly store: ChainStore;
  readonly key: ChainKey;
  readonly lock?: AuditLock;
}

/**
 * The store and key `config` describes; `write` also takes the JSONL writer lock. `rotateBytes`:
 * see AuditLogOptions.
 */
export async function openAuditBackend(
  config: AuditConfig,
  write: boolean,
  log?: Log,
  options: { readonly rotateBytes?: number } = {},
): Promise<AuditBackend> {
  const key = loadChainKey(config);
  if (config.backend === 'dynamodb') {
    if (!config.dynamodb)
      throw new CairnError('audit.dynamodb is missing', {
        code: 'config.invalid',
        subject: 'audit.dynamodb',
      });
    // Required here: the AWS SDK's DynamoDB client costs every file-ledger command its load time.
    const { DynamoDbStore } = require('./dynamodb-store') as typeof DynamoDb;
    return { store: new DynamoDbStore(config.dynamodb), key };
  }
  if (write) await mkdir(config.dir, { recursive: true, mode: 0o750 });
  const lock = write ? await acquireAuditLock(config.dir, log) : undefined;
  return {
    store: new JsonlStore(config.dir, new FileWitness(config.witnessDir), options.rotateBytes),
    key,
    ...(lock ? { lock } : {}),
  };
}
