import {
  formatDuration,
  formatTime,
  renderAuditEntry,
  renderAuditList,
  renderControlList,
} from '../../../controller/cli/render-audit';
import type { AuditEntry } from '../../../controller/model';

const base: AuditEntry = {
  id: '3f2a9c1e-1111-2222-3333-444455556666',
  env: 'dev',
  trigger: 'webhook',
  fromSha: 'abc1234'.padEnd(40, '0'),
  toSha: 'def5678'.padEnd(40, '0'),
  author: 'Ana <ana@example.com>',
  message: 'Fix bucket policy\n\nThe old one was too wide.',
  committedAt: '2025-06-01T09:59:00.000Z',
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:00:05.000Z',
  outcome: 'succeeded',
  phases: [
    { name: 'fetch', startedAt: '2025-06-01T10:00:00.000Z', durationMs: 120 },
    { name: 'synthesize', startedAt: '2025-06-01T10:00:00.120Z', durationMs: 3400 },
  ],
  changes: [],
};

describe('formatDuration and formatTime', () => {
  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1000, '1.0s'],
    [12_345, '12.3s'],
    [125_000, '2m05s'],
    [3_723_000, '1h02m'],
    [-1, '-'],
    [Number.NaN, '-'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    ['2025-06-01T10:00:00.123Z', '2025-06-01 10:00:00Z'],
    ['2025-06-01T12:00:00+02:00', '2025-06-01 10:00:00Z'],
    ['', '-'],
    ['yesterday', '-'],
  ])('%s reads %s', (iso, text) => expect(formatTime(iso)).toBe(text));
});

describe('renderAuditList', () => {
  it('prints aligned columns with short ids and shas, the duration and the first message line', () => {
    const other: AuditEntry = {
      ...base,
      id: 'aaaa0000-x',
      env: 'production',
      trigger: 'poll',
      outcome: 'no-op',
      fromSha: null,
      toSha: 'a'.repeat(40),
      finishedAt: '2025-06-01T10:03:07.000Z',
      message: 'first',
    };
    expect(renderAuditList([base, other]).split('\n')).toEqual([
      'ID        ENV         OUTCOME    CHANGE           TRIGGER  STARTED               DURATION  MESSAGE',
      '3f2a9c1e  dev         succeeded  abc1234→def5678  webhook  2025-06-01 10:00:00Z  5.0s      Fix bucket policy',
      'aaaa0000  production  no-op      none→aaaaaaa     poll     2025-06-01 10:00:00Z  3m07s     first',
    ]);
  });

  it('says so when there is nothing', () => {
    expect(renderAuditList([])).toBe('no audit entries');
  });

  it('cuts a long message line', () => {
    const line = renderAuditList([{ ...base, message: 'x'.repeat(100) }]).split('\n')[1]!;
    expect(line.endsWith(`${'x'.repeat(59)}…`)).toBe(true);
  });
});

describe('renderAuditList', () => {
  it('marks the entry whose terminal failure stalled the environment', () => {
    const failure = { code: 'kube.yaml', phase: 'plan', message: 'bad', retryable: false } as const;
    const lines = renderAuditList([
      { ...base, outcome: 'failed', failure },
      { ...base, outcome: 'failed', failure: { ...failure, code: 'unexpected', retryable: true } },
    ]).split('\n');
    expect(lines[1]).toContain(' failed (stalled) ');
    expect(lines[2]).toMatch(/ failed {2,}abc1234/);
  });
});

describe('renderControlList', () => {
  it('names the commit, entry and pull request a record points at, and marks one past a break', () => {
    const lines = renderControlList([
      {
        env: 'prod',
        seq: 9,
        action: 'revert-proposed',
        at: '2025-06-01T10:05:00.000Z',
        by: 'cairn',
        reason: 'release 3f2a9c1e failed: Deployment web did not become ready\nmore',
        entry: base.id,
        sha: 'fed9876'.padEnd(40, '0'),
        url: 'https://git.example.com/team/infra/pulls/12',
      },
      {
        env: 'dev',
        seq: 4,
        action: 'resume',
        at: '2025-06-01T10:00:00.000Z',
        by: 'ana@laptop',
        reason: 'done',
        untrusted: true,
      },
    ]);
    expect(lines).toEqual([
      '',
      'Control records',
      '  AT                    ENV   ACTION              BY          WHY',
      '  2025-06-01 10:05:00Z  prod  revert-proposed     cairn       release 3f2a9c1e failed: Deployment web did not become ready (commit fed9876, entry 3f2a9c1e, https://git.example.com/team/infra/pulls/12)',
      '  2025-06-01 10:00:00Z  dev   resume (UNTRUSTED)  ana@laptop  done',
    ]);
  });

  it('prints nothing when there is no record', () => {
    expect(renderControlList([])).toEqual([]);
  });
});

