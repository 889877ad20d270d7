"""TransactWriteItems is all-or-nothing without copying whole tables.

Written in moto's own test style (tests/test_dynamodb/) so that it can go upstream with
transact-write-snapshot.patch. It also runs on its own: `python3 test_transact_write_snapshot.py`
exits 0 when the installed moto has the fix and 1 when it does not, and prints the cost of one
append (two operations, as an append-only ledger does) at growing table sizes.

The tables are shaped like a hash-chained ledger: a partition per chain (`env`), a sort key per
record (`seq`), and a head item (seq 0) that every append moves forward under a condition.
"""

import copy
import time

import boto3
from botocore.exceptions import ClientError

from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item

REGION = "us-east-1"
LEDGER = "ledger"
FLAT = "flat"


def _tables(ddb, stream=False):
    extra = (
        {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
        if stream
        else {}
    )
    ddb.create_table(
        TableName=LEDGER,
        KeySchema=[
            {"AttributeName": "env", "KeyType": "HASH"},
            {"AttributeName": "seq", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "env", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )
    ddb.create_table(
        TableName=FLAT,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _head(env, seq):
    return {"env": {"S": env}, "seq": {"N": "0"}, "headSeq": {"N": str(seq)}}


def _append_ops(env, seq):
    """One ledger append: put record `seq`, move the head from seq-1 to seq."""
    head_condition = (
        {"ConditionExpression": "headSeq = :prev", "ExpressionAttributeValues": {":prev": {"N": str(seq - 1)}, ":seq": {"N": str(seq)}}}
        if seq > 1
        else {"ConditionExpression": "attribute_not_exists(headSeq)", "ExpressionAttributeValues": {":seq": {"N": str(seq)}}}
    )
    return [
        {
            "Put": {
                "TableName": LEDGER,
                "Item": {"env": {"S": env}, "seq": {"N": str(seq)}, "line": {"S": f"{env} record {seq}"}},
                "ConditionExpression": "attribute_not_exists(seq)",
            }
        },
        {
            "Update": {
                "TableName": LEDGER,
                "Key": {"env": {"S": env}, "seq": {"N": "0"}},
                "UpdateExpression": "SET headSeq = :seq",
                **head_condition,
            }
        },
    ]


def _everything(ddb):
    """Every item of both tables, as comparable JSON."""
    out = {}
    for table in (LEDGER, FLAT):
        items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
        out[table] = sorted(items, key=lambda i: repr(sorted(i.items())))
    return out


def _stream_records(ddb):
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = ddb.describe_table(TableName=LEDGER)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=it["ShardIterator"])["Records"]


def _seed(ddb):
    ddb.transact_write_items(TransactItems=_append_ops("a", 1))
    ddb.transact_write_items(TransactItems=_append_ops("b", 1))
    ddb.put_item(TableName=FLAT, Item={"id": {"S": "x"}, "n": {"N": "1"}})
    ddb.put_item(TableName=FLAT, Item={"id": {"S": "y"}, "n": {"N": "2"}})


@mock_aws
def test_failed_condition_leaves_every_item_as_before():
    ddb = boto3.client("dynamodb", region_name=REGION)
    _tables(ddb, stream=True)
    _seed(ddb)
    before = _everything(ddb)
    records_before = len(_stream_records(ddb))

    # Every kind of write before the failing operation: a new record and an in-place head update
    # (one chain), a new partition, an overwrite, an update and a delete in another table. The last
    # operation's condition fails (chain "b" is at 1, not 5), so none of them may remain.
    ops = _append_ops("a", 2) + [
        {"Put": {"TableName": LEDGER, "Item": {"env": {"S": "c"}, "seq": {"N": "1"}}}},
        {"Put": {"TableName": FLAT, "Item": {"id": {"S": "x"}, "n": {"N": "100"}}}},
        {"Update": {"TableName": FLAT, "Key": {"id": {"S": "new"}}, "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "7"}}}},
        {"Delete": {"TableName": FLAT, "Key": {"id": {"S": "y"}}}},
        {
            "Update": {
                "TableName": LEDGER,
                "Key": {"env": {"S": "b"}, "seq": {"N": "0"}},
                "UpdateExpression": "SET headSeq = :seq",
                "ConditionExpression": "headSeq = :prev",
                "ExpressionAttributeValues": {":prev": {"N": "5"}, ":seq": {"N": "6"}},
            }
        },
    ]
    try:
        ddb.transact_write_items(TransactItems=ops)
        raise AssertionError("the transaction should have been cancelled")
    except ClientError as err:
        assert err.response["Error"]["Code"] == "TransactionCanceledException"
        reasons = [r["Code"] for r in err.response["CancellationReasons"]]
        assert reasons == ["None"] * 6 + ["ConditionalCheckFailed"]

    assert _everything(ddb) == before
    # Records the cancelled transaction emitted are gone from the stream too.
    assert len(_stream_records(ddb)) == records_before
    # The chain still accepts its next append.
    ddb.transact_write_items(TransactItems=_append_ops("a", 2))
    head = ddb.get_item(TableName=LEDGER, Key={"env": {"S": "a"}, "seq": {"N": "0"}})["Item"]
    assert head["headSeq"] == {"N": "2"}


@mock_aws
def test_item_targeted_twice_leaves_every_item_as_before():
    ddb = boto3.client("dynamodb", region_name=REGION)
    _tables(ddb)
    _seed(ddb)
    before = _everything(ddb)
    ops = _append_ops("a", 2) + [{"Delete": {"TableName": LEDGER, "Key": {"env": {"S": "a"}, "seq": {"N": "2"}}}}]
    try:
        ddb.transact_write_items(TransactItems=ops)
        raise AssertionError("the transaction should have been refused")
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ValidationException"
    assert _everything(ddb) == before


@mock_aws
def test_successful_transaction_writes_all():
    ddb = boto3.client("dynamodb", region_name=REGION)
    _tables(ddb)
    _seed(ddb)
    ops = _append_ops("a", 2) + [
        {"Put": {"TableName": FLAT, "Item": {"id": {"S": "z"}, "n": {"N": "3"}}}},
        {"Delete": {"TableName": FLAT, "Key": {"id": {"S": "y"}}}},
        {"ConditionCheck": {"TableName": LEDGER, "Key": {"env": {"S": "b"}, "seq": {"N": "0"}}, "ConditionExpression": "headSeq = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
    ]
    ddb.transact_write_items(TransactItems=ops)

    records = ddb.query(
        TableName=LEDGER,
        KeyConditionExpression="env = :a",
        ExpressionAttributeValues={":a": {"S": "a"}},
    )["Items"]
    assert sorted(int(i["seq"]["N"]) for i in records) == [0, 1, 2]
    head = [i for i in records if i["seq"]["N"] == "0"][0]
    assert head["headSeq"] == {"N": "2"}
    flat = {i["id"]["S"]: i["n"]["N"] for i in ddb.scan(TableName=FLAT)["Items"]}
    assert flat == {"x": "1", "z": "3"}


def _items_copied_per_append(chains):
    """How many items one two-operation append deep-copies, with `chains` chains in the table."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        for n in range(chains):
            ddb.transact_write_items(TransactItems=_append_ops(f"env-{n}", 1))
        return _count_item_copies(lambda: ddb.transact_write_items(TransactItems=_append_ops("env-0", 2)))


def _count_item_copies(call):
    copied = 0
    original = Item.__deepcopy__

    def counting(self, memo):
        nonlocal copied
        copied += 1
        return original(self, memo)

    Item.__deepcopy__ = counting
    try:
        call()
    finally:
        Item.__deepcopy__ = original
    return copied


def test_append_copies_only_the_items_it_touches():
    # The head's snapshot, and update_item's own copy of the old item for the stream: a constant.
    # A whole-table copy per operation would copy 2 x (2 items per chain) items.
    small, large = _items_copied_per_append(10), _items_copied_per_append(300)
    assert small == large, (small, large)
    assert large <= 4, large


def append_cost(chains, appends=20):
    """Milliseconds per append (median of `appends`) with `chains` chains of one record each."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        for n in range(chains):
            ddb.transact_write_items(TransactItems=_append_ops(f"env-{n}", 1))
        times = []
        for seq in range(2, appends + 2):
            start = time.perf_counter()
            ddb.transact_write_items(TransactItems=_append_ops("env-0", seq))
            times.append((time.perf_counter() - start) * 1000)
        return sorted(times)[len(times) // 2]


if __name__ == "__main__":
    import sys

    failed = 0
    for test in (
        test_failed_condition_leaves_every_item_as_before,
        test_item_targeted_twice_leaves_every_item_as_before,
        test_successful_transaction_writes_all,
        test_append_copies_only_the_items_it_touches,
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
            ms = append_cost(chains)
            floor = floor or ms
            print(f"append with {chains:>5} chains ({2 * chains:>5} items): {ms:7.2f} ms  ({ms / floor:.2f}x the 100-chain cost)")
    sys.exit(1 if failed else 0)
