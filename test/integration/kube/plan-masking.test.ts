import type { EnvironmentConfig } from '../../../controller/config/types';
import { renderPlan } from '../../../controller/cli/render-plan';
import { forgetSecrets, rememberSecrets } from '../../../controller/model';
import { planEnvironment } from '../../../controller/reconcile/plan-environment';
import type { Revision } from '../../../controller/source/types';
import { kubeKit } from './kube-kit';

const kit = kubeKit('plan-mask');
afterAll(() => {
  forgetSecrets();
  return kit.cleanup();
});

describe('cairn plan output', () => {
  it('masks configured secrets, AWS keys and private keys in diffs, as the plan comment and the ledger do', async () => {
    // given a configured secret, and a commit whose ConfigMap quotes it, an access key id and a PEM key
    const token = 'operator-api-token-5f1c9e';
    rememberSecrets([token]);
    const ns = kit.name('ns');
    const name = kit.name('env');
    const env = { name, order: 'aws-first' } as unknown as EnvironmentConfig;
    const revision = {
      env: name,
      sha: 'a'.repeat(40),
      trees: { aws: null, k8s: 'b'.repeat(40) },
    } as Revision;
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
});
