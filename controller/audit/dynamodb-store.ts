import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { CairnError } from '../errors';
import {
  ChainConflict,
  checkEnvName,
  type ChainHead,
  type ChainStore,
  type CutResult,
  type LinePosition,
  type StoredLine,
} from './chain-store';

/** Sort key of the head item: records start at seq 1. */
const HEAD_SEQ = 0;
const READY_TIMEOUT_MS = 60_000;

/** Where the table is, as configured in `audit.dynamodb`. */
export interface DynamoDbTarget {
  readonly table: string;
  readonly region: string;
  readonly endpoint?: string;
}

/**
 * Chains in one DynamoDB table, the shared ledger: partition key `env`, sort key `seq`; each record
 * item holds its line exactly as a JSONL file would, and item `seq = 0` is the environment's head
 * (`headSeq`, `headHash`), its witness. An append is one transaction: put the record only if its
 * seq is free, and move the head only if it still is where this writer saw it. Two writers can
 * therefore never fork a chain; the loser gets a `ChainConflict`, re-reads and retries.
 */
export class DynamoDbStore implements ChainStore {
  readonly location: string;
  private readonly client: DynamoDBClient;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly target: DynamoDbTarget,
    clientConfig: DynamoDBClientConfig = {},
  ) {
    this.location = `dynamodb:${target.table}`;
    this.client = new DynamoDBClient({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      ...clientConfig,
    });
  }

  async envs(): Promise<readonly string[]> {
    await this.ensureTable();
    const envs: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.target.table,
          FilterExpression: '#s = :head',
          ProjectionExpression: '#e',
          ExpressionAttributeNames: { '#s': 'seq', '#e': 'env' },
          ExpressionAttributeValues: { ':head': { N: String(HEAD_SEQ) } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? [])
        if (item.env?.S && !item.env.S.includes('#')) envs.push(item.env.S);
      start = page.LastEvaluatedKey;
    } while (start);
    return envs.sort();
  }

  async *lines(env: string, afterSeq = 0, uptoSeq = Number.MAX_SAFE_INTEGER): AsyncIterable<StoredLine> {
    await this.ensureTable();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.target.table,
          KeyConditionExpression: '#e = :env AND #s BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
          ExpressionAttributeValues: {
            ':env': { S: checkEnvName(env) },
            ':first': { N: String(afterSeq + 1) },
            ':last': { N: String(uptoSeq) },
          },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const seq = Number(item.seq?.N);
        const bytes = Buffer.from(item.line?.S ?? '', 'utf8');
        yield { bytes, complete: true, at: this.position(env, seq, bytes.length) };
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async witness(env: string): Promise<ChainHead | null> {
    await this.ensureTable();
    const found = await this.client.send(
      new GetItemCommand({
        TableName: this.target.table,
        Key: this.key(env, HEAD_SEQ),
        ConsistentRead: true,
      }),
    );
    const item = found.Item;
    if (!item?.headSeq?.N || !item.headHash?.S) return null;
    return { seq: Number(item.headSeq.N), hash: item.headHash.S };
  }

  async append(
    env: string,
    line: Buffer,
    head: ChainHead,
    expected: ChainHead | null,
  ): Promise<LinePosition> {
    await this.ensureTable();
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.target.table,
                Item: { ...this.key(env, head.seq), line: { S: line.toString('utf8') } },
                ConditionExpression: 'attribute_not_exists(#s)',
                ExpressionAttributeNames: { '#s': 'seq' },
              },
            },
            {
              Update: {
                TableName: this.target.table,
                Key: this.key(env, HEAD_SEQ),
                UpdateExpression: 'SET headSeq = :seq, headHash = :hash',
                ConditionExpression: expected
                  ? 'headSeq = :prev AND headHash = :prevHash'
                  : 'attribute_not_exists(headSeq)',
                ExpressionAttributeValues: {
                  ':seq': { N: String(head.seq) },
                  ':hash': { S: head.hash },
                  ...(expected
                    ? { ':prev': { N: String(expected.seq) }, ':prevHash': { S: expected.hash } }
                    : {}),
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') throw new ChainConflict(env);
      throw error;
    }
    return this.position(env, head.seq, line.length);
  }

  async readAt(env: string, at: LinePosition): Promise<Buffer> {
    const found = await this.client.send(
      new GetItemCommand({ TableName: this.target.table, Key: this.key(env, at.line), ConsistentRead: true }),
    );
    return Buffer.from(found.Item?.line?.S ?? '', 'utf8');
  }

  async cut(env: string, at: LinePosition): Promise<CutResult> {
    const quarantine = `${env}#cut#${new Date().toISOString()}`;
    const moved: { seq: number; line: string }[] = [];
    for await (const line of this.lines(env, at.line - 1))
      moved.push({ seq: line.at.line, line: line.bytes.toString('utf8') });
    // Copy first, then delete: the evidence is never only in flight.
    for (const batch of chunks(moved, 25)) {
      await this.batchWrite(
        batch.map((m) => ({
          PutRequest: { Item: { env: { S: quarantine }, seq: { N: String(m.seq) }, line: { S: m.line } } },
        })),
      );
    }
    for (const batch of chunks(moved, 25)) {
      await this.batchWrite(batch.map((m) => ({ DeleteRequest: { Key: this.key(env, m.seq) } })));
    }
    const text = moved.map((m) => `${m.line}\n`).join('');
    return {
      lines: moved.length,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
      quarantine: `${this.location}/${quarantine}`,
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Creates the table (on-demand billing) when it does not exist yet, once per store. */
  ensureTable(): Promise<void> {
    this.ready ??= this.createIfMissing().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private async createIfMissing(): Promise<void> {
    const status = await this.tableStatus();
    if (status === null) {
      try {
        await this.client.send(
          new CreateTableCommand({
            TableName: this.target.table,
            BillingMode: 'PAY_PER_REQUEST',
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
      } catch (error) {
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error; // another writer made it
      }
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await this.tableStatus()) !== 'ACTIVE') {
      if (Date.now() > deadline) {
        throw new CairnError('the audit table did not become ACTIVE in time', {
          code: 'audit.table-not-ready',
          phase: 'record',
          subject: this.location,
          retryable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async tableStatus(): Promise<string | null> {
    try {
      const found = await this.client.send(new DescribeTableCommand({ TableName: this.target.table }));
      return found.Table?.TableStatus ?? null;
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return null;
      throw error;
    }
  }

  private async batchWrite(
    requests: NonNullable<BatchWriteItemCommand['input']['RequestItems']>[string],
  ): Promise<void> {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const result = await this.client.send(
        new BatchWriteItemCommand({ RequestItems: { [this.target.table]: pending } }),
      );
      pending = result.UnprocessedItems?.[this.target.table] ?? [];
      if (pending.length > 0)
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
    }
  }

  private key(env: string, seq: number): Record<string, AttributeValue> {
    return { env: { S: checkEnvName(env) }, seq: { N: String(seq) } };
  }

  private position(env: string, seq: number, length: number): LinePosition {
    return { file: `${this.location}/${env}`, line: seq, offset: 0, length };
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
