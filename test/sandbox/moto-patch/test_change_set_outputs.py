"""Outputs, exports and Fn::ImportValue of stacks deployed through change sets.

Written in moto's own test style (tests/test_cloudformation/) so that it can go upstream with
change-set-outputs.patch. It also runs on its own: `python3 test_change_set_outputs.py` exits 0
when the installed moto has the fix and 1 when it does not.
"""

import json

import boto3

from moto import mock_aws

REGION = "us-east-1"

EXPORTER = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
    "Outputs": {
        "QueueUrl": {"Value": {"Ref": "Queue"}},
        "QueueArn": {
            "Value": {"Fn::GetAtt": ["Queue", "Arn"]},
            "Export": {"Name": "shared-queue-arn"},
        },
    },
}

IMPORTER = {
    "Resources": {
        "Param": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {
                "Name": "imported-queue-arn",
                "Type": "String",
                "Value": {"Fn::ImportValue": "shared-queue-arn"},
            },
        }
    },
    "Outputs": {"Imported": {"Value": {"Fn::ImportValue": "shared-queue-arn"}}},
}


def _deploy(cf, name, template, kind):
    cf.create_change_set(
        StackName=name,
        ChangeSetName=f"{name}-{kind.lower()}",
        TemplateBody=json.dumps(template),
        ChangeSetType=kind,
    )
    cf.execute_change_set(ChangeSetName=f"{name}-{kind.lower()}", StackName=name)


def _outputs(cf, name):
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o for o in stack.get("Outputs", [])}


@mock_aws
def test_execute_change_set_records_outputs_and_exports():
    cf = boto3.client("cloudformation", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)

    _deploy(cf, "exporter", EXPORTER, "CREATE")

    outputs = _outputs(cf, "exporter")
    queue_url = sqs.list_queues()["QueueUrls"][0]
    assert outputs["QueueUrl"]["OutputValue"] == queue_url
    assert outputs["QueueArn"]["OutputValue"].startswith("arn:aws:sqs:")
    assert outputs["QueueArn"]["ExportName"] == "shared-queue-arn"
    exports = cf.list_exports()["Exports"]
    assert [e["Name"] for e in exports] == ["shared-queue-arn"]


@mock_aws
def test_execute_change_set_resolves_import_value():
    cf = boto3.client("cloudformation", region_name=REGION)
    ssm = boto3.client("ssm", region_name=REGION)

    _deploy(cf, "exporter", EXPORTER, "CREATE")
    _deploy(cf, "importer", IMPORTER, "CREATE")

    arn = _outputs(cf, "exporter")["QueueArn"]["OutputValue"]
    assert _outputs(cf, "importer")["Imported"]["OutputValue"] == arn
    names = [p["Name"] for p in ssm.describe_parameters()["Parameters"]]
    values = [ssm.get_parameter(Name=n)["Parameter"]["Value"] for n in names]
    assert values == [arn]


@mock_aws
def test_update_change_set_replaces_outputs_and_exports():
    cf = boto3.client("cloudformation", region_name=REGION)

    _deploy(cf, "exporter", EXPORTER, "CREATE")
    updated = json.loads(json.dumps(EXPORTER))
    updated["Outputs"]["QueueArn"]["Export"]["Name"] = "renamed-queue-arn"
    del updated["Outputs"]["QueueUrl"]
    _deploy(cf, "exporter", updated, "UPDATE")

    assert set(_outputs(cf, "exporter")) == {"QueueArn"}
    assert [e["Name"] for e in cf.list_exports()["Exports"]] == ["renamed-queue-arn"]

    cf.delete_stack(StackName="exporter")
    assert cf.list_exports()["Exports"] == []


if __name__ == "__main__":
    import sys

    failed = 0
    for test in (
        test_execute_change_set_records_outputs_and_exports,
        test_execute_change_set_resolves_import_value,
        test_update_change_set_replaces_outputs_and_exports,
    ):
        try:
            test()
            print(f"ok   {test.__name__}")
        except Exception as err:  # noqa: BLE001 - report every failing test, then exit 1
            failed += 1
            print(f"FAIL {test.__name__}: {type(err).__name__}: {err}")
    sys.exit(1 if failed else 0)
