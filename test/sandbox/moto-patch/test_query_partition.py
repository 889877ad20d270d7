"""A Query on the base table reads only the queried partition.

Written in moto's own test style (tests/test_dynamodb/) so that it can go upstream with
query-partition.patch. It also runs on its own: `python3 test_query_partition.py` exits 0 when the
installed moto has the fix and 1 when it does not; `--cost` prints the cost of one Query of one
chain at growing table sizes.

The table is shaped like the hash-chained ledger: a partition per chain (`env`) and a sort key per
record (`seq`); a second table has a hash key alone.
"""

import time

import boto3

from moto import mock_aws
from moto.dynamodb.models.table import Table

REGION = "us-east-1"


def _tables(ddb):
    ddb.create_table(
        TableName="ledger",
        KeySchema=[
            {"AttributeName": "env", "KeyType": "HASH"},
            {"AttributeName": "seq", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "env", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.create_table(
        TableName="flat",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _seed(ddb, chains, records=3):
    for n in range(chains):
        for seq in range(records):
            ddb.put_item(TableName="ledger", Item={"env": {"S": f"env-{n}"}, "seq": {"N": str(seq)}, "v": {"S": f"{n}/{seq}"}})
        ddb.put_item(TableName="flat", Item={"id": {"S": f"id-{n}"}, "v": {"S": str(n)}})


def _query(ddb, env, **extra):
    return ddb.query(
        TableName="ledger",
        KeyConditionExpression="env = :e",
        ExpressionAttributeValues={":e": {"S": env}, **extra.pop("values", {})},
        ConsistentRead=True,
        **extra,
    )


def test_query_returns_the_partition_in_order_with_conditions_limits_and_pages():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        _seed(ddb, 50, records=5)
        got = _query(ddb, "env-7")
        assert [i["seq"]["N"] for i in got["Items"]] == ["0", "1", "2", "3", "4"], got["Items"]
        assert {i["env"]["S"] for i in got["Items"]} == {"env-7"}
        backwards = _query(ddb, "env-7", ScanIndexForward=False, Limit=2)
        assert [i["seq"]["N"] for i in backwards["Items"]] == ["4", "3"], backwards
        rest = _query(ddb, "env-7", ScanIndexForward=False, ExclusiveStartKey=backwards["LastEvaluatedKey"])
        assert [i["seq"]["N"] for i in rest["Items"]] == ["2", "1", "0"], rest
        ranged = ddb.query(
            TableName="ledger",
            KeyConditionExpression="env = :e AND seq BETWEEN :a AND :b",
            ExpressionAttributeValues={":e": {"S": "env-7"}, ":a": {"N": "1"}, ":b": {"N": "3"}},
        )
        assert [i["seq"]["N"] for i in ranged["Items"]] == ["1", "2", "3"], ranged
        filtered = _query(ddb, "env-7", FilterExpression="v = :v", values={":v": {"S": "7/2"}})
        assert [i["seq"]["N"] for i in filtered["Items"]] == ["2"], filtered
        assert _query(ddb, "no-such-env")["Items"] == []
        flat = ddb.query(
            TableName="flat",
            KeyConditionExpression="id = :i",
            ExpressionAttributeValues={":i": {"S": "id-9"}},
        )
        assert flat["Items"] == [{"id": {"S": "id-9"}, "v": {"S": "9"}}], flat
        assert ddb.query(
            TableName="flat",
            KeyConditionExpression="id = :i",
            ExpressionAttributeValues={":i": {"S": "id-x"}},
        )["Items"] == []


def test_query_does_not_read_the_whole_table():
    # all_items() is what a whole-table pass calls; a query of one partition must not.
    calls = []
    original = Table.all_items

    def counting(self):
        calls.append(self.name)
        return original(self)

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        _seed(ddb, 20)
        Table.all_items = counting
        try:
            _query(ddb, "env-3")
        finally:
            Table.all_items = original
    assert calls == [], calls


def query_cost(chains, queries=20):
    """Milliseconds per Query of one chain (median of `queries`) with `chains` chains of three records."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        _seed(ddb, chains)
        times = []
        for _ in range(queries):
            start = time.perf_counter()
            _query(ddb, "env-0")
            times.append((time.perf_counter() - start) * 1000)
        return sorted(times)[len(times) // 2]


if __name__ == "__main__":
    import sys

    failed = 0
    for test in (
        test_query_returns_the_partition_in_order_with_conditions_limits_and_pages,
        test_query_does_not_read_the_whole_table,
    ):
        try:
            test()
            print(f"ok   {test.__name__}")
        except Exception as err:  # noqa: BLE001 - report every failing test, then exit 1
            failed += 1
            print(f"FAIL {test.__name__}: {type(err).__name__}: {err}")
    if "--cost" in sys.argv:
        floor = None
        for chains in (100, 500, 1500, 3000):
            ms = query_cost(chains)
            floor = floor or ms
            print(f"query with {chains:>5} chains ({3 * chains:>5} items): {ms:7.2f} ms  ({ms / floor:.2f}x the 100-chain cost)")
    sys.exit(1 if failed else 0)
