import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { sandboxAwsClientConfig, type SandboxEnv } from '../sandbox/sandbox-env';

/** What the demo read back of one environment's bindings: the stack's outputs and where they landed. */
export interface BoundValues {
  readonly stackName: string;
  readonly queueUrl: string | undefined;
  readonly roleArn: string | undefined;
  readonly configMapQueueUrl: string | undefined;
  readonly serviceAccountRoleArn: string | undefined;
}

/**
 * Reads the data stack's QueueUrl and RoleArn outputs from moto and the values the cluster holds
 * in the `shop-settings` ConfigMap and on the `shop-api` ServiceAccount of `namespace`.
 */
export async function readBoundValues(
  sandbox: SandboxEnv,
  stackName: string,
  namespace: string,
): Promise<BoundValues> {
  const cfn = new CloudFormationClient(sandboxAwsClientConfig(sandbox));
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  const output = (key: string) => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.kubernetes.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const settings = await core.readNamespacedConfigMap({ name: 'shop-settings', namespace });
  const account = await core.readNamespacedServiceAccount({ name: 'shop-api', namespace });
  return {
    stackName,
    queueUrl: output('QueueUrl'),
    roleArn: output('RoleArn'),
    configMapQueueUrl: settings.data?.QUEUE_URL,
    serviceAccountRoleArn: account.metadata?.annotations?.['eks.amazonaws.com/role-arn'],
  };
}

/**
 * The demo's lines about one environment's bindings. Says plainly when a value in the cluster is
 * not the stack's output, so the reader (and the e2e test) sees a broken binding, not a success.
 */
export function describeBindings(namespace: string, sha: string, bound: BoundValues): string[] {
  const same = (a: string | undefined, b: string | undefined) => a !== undefined && a === b;
  return [
    same(bound.configMapQueueUrl, bound.queueUrl)
      ? `${namespace}/shop-settings QUEUE_URL = ${bound.queueUrl}: the queue of ${bound.stackName} and its URL reached the ConfigMap in the same commit (${sha.slice(0, 7)})`
      : `${namespace}/shop-settings QUEUE_URL is ${bound.configMapQueueUrl ?? 'absent'}, NOT the output QueueUrl of ${bound.stackName} (${bound.queueUrl ?? 'absent'})`,
    same(bound.serviceAccountRoleArn, bound.roleArn)
      ? `${namespace}/shop-api ServiceAccount runs as ${bound.roleArn} (eks.amazonaws.com/role-arn, the output RoleArn of ${bound.stackName})`
      : `${namespace}/shop-api ServiceAccount role is ${bound.serviceAccountRoleArn ?? 'absent'}, NOT the output RoleArn of ${bound.stackName} (${bound.roleArn ?? 'absent'})`,
  ];
}
