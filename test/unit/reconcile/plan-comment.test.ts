import type { Change, PlaneResult } from '../../../controller/model';
import { forgetSecrets, rememberSecrets } from '../../../controller/model';
import {
  COMMENT_LIMIT,
  planDescription,
  planMarker,
  renderPlanComment,
} from '../../../controller/reconcile/plan-comment';
import type { PullRequestPlan } from '../../../controller/reconcile/pull-request-plan';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';

function plan(over: Partial<PullRequestPlan> = {}): PullRequestPlan {
  return {
    env: 'dev',
    base: 'dev',
    number: 7,
    sha: SHA,
    aws: null,
    kubernetes: null,
    durationMs: 1234,
    ...over,
  };
}

const stack = (subject: string, action: Change['action'], reason?: string): Change => ({
  target: 'aws',
  subject,
  action,
  ...(reason ? { reason } : {}),
});
const resource = (
  subject: string,
  action: Change['action'],
  type: string,
  replacement?: Change['replacement'],
): Change => ({
  target: 'aws',
  subject,
  action,
  type,
  ...(replacement === undefined ? {} : { replacement }),
});
const object = (subject: string, action: Change['action'], diff?: string, file?: string): Change => ({
  target: 'kubernetes',
  subject,
  action,
  type: 'v1',
  ...(diff ? { diff } : {}),
  ...(file ? { file } : {}),
});

const AWS: PlaneResult = {
  changes: [
    stack('app-dev-data', 'configured'),
    resource('app-dev-data/Jobs', 'created', 'AWS::SQS::Queue'),
    resource('app-dev-data/Bucket', 'configured', 'AWS::S3::Bucket', true),
    resource('app-dev-data/Old', 'deleted', 'AWS::SNS::Topic'),
    resource('app-dev-data/Maybe', 'configured', 'AWS::IAM::Role', 'conditional'),
    stack('app-dev-web', 'unchanged'),
  ],
};
const KUBE: PlaneResult = {
  changes: [
    object(
      'ConfigMap/apps/settings',
      'configured',
      '-  color: blue\n+  color: green',
      'k8s-resources/settings.yaml',
    ),
    object('Deployment/apps/web', 'unchanged'),
    object('Service/apps/web', 'created', '+kind: Service'),
    object('Secret/apps/creds', 'configured', '-  password: [redacted]\n+  password: [redacted]'),
    object('ConfigMap/apps/old', 'deleted'),
  ],
};

/** The plan of a pull request whose k8s-resources/bad.yaml does not parse, failing with `message`. */
function invalidManifestPlan(message: string): PullRequestPlan {
  return plan({
    kubernetes: {
      changes: [],
      failure: {
        code: 'kube.invalid-manifest',
        phase: 'plan',
        retryable: false,
        subject: 'k8s-resources/bad.yaml',
        message,
      },
    },
  });
}

