import { sandboxEnv } from '../sandbox/sandbox-env';

/**
 * The Authorization header moto_server routes a request by: it reads the service from the
 * credential scope and checks no signature. For the services the project has no client of.
 */
function motoAuthorization(service: string): string {
  const { aws } = sandboxEnv();
  return `AWS4-HMAC-SHA256 Credential=${aws.accessKeyId}/20260101/${aws.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/**
 * One IAM query of the sandbox's moto_server (`ListRolePolicies`, `GetRolePolicy`, ...), answered as
 * moto's XML.
 */
export async function motoIam(action: string, parameters: Readonly<Record<string, string>>): Promise<string> {
  const response = await fetch(sandboxEnv().aws.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: motoAuthorization('iam') },
    body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...parameters }),
  });
  return response.text();
}

/** A Lambda function as moto has it: its HTTP status, and its execution role when there is one. */
export async function motoFunction(name: string): Promise<{ status: number; role?: string }> {
  const response = await fetch(`${sandboxEnv().aws.endpoint}/2015-03-31/functions/${name}`, {
    headers: { authorization: motoAuthorization('lambda') },
  });
  if (!response.ok) return { status: response.status };
  const body = (await response.json()) as { Configuration?: { Role?: string } };
  return { status: response.status, ...(body.Configuration?.Role ? { role: body.Configuration.Role } : {}) };
}

/** One call of a JSON-protocol service of the sandbox's moto_server (SageMaker's `X-Amz-Target` actions). */
async function motoJson(service: string, target: string, body: object): Promise<unknown> {
  const response = await fetch(sandboxEnv().aws.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: motoAuthorization(service),
    },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** The role each SageMaker notebook instance whose name starts with `prefix` runs as, by name. */
export async function motoNotebookRoles(prefix: string): Promise<Record<string, string>> {
  const listed = (await motoJson('sagemaker', 'SageMaker.ListNotebookInstances', {})) as {
    NotebookInstances?: { NotebookInstanceName: string }[];
  };
  const roles: Record<string, string> = {};
  for (const { NotebookInstanceName: name } of listed.NotebookInstances ?? []) {
    if (!name.startsWith(prefix)) continue;
    const described = (await motoJson('sagemaker', 'SageMaker.DescribeNotebookInstance', {
      NotebookInstanceName: name,
    })) as { RoleArn?: string };
    roles[name] = described.RoleArn ?? '';
  }
  return roles;
}

/** The execution role of each SageMaker model whose name starts with `prefix`, by name. */
export async function motoModelRoles(prefix: string): Promise<Record<string, string>> {
  const listed = (await motoJson('sagemaker', 'SageMaker.ListModels', {})) as {
    Models?: { ModelName: string }[];
  };
  const roles: Record<string, string> = {};
  for (const { ModelName: name } of listed.Models ?? []) {
    if (!name.startsWith(prefix)) continue;
    const described = (await motoJson('sagemaker', 'SageMaker.DescribeModel', { ModelName: name })) as {
      ExecutionRoleArn?: string;
    };
    roles[name] = described.ExecutionRoleArn ?? '';
  }
  return roles;
}

/** The service role of each Batch compute environment whose name starts with `prefix`, by name. */
export async function motoComputeEnvironmentRoles(prefix: string): Promise<Record<string, string>> {
  const response = await fetch(`${sandboxEnv().aws.endpoint}/v1/describecomputeenvironments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: motoAuthorization('batch') },
    body: '{}',
  });
  const { computeEnvironments = [] } = (await response.json()) as {
    computeEnvironments?: { computeEnvironmentName: string; serviceRole?: string }[];
  };
  return Object.fromEntries(
    computeEnvironments
      .filter((c) => c.computeEnvironmentName.startsWith(prefix))
      .map((c) => [c.computeEnvironmentName, c.serviceRole ?? '']),
  );
}
