import type { EnvironmentConfig } from '../../../controller/config/types';
import { renderPlan } from '../../../controller/cli/render-plan';
import { SECRET_VALUE } from '../../../controller/kube/aws-bindings';
import { forgetSecrets, rememberSecrets } from '../../../controller/model';
import { planEnvironment } from '../../../controller/reconcile/plan-environment';
import type { Revision } from '../../../controller/source/types';
import { FakeAws } from '../../helpers/reconcile-fakes';
import { kubeKit } from './kube-kit';

const kit = kubeKit('plan-mask');
afterAll(() => {
  forgetSecrets();
  return kit.cleanup();
});

/** A fresh namespace and environment, and a revision of that environment at `sha` with the k8s tree `k8s`. */
const planTarget = (sha: string, k8s: string) => {
  const ns = kit.name('ns');
  const name = kit.name('env');
  const env = { name, order: 'aws-first' } as unknown as EnvironmentConfig;
  const revision = { env: name, sha, trees: { aws: null, k8s } } as Revision;
  return { ns, name, env, revision };
};

describe('cairn plan output', () => {
  it('masks configured secrets, AWS keys and private keys in diffs, as the plan comment and the ledger do', async () => {
    // given a configured secret, and a commit whose ConfigMap quotes it, an access key id and a PEM key
    const token = 'operator-api-token-5f1c9e';
    rememberSecrets([token]);
    const { ns, name, env, revision } = planTarget('a'.repeat(40), 'b'.repeat(40));
    const dir = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: leaky}\ndata:\n  token: ${token}\n  key: AKIAIOSFODNN7EXAMPLE\n  pem: "-----BEGIN PRIVATE KEY-----\\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7\\n-----END PRIVATE KEY-----"\n`,
    });

    // when it is planned and rendered, as `cairn plan` and `cairn plan --json` print it
    const plan = await planEnvironment(env, revision, { dir }, { kube: kit.applier(name, kit.target(ns)) });
    const printed = renderPlan(plan) + JSON.stringify(plan);

    // then the diff is there, and none of the three values
    expect(plan.kubernetes?.changes.find((c) => c.subject.endsWith('/leaky'))?.diff).toContain(
      'token: [masked]',
    );
    expect(printed).not.toContain(token);
    expect(printed).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(printed).not.toContain('MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7');
  });

  it("shows an AWS output bound into a Secret as (secret): in the bindings, the JSON and the Secret's diff", async () => {
    // given a commit binding one output into a Secret (its stringData and an annotation) and
    // another into a ConfigMap, with both outputs live
    const password = 'db-password-4e0b7a';
    const url = 'http://localhost:5000/123456789012/jobs';
    const aws = new FakeAws();
    aws.live.set(
      'dev-data',
      new Map([
        ['Password', password],
        ['QueueUrl', url],
      ]),
    );
    const { ns, name, env, revision } = planTarget('c'.repeat(40), 'd'.repeat(40));
    const dir = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`,
      'db.yaml': [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: db',
        '  annotations: { rotated-from: "${aws:dev-data.Password}" }',
        'stringData:',
        '  password: ${aws:dev-data.Password}',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: queue }',
        'data:',
        '  url: ${aws:dev-data.QueueUrl}',
        '',
      ].join('\n'),
    });

    // when it is planned against the cluster and printed, as `cairn plan` and `--json` print it
    const plan = await planEnvironment(
      env,
      revision,
      { dir },
      { aws, kube: kit.applier(name, kit.target(ns)) },
    );
    const printed = renderPlan(plan) + JSON.stringify(plan);

    // then the Secret's binding reads (secret), the ConfigMap's its value, and the server dry run
    // of the Secret still happened, its diff showing the keys but not the value
    expect(plan.kubernetes?.failure).toBeUndefined();
    expect(plan.bindings?.map((b) => [b.key, b.value])).toEqual([
      ['dev-data.Password', SECRET_VALUE],
      ['dev-data.Password', SECRET_VALUE],
      ['dev-data.QueueUrl', url],
    ]);
    const secret = plan.kubernetes?.changes.find((c) => c.subject === `Secret/${ns}/db`);
    expect(secret?.action).toBe('created');
    expect(secret?.diff).toContain('password: "[redacted, changed]"');
    expect(secret?.diff).toContain(`rotated-from: ${SECRET_VALUE}`);
    expect(printed).toContain(`\${aws:dev-data.Password} = ${SECRET_VALUE}  (k8s-resources/db.yaml:7)`);
    expect(printed).toContain(url);
    expect(printed).not.toContain(password);
  });
});
