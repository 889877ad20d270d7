import { sandboxEnv } from '../sandbox/sandbox-env';

/**
 * One IAM query of the sandbox's moto_server (`ListRolePolicies`, `GetRolePolicy`, ...), answered as
 * moto's XML. The project has no IAM client; moto reads the service from the credential scope and
 * checks no signature.
 */
export async function motoIam(action: string, parameters: Readonly<Record<string, string>>): Promise<string> {
  const { aws } = sandboxEnv();
  const response = await fetch(aws.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${aws.accessKeyId}/20260101/${aws.region}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...parameters }),
  });
  return response.text();
}
