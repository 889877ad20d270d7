import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import type { KubeClient, KubeRequest } from '../../../controller/kube/kube-client';
import { fetchLiveEach, type Located } from '../../../controller/kube/object-ops';
import type { Manifest } from '../../../controller/kube/types';
import { silentLog } from '../../../controller/log';
import { MEMORY_IDENTITY, MEMORY_TARGET, MemoryKubeClient } from '../../helpers/memory-kube-client';

const target = MEMORY_TARGET;
const identity = MEMORY_IDENTITY;

const manifests: Manifest[] = [
  {
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extra' } },
    file: 'k8s-resources/ns.yaml',
    documentIndex: 0,
  },
  {
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'extra' }, data: {} },
    file: 'k8s-resources/cm.yaml',
    documentIndex: 0,
  },
];

/** A client over `memory` that keeps the path of every GET it sends, in order. */
function recordingReads(memory: MemoryKubeClient): { client: KubeClient; reads: string[] } {
  const reads: string[] = [];
  const client: KubeClient = {
    server: memory.server,
    close: () => memory.close(),
    request(req) {
      if (req.method === 'GET') reads.push(req.path);
      return memory.request(req);
    },
  };
  return { client, reads };
}

// The reads before a fresh apply's first write are round trips the apply waits for: the inventory
// is read beside the declared Namespaces, not after them.
describe('the reads before the first write', () => {
  it('asks for the inventory while the declared Namespaces are still being read', async () => {
    const memory = new MemoryKubeClient();
    const events: string[] = [];
    const isNamespaceRead = (req: KubeRequest) =>
      req.method === 'GET' && req.path === '/api/v1/namespaces/extra';
    // Each read of the declared Namespace is answered only after a pause, so whatever is sent
    // meanwhile shows up before its answer.
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      async request(req) {
        if (req.method === 'GET' && req.path.includes('/configmaps/cairn-inventory-'))
          events.push('inventory asked');
        if (!isNamespaceRead(req)) return memory.request(req);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push('namespace answered');
        return memory.request(req);
      },
    };
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    const result = await applier.apply(manifests);
    expect(result.failure).toBeUndefined();
    expect(events[0]).toBe('inventory asked');
    expect(events).toContain('namespace answered');
    expect(memory.writes.at(-1)).toMatch(/configmaps\/cairn-inventory-/);
  });
});

describe('the declared Namespaces', () => {
  it('are read once, by name: the apply does not list every Namespace of the cluster after them', async () => {
    // given a tree declaring six Namespaces (over the four read by name before a collection is
    // listed) with a ConfigMap in one, and one of them already there, made by someone else
    const memory = new MemoryKubeClient();
    await memory.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/ns-5',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-5' } }),
      query: { fieldManager: 'kubectl' },
    });
    const { client, reads } = recordingReads(memory);
    const names = ['ns-0', 'ns-1', 'ns-2', 'ns-3', 'ns-4', 'ns-5'];
    const tree: Manifest[] = [
      ...names.map((name) => ({
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        file: 'k8s-resources/ns.yaml',
        documentIndex: 0,
      })),
      {
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns-0' }, data: {} },
        file: 'k8s-resources/cm.yaml',
        documentIndex: 0,
      },
    ];
    const applier = createKubeApplier(identity, { ...target, adoptUnowned: true }, silentLog(), { client });
    const result = await applier.apply(tree);
    // then each Namespace was read once by name, the collection of Namespaces never, and the apply
    // decided on those reads (the existing one adopted, the others created)
    expect(result.failure).toBeUndefined();
    for (const name of names) expect(reads.filter((r) => r === `/api/v1/namespaces/${name}`)).toHaveLength(1);
    expect(reads).not.toContain('/api/v1/namespaces');
    const actions = new Map(result.changes.map((c) => [c.subject, c.action]));
    expect(actions.get('Namespace/ns-0')).toBe('created');
    expect(actions.get('Namespace/ns-5')).not.toBe('created');
  });
});

