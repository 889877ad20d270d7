import { existsSync } from 'node:fs';
import { WELL_KNOWN_SECRET_VARIABLES } from '../../controller/model/secret-mask';

/**
 * Variables through which a pod's cloud identity reaches a container: static AWS keys, IRSA's
 * (`AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`), EKS Pod Identity's and ECS's
 * (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, ...), Azure
 * Workload Identity's and a Google service account key's.
 */
const CREDENTIAL_VARIABLES = [
  /^AWS_ACCESS_KEY_ID$/,
  /^AWS_ROLE_ARN$/,
  /^AWS_WEB_IDENTITY_TOKEN_FILE$/,
  /^AWS_CONTAINER_/,
  /^AZURE_FEDERATED_TOKEN_FILE$/,
  /^AZURE_CLIENT_SECRET$/,
  /^GOOGLE_APPLICATION_CREDENTIALS$/,
];

/**
 * Where the pod identity webhooks and kubelet mount a container's tokens: IRSA's, EKS Pod
 * Identity's, the Kubernetes ServiceAccount's and Azure Workload Identity's.
 */
export const TOKEN_MOUNTS = [
  '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  '/var/run/secrets/kubernetes.io/serviceaccount',
  '/var/run/secrets/azure/tokens',
] as const;

/**
 * What of a credential the synth runner's own process can reach: the names of its environment's
 * credential variables and the token folders mounted into its container. Each is within reach of
 * every job too: a job runs as the runner's uid, so it reads `/proc/<runner>/environ` and any file
 * the runner may read, whatever environment the job itself is given. Found in review: EKS's pod
 * identity webhook adds IRSA's and Pod Identity's variables and token volume to every container of
 * a pod whose ServiceAccount has a role (unless the pod's `eks.amazonaws.com/skip-containers`
 * annotation names the container), so the CDK app of any environment could take the controller's
 * AWS role.
 */
export function credentialsInReach(
  env: NodeJS.ProcessEnv,
  exists: (path: string) => boolean = existsSync,
): readonly string[] {
  const variables = Object.keys(env)
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .filter(
      (name) =>
        CREDENTIAL_VARIABLES.some((pattern) => pattern.test(name)) ||
        (WELL_KNOWN_SECRET_VARIABLES as readonly string[]).includes(name),
    )
    .sort();
  return [...variables, ...TOKEN_MOUNTS.filter((folder) => exists(folder))];
}