describe('renderPlanComment', () => {
  afterEach(() => forgetSecrets());

  it('starts with the marker and names env, base, pull request and head sha', () => {
    const body = renderPlanComment(plan({ aws: AWS, kubernetes: KUBE }));
    expect(body.startsWith(`${planMarker('dev')}\n`)).toBe(true);
    expect(body).toContain('cairn plan for `dev`');
    expect(body).toContain('Pull request #7 into `dev` at `abcdef012345`');
    expect(body).toContain('nothing was applied');
  });

  it.each([
    [
      'a stack with its adds, modifies, removes and replacements',
      '| `app-dev-data` | configured | 1 | 2 | 1 | 1 (+1 conditional) |',
    ],
    ['an unchanged stack', '| `app-dev-web` | unchanged | 0 | 0 | 0 | 0 |'],
    ['objects counted per action', '| 1 | 2 | 1 | 1 | 0 |'],
    ['a resource change in the folded details', '| created | `Jobs` | `AWS::SQS::Queue` |  |'],
    ['a replacement in the details', '| configured | `Bucket` | `AWS::S3::Bucket` | yes |'],
    [
      'an object diff folded, with its file',
      '<details><summary>configured <code>ConfigMap/apps/settings</code> from <code>k8s-resources/settings.yaml</code></summary>',
    ],
    ['the diff itself in a diff block', '```diff\n-  color: blue\n+  color: green\n```'],
    ['a Secret without its data', "A Secret's data is never shown."],
  ])('shows %s', (_what, expected) => {
    expect(renderPlanComment(plan({ aws: AWS, kubernetes: KUBE }))).toContain(expected);
  });

  it('says what a gated environment waits for once merged, and says nothing of gates without one', () => {
    const gated = renderPlanComment(plan({ aws: AWS, kubernetes: KUBE }), {
      after: 'staging',
      healthyForMs: 1_800_000,
    });
    expect(gated).toContain(
      '**Waits for `staging`**: once merged, this is applied only after `staging` has applied the same trees and stayed healthy for 30m00s',
    );
    expect(renderPlanComment(plan({ aws: AWS, kubernetes: KUBE }))).not.toContain('Waits for');
  });

  it('never shows a Secret diff, and masks remembered secrets anywhere', () => {
    rememberSecrets(['hunter2-very-secret']);
    const kube: PlaneResult = {
      changes: [
        object('Secret/apps/creds', 'configured', '+  password: aHVudGVy'),
        object('ConfigMap/apps/leak', 'configured', '+  token: hunter2-very-secret'),
      ],
    };
    const body = renderPlanComment(plan({ kubernetes: kube }));
    expect(body).not.toContain('aHVudGVy');
    expect(body).not.toContain('hunter2-very-secret');
    expect(body).toContain('[masked]');
  });

  it('masks an access key id inside a word, and a secret base64-encoded or URL-encoded, in a diff and a reason', () => {
    // Given a remembered secret (say the audit key) and a commit that spells it in other forms
    const key = 'audit-key-4f2a9c71e0b35d86';
    rememberSecrets([key]);
    const b64 = Buffer.from(key).toString('base64');
    const embedded = Buffer.from(`Basic x:${key}`).toString('base64');
    const kube: PlaneResult = {
      changes: [
        object(
          'ConfigMap/apps/leak',
          'configured',
          `+  a: X0AKIAIOSFODNN7EXAMPLE\n+  b: ${b64}\n+  c: ${embedded}`,
        ),
      ],
    };
    const aws: PlaneResult = {
      changes: [
        stack('Stack', 'configured', `url ?k=${encodeURIComponent(key)}&id=roleAKIAIOSFODNN7EXAMPLE`),
      ],
    };
    // When the plan comment is rendered
    const body = renderPlanComment(plan({ kubernetes: kube, aws }));
    // Then none of the forms reaches it
    for (const leaked of ['AKIAIOSFODNN7EXAMPLE', b64, embedded.slice(4, -4), encodeURIComponent(key), key])
      expect(body).not.toContain(leaked);
    expect(body).toContain('X0[masked]');
  });

  it.each([
    [
      'an invalid manifest names the file',
      invalidManifestPlan('k8s-resources/bad.yaml:3:1: bad indentation'),
      ['**The Kubernetes plan failed** in `k8s-resources/bad.yaml`', 'bad indentation'],
    ],
    [
      'a synth error says so',
      plan({
        aws: {
          changes: [],
          failure: {
            code: 'aws.synth-failed',
            phase: 'synthesize',
            retryable: false,
            subject: 'aws-resources/app.js',
            message: 'SyntaxError: Unexpected token',
          },
        },
      }),
      ['**The AWS plan failed** in `aws-resources/app.js` (phase `synthesize`', 'SyntaxError'],
    ],
    [
      'a fetch failure says the whole plan failed',
      plan({
        failure: {
          code: 'source.no-pull-ref',
          phase: 'fetch',
          retryable: false,
          subject: 'pull request 7 (refs/pull/7/head)',
          message: 'is not in the repository',
        },
      }),
      ['**The plan failed** in `pull request 7 (refs/pull/7/head)`'],
    ],
    [
      'a plan without changes says so',
      plan({
        aws: { changes: [stack('app-dev-data', 'unchanged')] },
        kubernetes: { changes: [object('ConfigMap/a/b', 'unchanged')] },
      }),
      ['**No changes**'],
    ],
    [
      'a plane not planned says why',
      plan({ kubernetes: { changes: [] }, skipped: { aws: 'no aws target for this environment' } }),
      ['**AWS**: not planned (no aws target for this environment).'],
    ],
  ])('%s', (_what, given, expected) => {
    const body = renderPlanComment(given);
    for (const text of expected) expect(body).toContain(text);
  });

  it('escapes what the repository controls: no HTML, no fence break-out, no marker of another environment', () => {
    const hostile = object(
      'ConfigMap/apps/x',
      'configured',
      '```\n</details><!-- cairn:plan:prod --><img src=x>',
      'k8s-resources/<b>x</b>|y.yaml',
    );
    const body = renderPlanComment(plan({ kubernetes: { changes: [hostile] } }));
    expect(body).toContain('from <code>k8s-resources/&lt;b&gt;x&lt;/b&gt;\\|y.yaml</code>');
    // The diff sits inside a fence longer than any backtick run in it, so it cannot close it.
    expect(body).toContain('````diff\n```\n</details>');
    expect(body.split('<!-- cairn:plan:').length).toBe(3); // our marker, and the one inside the fenced diff
  });

  it('stays under the host limit, leaving out details with a note', () => {
    const big = Array.from({ length: 60 }, (_, i) =>
      object(`ConfigMap/apps/c${i}`, 'configured', `+${'x'.repeat(3_000)}`),
    );
    const body = renderPlanComment(plan({ kubernetes: { changes: big } }));
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    expect(body).toMatch(/_\d+ of 60 detail sections are not shown/);
    expect(body).toContain('| 0 | 60 | 0 | 0 | 0 |');
  });

  it('names every change whose details are left out, so big diffs cannot push one out of sight', () => {
    // Found in review: sixteen 4,000-character ConfigMap diffs filled the comment, and the Role
    // the pull request also changed was only "1 of 17 detail sections not shown", unnamed.
    const filler = Array.from({ length: 16 }, (_, i) =>
      object(`ConfigMap/apps/filler-${i}`, 'configured', `+${'x'.repeat(5_000)}`),
    );
    const role = object('Role/apps/read-secrets', 'configured', '+  - secrets');
    const stack: Change[] = [
      { target: 'aws', subject: 'Data', action: 'configured' },
      { target: 'aws', subject: 'Data/AdminRole', action: 'created', type: 'AWS::IAM::Role' },
    ];
    const body = renderPlanComment(
      plan({ aws: { changes: stack }, kubernetes: { changes: [...filler, role] } }),
    );
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    expect(body).toMatch(/_\d+ of 18 detail sections are not shown/);
    expect(body).toContain('configured `Role/apps/read-secrets`');
    expect(body).toContain('Stack <code>Data</code>: 1 resource changes');
  });

  it('names the left-out changes up to a bound, and counts the rest', () => {
    const many = Array.from({ length: 2_000 }, (_, i) =>
      object(`ConfigMap/apps/${'n'.repeat(40)}-${i}`, 'configured', `+${'x'.repeat(3_000)}`),
    );
    const body = renderPlanComment(plan({ kubernetes: { changes: many } }));
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    expect(body).toMatch(/and \d+ more\./);
  });

  it('cuts one long diff with a note', () => {
    const body = renderPlanComment(
      plan({ kubernetes: { changes: [object('ConfigMap/a/b', 'configured', 'y'.repeat(10_000))] } }),
    );
    expect(body).toContain('… 6000 more characters cut');
  });
});

