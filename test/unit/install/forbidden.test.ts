import { forbiddenError, forbiddenOf } from '../../../controller/kube/api-errors';
import { failureFrom } from '../../../controller/model';

// A 403 body exactly as the kube-apiserver's RBAC authorizer writes it.
const status = (message: string, details: Record<string, string> = {}) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  reason: 'Forbidden',
  details,
  code: 403,
});

describe('forbiddenOf', () => {
  it.each([
    [
      'poddisruptionbudgets.policy is forbidden: User "system:serviceaccount:cairn:cairn" cannot list resource "poddisruptionbudgets" in API group "policy" in the namespace "apps"',
      {
        user: 'system:serviceaccount:cairn:cairn',
        verb: 'list',
        resource: 'poddisruptionbudgets',
        group: 'policy',
        namespace: 'apps',
      },
    ],
    [
      'clusterroles.rbac.authorization.k8s.io "x" is forbidden: User "alice" cannot patch resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
      { user: 'alice', verb: 'patch', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
    ],
  ])('reads %s', (message, want) => {
    expect(forbiddenOf(status(message))).toEqual(want);
  });

  it('falls back to the Status details when the message has another shape', () => {
    expect(forbiddenOf(status('forbidden by a webhook', { kind: 'widgets', group: 'example.com' }))).toEqual({
      resource: 'widgets',
      group: 'example.com',
    });
  });
});

describe('forbiddenError', () => {
  it('is terminal, coded kube.forbidden, and names the kind, namespace, identity and the --kinds fix', () => {
    const error = forbiddenError(
      status(
        'poddisruptionbudgets.policy "web" is forbidden: User "system:serviceaccount:cairn:cairn" cannot patch resource "poddisruptionbudgets" in API group "policy" in the namespace "apps"',
      ),
      { kind: 'PodDisruptionBudget', namespace: 'apps', subject: 'PodDisruptionBudget/apps/web' },
    );
    const failure = failureFrom(error, 'apply-kubernetes');
    expect(failure).toMatchObject({
      code: 'kube.forbidden',
      retryable: false,
      phase: 'apply-kubernetes',
      subject: 'PodDisruptionBudget/apps/web',
    });
    expect(failure.message).toMatch(
      /^PodDisruptionBudget\/apps\/web: forbidden: "system:serviceaccount:cairn:cairn" may not patch PodDisruptionBudget/,
    );
    expect(failure.message).toContain('in namespace "apps"');
    expect(failure.message).toContain('cairn install --export --kinds default,policy/poddisruptionbudgets');
  });

  it('writes the core group as core/ and a cluster-scoped refusal as cluster-wide', () => {
    const error = forbiddenError(
      status(
        'namespaces is forbidden: User "u" cannot create resource "namespaces" in API group "" at the cluster scope',
      ),
      { kind: 'Namespace', subject: 'Namespace/apps' },
    );
    expect(error.message).toContain('cluster-wide');
    expect(error.message).toContain('--kinds default,core/namespaces');
  });
});
