"""The example platform's AWS half in Python: one stack with a jobs queue and the role that reads it.

cairn passes the environment and commit as context (gitops:environment, gitops:commit) and runs
this file inside its synth isolation, with the requirements installed as wheels on PYTHONPATH.
"""
import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs

app = cdk.App()
env = app.node.try_get_context("gitops:environment") or "dev"
prefix = app.node.try_get_context("shop:prefix") or "shop"

stack = cdk.Stack(app, "Jobs", stack_name=f"{prefix}-{env}-jobs")
queue = sqs.Queue(stack, "Queue", retention_period=cdk.Duration.days(4))
role = iam.Role(
    stack,
    "WorkerRole",
    assumed_by=iam.ServicePrincipal("pods.eks.amazonaws.com"),
    description=f"The {env} worker: reads the jobs queue",
)
queue.grant_consume_messages(role)
cdk.CfnOutput(stack, "QueueUrl", value=queue.queue_url)
cdk.CfnOutput(stack, "RoleArn", value=role.role_arn)

app.synth()
