import { healthOf } from '../../../controller/kube/health';
import { orderInWaves, waveOf } from '../../../controller/kube/waves';
import { objectDiff } from '../../../controller/kube/diff';
import { classifyPlan } from '../../../controller/kube/plan-objects';
import { classifyApply } from '../../../controller/kube/apply-object';
import { exceedsPruneCap, pruneCandidates } from '../../../controller/kube/prune';
import { digestOf } from '../../../controller/kube/digest';
import { conflictsOf, onlyImperativeConflicts, refusalOf } from '../../../controller/kube/api-errors';
import type { KubeObject } from '../../../controller/kube/types';

const obj = (
  kind: string,
  extra: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name: 'x', ...metadata }, ...extra }) as KubeObject;

describe('waves', () => {
  it.each([
    ['CustomResourceDefinition', false, 'crds'],
    ['Namespace', false, 'namespaces'],
    ['ClusterRole', false, 'cluster'],
    ['ConfigMap', true, 'config'],
    ['Secret', true, 'config'],
    ['Service', true, 'config'],
    ['Deployment', true, 'workloads'],
    ['Job', true, 'workloads'],
    ['Ingress', true, 'rest'],
    ['Widget', true, 'rest'],
  ])('puts %s (namespaced %s) in wave %s', (kind, namespaced, wave) => {
    expect(waveOf(kind, namespaced)).toBe(wave);
  });

  it('orders waves and keeps input order inside one', () => {
    const items = ['Deployment/a', 'ConfigMap/b', 'Namespace/c', 'ConfigMap/d', 'CustomResourceDefinition/e'];
    const waves = orderInWaves(items, (s) => ({
      kind: s.split('/')[0]!,
      namespaced: !['Namespace', 'CustomResourceDefinition'].includes(s.split('/')[0]!),
    }));
    expect(waves.map((w) => [w.wave, w.items])).toEqual([
      ['crds', ['CustomResourceDefinition/e']],
      ['namespaces', ['Namespace/c']],
      ['config', ['ConfigMap/b', 'ConfigMap/d']],
      ['workloads', ['Deployment/a']],
    ]);
  });
});

