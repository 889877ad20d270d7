import { createHash, randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import {
  ChainConflict,
  checkEnvName,
  type ChainHead,
  type ChainStore,
  type CutResult,
  type LinePosition,
  type StoredLine,
} from './chain-store';
import { fencedWrite } from '../model/fenced-write';
import type { WriteFence } from '../model/pipeline';
import { rememberingCredentials } from '../model/secret-mask';
import { ensureLedgerTable, HEAD_SEQ, LAYOUT_SEQ, REGISTRY, registryPut } from './dynamodb-table';

/**
 * A line longer than this is stored in chunk items beside its record item (DynamoDB refuses items
 * over 400 KB); the record's hash covers the whole line, so a changed or missing chunk is a break.
 */
const INLINE_BYTES = 300_000;
const CHUNK_BYTES = 300_000;
type Item = Record<string, AttributeValue>;

/** Where the table is, as configured in `audit.dynamodb`. */
export interface DynamoDbTarget {
  readonly table: string;
  readonly region: string;
  readonly endpoint?: string;
}

/**
 * Chains in one DynamoDB table, the shared ledger: partition key `env`, sort key `seq`; each record
 * item holds its line exactly as a JSONL file would (`line`), or, for a line over `INLINE_BYTES`,
 * where its chunks are (`chunks`: a partition of `data` items numbered from 1, `parts`, `bytes`).
 * Item `seq = 0` is the environment's head (`headSeq`, `headHash`), its witness. An append is one
 * transaction: put the record only if its seq is free, and move the head only if it still is where
 * this writer saw it (chunks are written first, under a fresh partition, so a lost race or a crash
 * leaves only unreferenced chunks). Two writers can therefore never fork a chain; the loser gets a
 * `ChainConflict`, re-reads and retries. The first append of a chain also registers it in the
 * `#envs` partition, which `envs()` queries.
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
      // What the SDK's default chain finds is masked like every configured credential (an AWS
      // signature error quotes the session token): see rememberingCredentials.
      credentials: rememberingCredentials(defaultProvider()),
      ...clientConfig,
    });
  }

  /** A failed append leaves nothing behind that a later one trips over: the writer may simply retry. */
  readonly appendsAreAtomic = true;

  async envs(): Promise<readonly string[]> {
    await this.ensureTable();
    const envs: string[] = [];
    for await (const item of this.query(REGISTRY, LAYOUT_SEQ + 1, Number.MAX_SAFE_INTEGER))
      if (item.name?.S) envs.push(item.name.S);
    return envs.sort();
  }

  async *lines(env: string, afterSeq = 0, uptoSeq = Number.MAX_SAFE_INTEGER): AsyncIterable<StoredLine> {
    await this.ensureTable();
    for await (const item of this.query(checkEnvName(env), afterSeq + 1, uptoSeq)) {
      const bytes = await this.lineOf(item);
      yield { bytes, complete: true, at: this.position(env, Number(item.seq?.N), bytes.length) };
    }
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
    fence?: WriteFence,
  ): Promise<LinePosition> {
    await this.ensureTable();
    const record = await this.recordItem(env, head.seq, line);
    try {
      await this.client.send(
        fencedWrite(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.target.table,
                  Item: record,
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
              // A chain's first record registers it (idempotent: the item names this env or is new).
              ...(expected ? [] : [{ Put: registryPut(this.target.table, env) }]),
            ],
          }),
          fence,
        ),
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
    return found.Item ? this.lineOf(found.Item) : Buffer.alloc(0);
  }

  async cut(env: string, at: LinePosition): Promise<CutResult> {
    const quarantine = `${env}#cut#${new Date().toISOString()}`;
    const moved: Item[] = [];
    let bytes = 0;
    const digest = createHash('sha256');
    for await (const item of this.query(checkEnvName(env), at.line, Number.MAX_SAFE_INTEGER)) {
      moved.push(item);
      const line = Buffer.concat([await this.lineOf(item), Buffer.from('\n')]);
      bytes += line.length;
      digest.update(line);
    }
    // Copy first, then delete: the evidence is never only in flight. A chunked record is copied as
    // its pointer; its chunks stay where they are.
    for (const batch of chunks(moved, 25))
      await this.batchWrite(
        batch.map((item) => ({ PutRequest: { Item: { ...item, env: { S: quarantine } } } })),
      );
    for (const batch of chunks(moved, 25))
      await this.batchWrite(
        batch.map((item) => ({ DeleteRequest: { Key: this.key(env, Number(item.seq?.N)) } })),
      );
    return {
      lines: moved.length,
      bytes,
      sha256: digest.digest('hex'),
      quarantine: `${this.location}/${quarantine}`,
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /**
   * Creates the table when it does not exist yet (on-demand billing, deletion protection on, then
   * point-in-time recovery on), once per store; a table from before the `#envs` registry is
   * indexed into it once.
   */
  ensureTable(): Promise<void> {
    this.ready ??= ensureLedgerTable(this.client, this.target.table, this.location).catch(
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  /** Every item of one partition with `first <= seq <= last`, in seq order, read consistently. */
  private async *query(partition: string, first: number, last: number): AsyncIterable<Item> {
    if (first > last) return;
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.target.table,
          KeyConditionExpression: '#e = :env AND #s BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
          ExpressionAttributeValues: {
            ':env': { S: partition },
            ':first': { N: String(first) },
            ':last': { N: String(last) },
          },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield item;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** A record item's line: inline, or its chunks put back together in order (whatever is there: the hash judges). */
  private async lineOf(item: Item): Promise<Buffer> {
    if (item.line?.S !== undefined) return Buffer.from(item.line.S, 'utf8');
    const partition = item.chunks?.S;
    if (!partition) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for await (const chunk of this.query(partition, 1, Number.MAX_SAFE_INTEGER))
      if (chunk.data?.B) parts.push(Buffer.from(chunk.data.B));
    return Buffer.concat(parts);
  }

  /** The item of the record at `seq`; a long line's chunks are written first, under a partition of their own. */
  private async recordItem(env: string, seq: number, line: Buffer): Promise<Item> {
    if (line.length <= INLINE_BYTES) return { ...this.key(env, seq), line: { S: line.toString('utf8') } };
    const partition = `${env}#part#${seq}#${randomUUID()}`;
    const pieces: Item[] = [];
    for (let offset = 0, part = 1; offset < line.length; offset += CHUNK_BYTES, part += 1)
      pieces.push({
        env: { S: partition },
        seq: { N: String(part) },
        data: { B: line.subarray(offset, offset + CHUNK_BYTES) },
      });
    for (const batch of chunks(pieces, 10))
      await this.batchWrite(batch.map((Item) => ({ PutRequest: { Item } })));
    return {
      ...this.key(env, seq),
      chunks: { S: partition },
      parts: { N: String(pieces.length) },
      bytes: { N: String(line.length) },
    };
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

  private key(env: string, seq: number): Item {
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
