import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateContinuousBackupsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CairnError } from '../model/errors';

/** Sort key of a chain's head item: records start at seq 1. */
export const HEAD_SEQ = 0;
const READY_TIMEOUT_MS = 60_000;
/**
 * The partition listing the chains (one item per environment, sort key a hash of its name), so
 * that opening reads it with a Query instead of scanning the table. Env names never hold `#`.
 */
export const REGISTRY = '#envs';
/** The registry's item `seq = 0` says the table has the registry (tables from before it are indexed once). */
export const LAYOUT_SEQ = 0;
const LAYOUT = 2;
type Item = Record<string, AttributeValue>;

/**
 * Makes the audit table ready: creates it when missing (on-demand billing, deletion protection on,
 * then point-in-time recovery on) and waits until it is ACTIVE; a table from before the `#envs`
 * registry is indexed into it once.
 */
export async function ensureLedgerTable(
  client: DynamoDBClient,
  table: string,
  location: string,
): Promise<void> {
  let created = false;
  if ((await tableStatus(client, table)) === null) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          // The ledger is evidence: deleting the table takes a deliberate step first.
          DeletionProtectionEnabled: true,
          AttributeDefinitions: [
            { AttributeName: 'env', AttributeType: 'S' },
            { AttributeName: 'seq', AttributeType: 'N' },
          ],
          KeySchema: [
            { AttributeName: 'env', KeyType: 'HASH' },
            { AttributeName: 'seq', KeyType: 'RANGE' },
          ],
        }),
      );
      created = true;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error; // another writer made it
    }
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await tableStatus(client, table)) !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new CairnError('the audit table did not become ACTIVE in time', {
        code: 'audit.table-not-ready',
        phase: 'record',
        subject: location,
        retryable: true,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (created) {
    // Restorable to any second of the last 35 days: a bad write or a deleted item can be undone.
    await client.send(
      new UpdateContinuousBackupsCommand({
        TableName: table,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      }),
    );
    await putLayout(client, table);
  } else if (!(await hasLayout(client, table))) {
    await registerExisting(client, table);
  }
}

async function hasLayout(client: DynamoDBClient, table: string): Promise<boolean> {
  const found = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: registryKey(LAYOUT_SEQ),
      ConsistentRead: true,
    }),
  );
  return Number(found.Item?.layout?.N ?? 0) >= LAYOUT;
}

function putLayout(client: DynamoDBClient, table: string): Promise<unknown> {
  return client.send(
    new PutItemCommand({
      TableName: table,
      Item: { ...registryKey(LAYOUT_SEQ), layout: { N: String(LAYOUT) } },
    }),
  );
}

/**
 * A table written before the registry existed: its head items are found with one scan (the only
 * one this table ever gets) and registered; then the layout item says it is done.
 */
async function registerExisting(client: DynamoDBClient, table: string): Promise<void> {
  let start: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#s = :head',
        ProjectionExpression: '#e',
        ExpressionAttributeNames: { '#s': 'seq', '#e': 'env' },
        ExpressionAttributeValues: { ':head': { N: String(HEAD_SEQ) } },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const env = item.env?.S;
      if (env && !env.includes('#')) await client.send(new PutItemCommand(registryPut(table, env)));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  await putLayout(client, table);
}

async function tableStatus(client: DynamoDBClient, table: string): Promise<string | null> {
  try {
    const found = await client.send(new DescribeTableCommand({ TableName: table }));
    return found.Table?.TableStatus ?? null;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return null;
    throw error;
  }
}

/** The registry item of `env`, put only if it is new or already names `env`. */
export function registryPut(table: string, env: string) {
  return {
    TableName: table,
    Item: { ...registryKey(registrySeq(env)), name: { S: env } },
    ConditionExpression: 'attribute_not_exists(#s) OR #n = :name',
    ExpressionAttributeNames: { '#s': 'seq', '#n': 'name' },
    ExpressionAttributeValues: { ':name': { S: env } },
  };
}

function registryKey(seq: number): Item {
  return { env: { S: REGISTRY }, seq: { N: String(seq) } };
}

/** The registry sort key of `env`: 48 bits of its SHA-256, plus one (0 is the layout item). */
function registrySeq(env: string): number {
  return createHash('sha256').update(env).digest().readUIntBE(0, 6) + 1;
}