describe('the live reads of a fresh apply', () => {
  it('send the reads by name and the LISTs together: the first write waits one round trip, not two', async () => {
    // given a collection read by name (one object) and one listed (five objects)
    const memory = new MemoryKubeClient();
    const info = { plural: 'configmaps', namespaced: true };
    const cm = (namespace: string, name: string): Located => ({
      ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name },
      info,
    });
    const targets = [cm('one', 'a'), ...['a', 'b', 'c', 'd', 'e'].map((name) => cm('many', name))];
    // Every answer waits until the client has seen both kinds of read, or 200 ms went by.
    const sent: string[] = [];
    let bothSent!: () => void;
    const both = new Promise<void>((resolve) => (bothSent = resolve));
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      async request(req) {
        sent.push(req.path.endsWith('/configmaps') ? 'list' : 'by name');
        if (sent.includes('list') && sent.includes('by name')) bothSent();
        await Promise.race([both, new Promise((resolve) => setTimeout(resolve, 200))]);
        sent.push('answered');
        return memory.request(req);
      },
    };
    const read = await fetchLiveEach(client, targets, 8);
    expect(read.failed.size).toBe(0);
    // then the two requests, one of each, were both sent before either was answered
    expect(new Set(sent.slice(0, 2))).toEqual(new Set(['list', 'by name']));
    expect(sent.slice(2)).toEqual(['answered', 'answered']);
  });
});

describe('a Namespace read as absent', () => {
  it('is not read into: its objects are created unread, while those of an existing one are still read and judged', async () => {
    // given a tree declaring a new Namespace and an existing one (someone else's ConfigMap in it),
    // with five ConfigMaps in each: enough for their collections to be listed
    const memory = new MemoryKubeClient();
    for (const path of ['/api/v1/namespaces/old', '/api/v1/namespaces/old/configmaps/cm-0']) {
      const [, , , , namespace, , name] = path.split('/');
      const object = name
        ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { by: 'kubectl' } }
        : { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
      await memory.request({
        method: 'PATCH',
        path,
        body: JSON.stringify(object),
        query: { fieldManager: 'kubectl' },
      });
    }
    const { client, reads } = recordingReads(memory);
    const configMaps = (namespace: string): Manifest[] =>
      [0, 1, 2, 3, 4].map((i) => ({
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: {} },
        file: `k8s-resources/${namespace}.yaml`,
        documentIndex: i + 1,
      }));
    const tree: Manifest[] = ['new', 'old'].flatMap((name) => [
      {
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        file: `k8s-resources/${name}.yaml`,
        documentIndex: 0,
      },
      ...configMaps(name),
    ]);
    const applier = createKubeApplier(identity, { ...target, adopt: ['Namespace/old'] }, silentLog(), {
      client,
    });
    const result = await applier.apply(tree);
    // then nothing inside the new Namespace was read, and all five of its ConfigMaps were created;
    // the existing one's collection was read, and the unowned ConfigMap there was refused
    expect(reads.filter((r) => r.startsWith('/api/v1/namespaces/new/'))).toEqual([]);
    expect(reads).toContain('/api/v1/namespaces/old/configmaps');
    const actions = new Map(result.changes.map((c) => [c.subject, c.action]));
    for (let i = 0; i < 5; i++) expect(actions.get(`ConfigMap/new/cm-${i}`)).toBe('created');
    expect(actions.get('ConfigMap/old/cm-0')).toBe('skipped');
    expect(result.failure?.code).toBe('kube.unowned');
  });
});