describe('planDescription', () => {
  it.each([
    [plan({ aws: AWS, kubernetes: KUBE }), '2 to create, 4 to change, 2 to delete'],
    [plan({ kubernetes: { changes: [object('ConfigMap/a/b', 'unchanged')] } }), 'no changes'],
    [invalidManifestPlan('x'), 'plan failed: k8s-resources/bad.yaml'],
  ])('case %#', (given, expected) => {
    expect(planDescription(given)).toBe(expected);
  });

  it('lists the API server warnings under the objects table, naming file and object, masked and fenced', () => {
    // given a plan whose unchanged Deployment got a Pod Security warning, and a webhook warning that quotes a remembered secret
    rememberSecrets(['webhook-quoted-secret-77']);
    const warned = (subject: string, file: string, warnings: string[]): Change => ({
      ...object(subject, 'unchanged', undefined, file),
      warnings,
    });
    const kube: PlaneResult = {
      changes: [
        warned('Deployment/a/web', 'k8s-resources/app.yaml', [
          'would violate PodSecurity "restricted:latest"',
        ]),
        warned('ConfigMap/a/cfg', 'k8s-resources/cfg.yaml', ['value webhook-quoted-secret-77 ``` looks odd']),
        object('ConfigMap/a/quiet', 'created', '+ a: b', 'k8s-resources/quiet.yaml'),
      ],
    };
    // when the comment is rendered
    const body = renderPlanComment(plan({ kubernetes: kube }));
    // then both warnings are in one fenced block a backtick run cannot close, the secret masked
    expect(body).toContain(
      [
        '**Warnings from the API server** (a warning fails neither the plan nor the apply):',
        '',
        '````',
        'k8s-resources/app.yaml: Deployment/a/web: would violate PodSecurity "restricted:latest"',
        'k8s-resources/cfg.yaml: ConfigMap/a/cfg: value [masked] ``` looks odd',
        '````',
      ].join('\n'),
    );
    expect(renderPlanComment(plan({ kubernetes: { changes: [kube.changes[2]!] } }))).not.toContain(
      'Warnings',
    );
  });
});
