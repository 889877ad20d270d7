import { healthOf } from '../../../controller/kube/health';
import { applyOrder, orderInWaves, WAVES, waveOf } from '../../../controller/kube/waves';
import { objectDiff } from '../../../controller/kube/diff';
import { classify } from '../../../controller/kube/settle-object';
import { decide, decidePrune, needsBody, writersOf } from '../../../controller/kube/decide';
import { ownedBy, ownerOf, OWNER_LABEL, OWNED_BY_ANNOTATION } from '../../../controller/kube/identity';
import { exceedsPruneCap, pruneCandidates } from '../../../controller/kube/prune';
import { canonicalJson, digestOf } from '../../../controller/kube/digest';
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

  it.each([
    [false, ['crds', 'namespaces', 'config']],
    [true, ['namespaces', 'crds', 'config']],
  ])('with the inventory waiting for the tree namespace (%s), applies the waves %j', (waits, order) => {
    // given a tree with a CRD, a Namespace and a ConfigMap
    const items = ['ConfigMap/b', 'Namespace/c', 'CustomResourceDefinition/e'];
    // when ordered for an apply
    const waves = orderInWaves(
      items,
      (s) => ({ kind: s.split('/')[0]!, namespaced: s.startsWith('ConfigMap/') }),
      applyOrder(waits),
    );
    // then only the Namespaces and the CRDs trade places, and every wave is there once
    expect(waves.map((w) => w.wave)).toEqual(order);
    expect([...applyOrder(waits)].sort()).toEqual([...WAVES].sort());
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

  it("removes a Secret's value from kubectl's last-applied annotation in a diff", () => {
    const lastApplied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { pw: 'aHVudGVyMg==' } });
    const live = obj(
      'Secret',
      { data: { pw: 'aHVudGVyMg==' } },
      {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      },
    );
    const diff = objectDiff(live, obj('Secret', { data: { pw: 'bmV3' } }));
    expect(diff).not.toMatch(/aHVudGVyMg|bmV3/);
    expect(diff).toContain('last-applied-configuration: "[redacted]"');
  });
});

describe('classification (the same for a dry run and a real apply)', () => {
  const live = obj('ConfigMap', { data: { a: '1' } }, { resourceVersion: '1' });
  it.each([
    ['created', undefined, obj('ConfigMap', { data: { a: '1' } })],
    ['unchanged', live, obj('ConfigMap', { data: { a: '1' } }, { resourceVersion: '1', managedFields: [] })],
    ['configured', live, obj('ConfigMap', { data: { a: '2' } })],
    [
      'configured',
      live,
      obj('ConfigMap', { data: { a: '1' } }, { annotations: { 'cairn.dev/digest': 'd2' } }),
    ],
  ])('calls %s what the server answers', (action, before, answer) => {
    expect(classify(before, answer)).toBe(action);
  });
});