describe("the environment's own namespace, declared by its tree", () => {
  const tree = (namespace: string): Manifest[] => [
    {
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      file: 'k8s-resources/ns.yaml',
      documentIndex: 0,
    },
    ...[0, 1, 2].map((i) => ({
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: {} },
      file: 'k8s-resources/ns.yaml',
      documentIndex: i + 1,
    })),
  ];

  it('is read once, beside the other reads, and nothing inside it is read when it is absent', async () => {
    // given a fresh environment whose tree makes its default namespace (`apps`)
    const memory = new MemoryKubeClient();
    const { client, reads } = recordingReads(memory);
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    // when it is applied
    const result = await applier.apply(tree(target.namespace));
    // then the namespace was read by name once, and no collection in it was listed (its inventory
    // is read by name, as always); everything was created
    expect(result.failure).toBeUndefined();
    expect(reads.filter((r) => r === `/api/v1/namespaces/${target.namespace}`)).toHaveLength(1);
    const inside = reads.filter((r) => r.startsWith(`/api/v1/namespaces/${target.namespace}/`));
    expect(inside.every((r) => r.includes('/configmaps/cairn-inventory-'))).toBe(true);
    expect(result.changes.map((c) => c.action)).toEqual(['created', 'created', 'created', 'created']);
  });

  it('is read by the apply as before when that read fails: a failed read of it grants and refuses nothing', async () => {
    // given the same tree, and a server that refuses the first read of that namespace
    const memory = new MemoryKubeClient();
    let namespaceReads = 0;
    const reads: string[] = [];
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      async request(req) {
        if (req.method === 'GET') reads.push(req.path);
        if (
          req.method === 'GET' &&
          req.path === `/api/v1/namespaces/${target.namespace}` &&
          namespaceReads++ === 0
        )
          return { status: 500, body: { message: 'etcdserver: request timed out' } };
        return memory.request(req);
      },
    };
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    // when it is applied
    const result = await applier.apply(tree(target.namespace));
    // then the apply went on: the namespace was read again, and what the tree puts in it too
    expect(result.failure).toBeUndefined();
    expect(namespaceReads).toBe(2);
    expect(reads).toContain(`/api/v1/namespaces/${target.namespace}/configmaps/cm-0`);
    expect(result.changes.map((c) => c.action)).toEqual(['created', 'created', 'created', 'created']);
  });
});

describe("the pre-identity inventory's read", () => {
  const tree: Manifest[] = [
    {
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'apps' }, data: {} },
      file: 'k8s-resources/cm.yaml',
      documentIndex: 0,
    },
  ];
  /** A client whose reads of this identity's inventory are answered after a pause, logging the order. */
  function slowOwnInventory(memory: MemoryKubeClient) {
    const events: string[] = [];
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      async request(req) {
        if (req.method === 'GET' && req.path.endsWith('/configmaps/cairn-inventory-dev'))
          events.push('legacy asked');
        if (req.method === 'GET' && /\/configmaps\/cairn-inventory-dev-[0-9a-f]+$/.test(req.path)) {
          events.push('own asked');
          await new Promise((resolve) => setTimeout(resolve, 30));
          events.push('own answered');
        }
        return memory.request(req);
      },
    };
    return { client, events };
  }

  it('is sent beside the read of its own, not after that read comes back empty', async () => {
    // given a fresh environment (no inventory of either name)
    const { client, events } = slowOwnInventory(new MemoryKubeClient());
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    // when it is applied
    const result = await applier.apply(tree);
    // then the old name was asked for before the own record's (empty) answer came
    expect(result.failure).toBeUndefined();
    expect(events.indexOf('legacy asked')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('legacy asked')).toBeLessThan(events.indexOf('own answered'));
  });

  it("is not sent by a drift check, to which any record but this identity's own is drift", async () => {
    // given an environment applied once
    const memory = new MemoryKubeClient();
    await createKubeApplier(identity, target, silentLog(), { client: memory }).apply(tree);
    const { client, events } = slowOwnInventory(memory);
    // when its drift is checked
    const drifted = await createKubeApplier(identity, target, silentLog(), { client }).drifted();
    // then nothing drifted, and only its own record was read
    expect(drifted).toEqual([]);
    expect(events).toEqual(['own asked', 'own answered']);
  });
});
