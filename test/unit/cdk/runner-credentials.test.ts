import { credentialsInReach, TOKEN_MOUNTS } from '../../../cdk/synth/runner-credentials';

describe('credentialsInReach', () => {
  const none = () => false;

  it('names the variables through which a pod identity reaches a container, sorted', () => {
    expect(
      credentialsInReach(
        {
          PATH: '/usr/bin',
          HOME: '/tmp',
          AWS_REGION: 'eu-west-1',
          AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
          AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/cairn',
          AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
          AWS_SESSION_TOKEN: 'x',
          AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
          GOOGLE_APPLICATION_CREDENTIALS: '/key.json',
        },
        none,
      ),
    ).toEqual([
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_ROLE_ARN',
      'AWS_SESSION_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AZURE_FEDERATED_TOKEN_FILE',
      'GOOGLE_APPLICATION_CREDENTIALS',
    ]);
  });

  it('leaves what carries no credential, and an empty variable', () => {
    expect(
      credentialsInReach(
        { AWS_REGION: 'eu-west-1', AWS_STS_REGIONAL_ENDPOINTS: 'regional', AWS_ROLE_ARN: '' },
        none,
      ),
    ).toEqual([]);
  });

  it('names a token folder mounted into the container (the ServiceAccount’s, IRSA’s, Pod Identity’s)', () => {
    const mounted = new Set<string>([TOKEN_MOUNTS[0], TOKEN_MOUNTS[2]]);
    expect(credentialsInReach({}, (path) => mounted.has(path))).toEqual([
      '/var/run/secrets/eks.amazonaws.com/serviceaccount',
      '/var/run/secrets/kubernetes.io/serviceaccount',
    ]);
  });
});