describe('health', () => {
  const deploy = (status: object, generation = 2, replicas = 2) =>
    obj('Deployment', { spec: { replicas }, status }, { generation });
  it.each([
    ['a Deployment not yet observed', deploy({ observedGeneration: 1 }), 'progressing'],
    [
      'a Deployment half rolled out',
      deploy({ observedGeneration: 2, updatedReplicas: 1, availableReplicas: 1 }),
      'progressing',
    ],
    [
      'a Deployment with old replicas left',
      deploy({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      'progressing',
    ],
    [
      'a Deployment rolled out',
      deploy({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      'healthy',
    ],
    [
      'a Deployment past its deadline',
      deploy({
        observedGeneration: 2,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
      'failed',
    ],
    [
      'a StatefulSet ready',
      obj(
        'StatefulSet',
        {
          spec: { replicas: 1 },
          status: {
            observedGeneration: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            updatedReplicas: 1,
            currentRevision: 'r1',
            updateRevision: 'r1',
          },
        },
        { generation: 1 },
      ),
      'healthy',
    ],
    [
      'a StatefulSet mid-update',
      obj(
        'StatefulSet',
        {
          spec: { replicas: 1 },
          status: {
            observedGeneration: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            currentRevision: 'r1',
            updateRevision: 'r2',
          },
        },
        { generation: 1 },
      ),
      'progressing',
    ],
    [
      'a DaemonSet scheduled everywhere',
      obj(
        'DaemonSet',
        {
          status: {
            observedGeneration: 1,
            desiredNumberScheduled: 3,
            updatedNumberScheduled: 3,
            numberAvailable: 3,
          },
        },
        { generation: 1 },
      ),
      'healthy',
    ],
    [
      'a Job complete',
      obj('Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }),
      'healthy',
    ],
    [
      'a Job failed',
      obj('Job', {
        status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
      }),
      'failed',
    ],
    ['a Job running', obj('Job', { status: {} }), 'progressing'],
    ['a CRD not established', obj('CustomResourceDefinition', { status: {} }), 'progressing'],
    ['an object being deleted', obj('ConfigMap', {}, { deletionTimestamp: 'now' }), 'progressing'],
    ['an unknown kind', obj('Widget'), 'healthy'],
  ])('judges %s as %s', (_name, object, status) => {
    expect(healthOf(object).status).toBe(status);
  });
});

describe('diff and redaction', () => {
  it('shows changed lines with context and ignores server-managed fields', () => {
    const live = obj(
      'ConfigMap',
      { data: { a: '1', b: '2' }, status: { x: 1 } },
      { resourceVersion: '5', managedFields: [{}], uid: 'u' },
    );
    const desired = obj('ConfigMap', { data: { a: '1', b: '3' } });
    expect(objectDiff(live, desired)).toBe(
      ['  data:', '    a: "1"', '-   b: "2"', '+   b: "3"', '  kind: ConfigMap', '  metadata:'].join('\n'),
    );
    expect(objectDiff(live, { ...live, metadata: { ...live.metadata, resourceVersion: '9' } })).toBe('');
  });

  it.each([
    ['data', { data: { pw: 'c2VjcmV0' } }, { data: { pw: 'b3RoZXI=' } }],
    ['stringData', { stringData: { pw: 'secret' } }, { stringData: { pw: 'other' } }],
  ])('redacts Secret %s values and marks the changed keys', (_f, before, after) => {
    const diff = objectDiff(obj('Secret', before), obj('Secret', after));
    expect(diff).not.toMatch(/secret|other|c2VjcmV0|b3RoZXI=/);
    expect(diff).toContain('+   pw: "[redacted, changed]"');
  });
});

describe('classification', () => {
  const live = obj('ConfigMap', { data: { a: '1' } }, { resourceVersion: '1' });
  it.each([
    ['create', undefined, obj('ConfigMap', { data: { a: '1' } })],
    ['unchanged', live, obj('ConfigMap', { data: { a: '1' } }, { resourceVersion: '1', managedFields: [] })],
    ['update', live, obj('ConfigMap', { data: { a: '2' } })],
  ])('plans %s', (action, before, dryRun) => {
    expect(classifyPlan(before, dryRun)).toBe(action);
  });
  it.each([
    [201, undefined, '1', 'created'],
    [200, '1', '1', 'unchanged'],
    [200, '1', '2', 'updated'],
  ])('classifies an apply answered %s (rv %s → %s) as %s', (status, before, after, action) => {
    expect(classifyApply(status, before, after)).toBe(action);
  });
});

describe('prune planning', () => {
  const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'n', name });
  it('picks the inventory objects gone from Git, whatever their version', () => {
    expect(
      pruneCandidates([ref('a'), ref('b'), { ...ref('c'), apiVersion: 'v1' }], [ref('a'), ref('c')]),
    ).toEqual([ref('b')]);
  });
  it.each([
    [1, 4, 0.5, false, false],
    [2, 4, 0.5, false, false],
    [3, 4, 0.5, false, true],
    [3, 4, 0.5, true, false],
    [0, 0, 0.5, false, false],
  ])('%i of %i at share %f (allow %s) exceeds the cap: %s', (c, n, share, allow, exceeds) => {
    expect(exceedsPruneCap(c, n, share, allow)).toBe(exceeds);
  });
});

describe('digest and API errors', () => {
  it('gives the same digest whatever the key order', () => {
    expect(digestOf(obj('ConfigMap', { data: { a: '1', b: '2' } }))).toBe(
      digestOf({
        kind: 'ConfigMap',
        data: { b: '2', a: '1' },
        apiVersion: 'v1',
        metadata: { name: 'x' },
      } as KubeObject),
    );
  });
  const conflictBody = {
    details: {
      causes: [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "other-tool" using v1',
          field: '.data.mode',
        },
      ],
    },
  };
  it('names the manager and fields of a conflict', () => {
    expect(conflictsOf(conflictBody)).toEqual([{ manager: 'other-tool', fields: ['.data.mode'] }]);
    expect(refusalOf(409, conflictBody, 'ConfigMap')).toMatch(/"other-tool" owns \.data\.mode/);
  });
  it.each([
    ['Update', true],
    ['Apply', false],
  ])('treats a conflict with a manager that used %s as drift: %s', (operation, drift) => {
    const live = obj('ConfigMap', {}, { managedFields: [{ manager: 'other-tool', operation }] });
    expect(onlyImperativeConflicts(conflictsOf(conflictBody), live)).toBe(drift);
  });
  it('removes echoed values from a Secret refusal', () => {
    expect(refusalOf(422, { message: 'data[x]: Invalid value: "s3cr3t": bad' }, 'Secret')).not.toContain(
      's3cr3t',
    );
  });
});