describe('identity and the decision per object', () => {
  const mine = ownerOf({ env: 'dev', repository: 'https://tok:secret@git.example.com/a.git' });
  const theirs = ownerOf({ env: 'dev', repository: 'https://git.example.com/b.git' });
  const marked = (owner = mine, digest = 'd1', rv = '7') =>
    obj(
      'ConfigMap',
      {},
      {
        resourceVersion: rv,
        labels: { [OWNER_LABEL]: owner.id },
        annotations: { [OWNED_BY_ANNOTATION]: ownedBy(owner), 'cairn.dev/digest': digest },
      },
    );

  it('gives two repositories with the same environment name different owners, without credentials', () => {
    expect(mine.id).not.toBe(theirs.id);
    expect(mine.id).toMatch(/^dev-[0-9a-f]{10}$/);
    expect(mine.description).toBe('environment dev of https://git.example.com/a.git');
    expect(ownerOf({ env: 'dev', repository: 'x', instance: 'shop-dev' })).toEqual({
      id: 'shop-dev',
      description: 'instance shop-dev',
    });
  });

  const input = { digest: 'd1', owner: mine, adopt: false as const };
  const cairnWrote = { manager: 'cairn', operation: 'Apply', apiVersion: 'v1', time: 't1', fieldsV1: {} };
  const withWriters = (o: KubeObject, ...entries: object[]): KubeObject =>
    ({ ...o, metadata: { ...o.metadata, managedFields: [cairnWrote, ...entries] } }) as KubeObject;
  const leftAt7 = { rv: '7', fp: writersOf(withWriters(marked())) };
  const statusOnly = { manager: 'kcm', operation: 'Update', subresource: 'status', time: 't2' };
  const handEdit = {
    manager: 'kubectl-edit',
    operation: 'Update',
    apiVersion: 'v1',
    time: 't2',
    fieldsV1: {},
  };
  it.each([
    ['create when absent', undefined, leftAt7, 'create'],
    ['unchanged when exactly as cairn left it', marked(), leftAt7, 'unchanged'],
    [
      'unchanged when only its status was written since',
      withWriters(marked(mine, 'd1', '9'), statusOnly),
      leftAt7,
      'unchanged',
    ],
    ['check when someone edited it since', withWriters(marked(mine, 'd1', '9'), handEdit), leftAt7, 'check'],
    ['check when cairn recorded no version', marked(), undefined, 'check'],
    ['apply when Git changed (digest differs)', marked(mine, 'd0'), leftAt7, 'apply'],
    [
      'refuse an unmarked object as unowned',
      obj('ConfigMap', {}, { resourceVersion: '7' }),
      leftAt7,
      'unowned',
    ],
    ["refuse another environment's object", marked(theirs), leftAt7, 'refuse'],
  ])('decides %s', (_name, live, left, kind) => {
    expect(decide(input, live, left).kind).toBe(kind);
  });

  it.each([
    [{ adoptUnowned: true }, 'apply'],
    [{ adopt: ['ConfigMap/x'] }, 'apply'],
    [{ adopt: ['ConfigMap/y'] }, 'unowned'],
    [{ adopt: true }, 'unowned'],
  ] as const)('an unmarked object with %j is %s', (over, kind) => {
    const live = withWriters(obj('ConfigMap', {}, { resourceVersion: '7' }), handEdit);
    const decision = decide({ ...input, ...over }, live, undefined);
    expect(decision.kind).toBe(kind);
    if (decision.kind === 'unowned') expect(decision.managers).toEqual(['cairn', 'kubectl-edit']);
  });

  it.each([
    [true, 'apply'],
    [[theirs.id], 'apply'],
    [['someone-else'], 'refuse'],
  ] as const)("with adopt %j decides %s for another environment's object", (adopt, kind) => {
    expect(decide({ ...input, adopt }, marked(theirs), { rv: '7' }).kind).toBe(kind);
  });

  it.each([
    ['deletes its own object', marked(), 'delete'],
    ["keeps another environment's object", marked(theirs), 'keep'],
    ['keeps an unmarked object', obj('ConfigMap'), 'keep'],
    [
      'keeps an object with prune disabled',
      obj('ConfigMap', {}, { annotations: { 'cairn.dev/prune': 'disabled' } }),
      'keep',
    ],
    ['forgets an object already gone', undefined, 'gone'],
  ])('prune %s', (_name, live, kind) => {
    expect(decidePrune(mine, live).kind).toBe(kind);
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
  it('writes canonical JSON exactly as every earlier cairn did (a changed text would re-apply every object)', () => {
    // given keys in any order (integer-like ones too), nested arrays, undefined and escapes
    const value = {
      z: [1, 'two', null, undefined, { b: true, a: -0.5 }],
      '10': 'ten',
      '2': 'two',
      a: { é: '\u2028', '"q"': 'x' },
      u: undefined,
      n: null,
      e: {},
      l: [],
    };
    // then the text is byte for byte the one the map/join version wrote (pinned from it)
    expect(canonicalJson(value)).toBe(
      '{"10":"ten","2":"two","a":{"\\"q\\"":"x","é":"\u2028"},"e":{},"l":[],"n":null,"z":[1,"two",null,null,{"a":-0.5,"b":true}]}',
    );
  });
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
  it('removes the value a type error prints from a Secret refusal, to the end of the message', () => {
    // the API server's %v of a text is unescaped: it may span lines and imitate a further error
    const message =
      'failed to create typed patch object (ns/s; /v1, Kind=Secret): errors:\n  .stringData.a: expected string, got &value.valueUnstructured{Value:73916482}\n  .stringData.b: expected map, got &{s3cr3t\n  .data.x: s3cr3t}';
    const refusal = refusalOf(500, { message }, 'Secret');
    expect(refusal).toContain('.stringData.a: expected string, got [redacted]');
    expect(refusal).not.toMatch(/73916482|s3cr3t/);
    expect(refusalOf(500, { message }, 'ConfigMap')).toContain('73916482');
  });
});

describe('which decisions need the live body (a metadata-only read is enough for the rest)', () => {
  it.each([
    [{ kind: 'create' } as const, 'CustomResourceDefinition', false],
    [{ kind: 'apply' } as const, 'ClusterRole', true],
    [{ kind: 'check' } as const, 'Namespace', true],
    [{ kind: 'unchanged' } as const, 'CustomResourceDefinition', true],
    [{ kind: 'unchanged' } as const, 'Deployment', true],
    [{ kind: 'unchanged' } as const, 'ClusterRole', false],
    [{ kind: 'unowned', managers: ['kubectl'] } as const, 'Namespace', false],
  ])('%j of a %s: %s', (decision, kind, expected) => {
    expect(needsBody(decision, kind)).toBe(expected);
  });
});
