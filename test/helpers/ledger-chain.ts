import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The records of `env`'s chain in the DynamoDB ledger `table`, in chain order, read straight from the table. */
export async function ledgerChain(
  dynamo: DynamoDBClient,
  table: string,
  env: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#e = :e AND #s > :zero',
        ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
        ExpressionAttributeValues: { ':e': { S: env }, ':zero': { N: '0' } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) items.push(JSON.parse(item.line!.S!) as Record<string, unknown>);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