describe('renderAuditEntry', () => {
  it('prints the commit, the changes per stack and per object, the timings and the failure', () => {
    const failed: AuditEntry = {
      ...base,
      outcome: 'failed',
      changes: [
        { target: 'aws', subject: 'Storage', action: 'configured', durationMs: 12_000 },
        {
          target: 'aws',
          subject: 'Storage/DataBucket',
          action: 'configured',
          type: 'AWS::S3::Bucket',
          replacement: true,
        },
        { target: 'aws', subject: 'Storage/Queue', action: 'created', type: 'AWS::SQS::Queue' },
        { target: 'aws', subject: 'Network', action: 'unchanged', durationMs: 300 },
        { target: 'kubernetes', subject: 'ConfigMap/apps/settings', action: 'created', type: 'v1' },
        {
          target: 'kubernetes',
          subject: 'Deployment/apps/web',
          action: 'configured',
          type: 'apps/v1',
          reason: 'not healthy after 60s',
        },
        { target: 'kubernetes', subject: 'Namespace/apps', action: 'unchanged', type: 'v1' },
      ],
      failure: {
        code: 'kube.unhealthy',
        phase: 'verify',
        retryable: true,
        message: 'Deployment/apps/web: 1 object(s) not healthy after 60s',
        subject: 'Deployment/apps/web',
      },
    };
    expect(renderAuditEntry(failed).split('\n')).toEqual([
      'entry      3f2a9c1e-1111-2222-3333-444455556666',
      'env        dev',
      'outcome    failed (verify)',
      'trigger    webhook',
      `commit     def5678${'0'.repeat(33)}`,
      `from       abc1234${'0'.repeat(33)}`,
      'author     Ana <ana@example.com>',
      'committed  2025-06-01 09:59:00Z',
      'message    Fix bucket policy',
      '',
      '           The old one was too wide.',
      '',
      'AWS',
      '  configured    Storage                              12.0s',
      '    configured  Storage/DataBucket  AWS::S3::Bucket         replacement',
      '    created     Storage/Queue       AWS::SQS::Queue',
      '  unchanged     Network                              300ms',
      '',
      'Kubernetes',
      '  created     ConfigMap/apps/settings  v1',
      '  configured  Deployment/apps/web      apps/v1  not healthy after 60s',
      '  unchanged   Namespace/apps           v1',
      '',
      'Timings',
      '  fetch         120ms',
      '  synthesize     3.4s',
      '  total          5.0s',
      '',
      'Failure',
      '  verify: Deployment/apps/web: 1 object(s) not healthy after 60s',
      '  subject: Deployment/apps/web',
      '  code: kube.unhealthy',
      '  retryable: yes (retried with backoff)',
    ]);
  });

  it('says why a half was skipped and marks a first apply and a force push', () => {
    const text = renderAuditEntry({
      ...base,
      fromSha: null,
      forcePushed: true,
      skipped: { aws: 'unchanged since last apply' },
    });
    expect(text).toContain(`commit     def5678${'0'.repeat(33)}  (force-pushed)`);
    expect(text).toContain('from       none (first apply)');
    expect(text).toContain('AWS\n  skipped: unchanged since last apply\n\nKubernetes\n  no objects');
    expect(text).not.toContain('Failure');
  });

  it('says a terminal failure stalls the environment', () => {
    const text = renderAuditEntry({
      ...base,
      outcome: 'failed',
      failure: {
        code: 'kube.prune-cap',
        phase: 'apply-kubernetes',
        retryable: false,
        message: 'would prune 3 of 4',
      },
    });
    expect(text).toContain('retryable: no (the environment stalls until a new commit or a manual sync)');
  });

  it('names each API server warning with its file and object, after the changes (what cairn sync prints)', () => {
    const text = renderAuditEntry({
      ...base,
      changes: [
        {
          target: 'kubernetes',
          subject: 'Ingress/apps/web',
          action: 'created',
          type: 'networking.k8s.io/v1',
          file: 'k8s-resources/web.yaml',
          warnings: [
            `annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`,
          ],
        },
      ],
    });
    expect(text).toContain(
      [
        'Kubernetes',
        '  created  Ingress/apps/web  networking.k8s.io/v1',
        '',
        'Warnings from the API server',
        `  k8s-resources/web.yaml: Ingress/apps/web: annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`,
        '',
        'Timings',
      ].join('\n'),
    );
    expect(renderAuditEntry(base)).not.toContain('Warnings');
  });
});
