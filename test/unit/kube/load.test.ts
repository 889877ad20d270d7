import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifestFile } from '../../../controller/kube/parse-manifests';
import { readManifests } from '../../../controller/kube/read-manifests';
import { resolveScope } from '../../../controller/kube/resolve-scope';
import { boundsOf, checkTree } from '../../../controller/kube/bounds';
import type { KubernetesTargetConfig } from '../../../controller/config/types';

const scope = async (_v: string, kind: string) =>
  kind === 'Unknown' ? undefined : !['Namespace', 'ClusterRole'].includes(kind);

describe('parsing manifests', () => {
  it('skips empty documents and unpacks Lists', () => {
    const text =
      '---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n';
    expect(
      parseManifestFile(text, 'f.yaml').map((p) => [p.object.metadata.name, p.documentIndex, p.line]),
    ).toEqual([
      ['a', 1, 3],
      ['b', 2, 7],
    ]);
  });
  it.each([
    ['bad YAML', 'a: 1\nb: [\n', /^f\.yaml: invalid YAML at line 3, column 1/],
    [
      'a duplicate key',
      'apiVersion: v1\nkind: A\nkind: B\n',
      /^f\.yaml: invalid YAML at line 3, column 1: Map keys must be unique/,
    ],
    [
      'no apiVersion',
      'kind: ConfigMap\nmetadata: {name: a}\n',
      /^f\.yaml: the document at line 1, column 1 has no apiVersion/,
    ],
    ['no name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', /has no metadata\.name/],
    [
      'a document SOPS encrypted',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: ENC[AES256_GCM,data:Tr7o,iv:AQ==,tag:Ag==,type:str]\n' +
        'sops:\n  kms: []\n  lastmodified: "2026-01-01T00:00:00Z"\n  mac: ENC[AES256_GCM,data:q1,iv:AQ==,tag:Ag==,type:str]\n  version: 3.9.0\n',
      /^f\.yaml: the document at line 1, column 1 is encrypted with SOPS: cairn applies manifests as committed and decrypts nothing/,
    ],
    [
      'a kustomization object',
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: k}\n',
      /a Kustomization is not supported yet/,
    ],
  ])('names file, line and column for %s', (_name, text, message) => {
    expect(() => parseManifestFile(text, 'f.yaml')).toThrow(message);
  });
});

describe('a YAML error in a Secret value', () => {
  const secret = (value: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData:\n  password: ${value}\n`;
  it.each([
    ['starts with * (an alias)', '*Pa55-word-9x', 'unidentified alias'],
    ['starts with ! (a tag)', '!Pa55-word-9x', 'a tag that cannot be read'],
    ['starts with !! (a tag of the default handle)', '!!Pa55-word-9x', 'a tag that cannot be read'],
    ['starts with !x! (an undeclared tag handle)', '!x!Pa55-word-9x', 'a tag that cannot be read'],
  ])('when the value %s, names line and column but never quotes the value', (_name, value, reason) => {
    // given a Secret whose plain value the parser reads as an alias or a tag (an AWS output bound there)
    // when it is parsed
    const error = (() => {
      try {
        parseManifestFile(secret(value), 'f.yaml');
      } catch (e) {
        return e as Error;
      }
      throw new Error('parsed');
    })();
    // then the message says what and where, and holds no part of the value
    expect(error.message).toMatch(/^f\.yaml: invalid YAML at line \d+, column \d+: /);
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('Pa55-word-9x');
  });
});

describe('parsing manifests the way the API server reads them', () => {
  const one = (text: string) =>
    parseManifestFile(text, 'f.yaml')[0]!.object as unknown as Record<string, unknown>;
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
  it.each([
    [
      'a date stays a string',
      `${head}data: {when: 2031-01-01, flag: yes, n: "1"}\n`,
      { when: '2031-01-01', flag: 'yes', n: '1' },
    ],
    ['merge keys are resolved', `${head}base: &b {x: "1"}\ndata: {<<: *b, y: "2"}\n`, { x: '1', y: '2' }],
  ])('%s', (_name, text, data) => {
    expect(one(text).data).toEqual(data);
  });

  it('names the line of a key repeated in a later document', () => {
    const text = `${head}---\n${head}data: {}\ndata: {}\n`;
    expect(() => parseManifestFile(text, 'f.yaml')).toThrow(
      /^f\.yaml: invalid YAML at line 9, column 1: Map keys must be unique/,
    );
  });

  it('refuses a document that expands without bound through aliases', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 0; i < 8; i++)
      laughs.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    expect(() => parseManifestFile(`${head}${laughs.join('\n')}\n`, 'f.yaml')).toThrow(
      /expands past its size through aliases/,
    );
  });
});

describe('a byte order mark (U+FEFF) in a multi-document file, as kubectl reads it', () => {
  const BOM = '\uFEFF';
  const doc = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;
  const read = (text: string) =>
    parseManifestFile(text, 'f.yaml').map((p) => [p.object.metadata.name, p.line, Object.keys(p.object)[0]]);

  it.each([
    ['opens the file', `${BOM}${doc('a')}---\n${doc('b')}`],
    ['opens a later document, after its ---', `${doc('a')}---\n${BOM}${doc('b')}`],
    ['opens a later document that begins with a comment', `${doc('a')}---\n${BOM}# joined\n${doc('b')}`],
    ['opens a later document that begins with its own ---', `${doc('a')}---\n${BOM}---\n${doc('b')}`],
  ])('is dropped where it %s (files joined by a tool)', (_where, text) => {
    // then both objects are read with keys free of the BOM, each naming its own line
    const objects = read(text);
    expect(objects.map(([name, , key]) => [name, key])).toEqual([
      ['a', 'apiVersion'],
      ['b', 'apiVersion'],
    ]);
    expect(JSON.stringify(parseManifestFile(text, 'f.yaml'))).not.toContain(BOM);
  });

  it('is refused in front of a --- line, naming the file and line (kubectl and kustomize refuse it too)', () => {
    expect(() => parseManifestFile(`${doc('a')}${BOM}---\n${doc('b')}`, 'f.yaml')).toThrow(
      /^f\.yaml: invalid YAML at line 4, column 1: a byte order mark \(U\+FEFF, invisible in most editors\) stands before the document marker ---/,
    );
  });

  it('stays a character elsewhere, and a key it starts is named as such', () => {
    expect(read(`${doc('a')}data: {x: "${BOM}y"}\n`)).toHaveLength(1);
    expect(() =>
      parseManifestFile(`apiVersion: v1\n${BOM}kind: ConfigMap\nmetadata: {name: a}\n`, 'f.yaml'),
    ).toThrow(
      /^f\.yaml: the document at line 1, column 1 has no kind: its key starts with a byte order mark/,
    );
  });
});

describe('a document whose aliases repeat a long string', () => {
  // 1 MiB of text that, serialized for the digest or the apply body, is 420 MB (measured: +451 MB RSS)
  const big = 'x'.repeat(1024 * 1024);
  const repeats = (n: number) => Array.from({ length: n }, () => '*a').join(', ');
  const start = (pad: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    pad: &a "${pad}"\n`;
  it.each([
    ['in a list', `data:\n  list: [${repeats(400)}]\n`],
    ['as keys', `data:\n  maps: [${Array.from({ length: 400 }, () => '{? *a : "1"}').join(', ')}]\n`],
  ])('is refused when they repeat it %s', (_where, body) => {
    const text = `${start(big)}${body}`;
    expect(() => parseManifestFile(text, 'f.yaml')).toThrow(/expands past its size through aliases/);
  });

  it('is kept when it repeats a short one a few times', () => {
    const text = `${start('y'.repeat(1000))}data: {a: *a, b: *a, c: *a}\n`;
    expect(parseManifestFile(text, 'f.yaml')[0]?.object.data).toEqual({
      a: 'y'.repeat(1000),
      b: 'y'.repeat(1000),
      c: 'y'.repeat(1000),
    });
  });
});

describe('resolving scope', () => {
  const parsed = (kind: string, name: string, file: string, namespace?: string) => ({
    object: { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
    file,
    documentIndex: 0,
    line: 1,
  });
  it('fills the default namespace in namespaced objects only, and drops it from cluster-scoped ones', async () => {
    const out = await resolveScope(
      [
        parsed('ConfigMap', 'a', 'f'),
        parsed('Namespace', 'n', 'f', 'oops'),
        parsed('ConfigMap', 'b', 'f', 'other'),
      ],
      'apps',
      scope,
    );
    expect(out.map((m) => m.object.metadata.namespace)).toEqual(['apps', undefined, 'other']);
  });
  it('refuses an object defined in two files, naming both', async () => {
    await expect(
      resolveScope(
        [parsed('ConfigMap', 'a', 'one.yaml'), parsed('ConfigMap', 'a', 'two.yaml', 'apps')],
        'apps',
        scope,
      ),
    ).rejects.toThrow(
      /^ConfigMap\/apps\/a: defined twice: in one\.yaml \(line 1\) and in two\.yaml \(line 1\)/,
    );
  });
  it('refuses an unknown kind naming the file', async () => {
    await expect(resolveScope([parsed('Unknown', 'a', 'x.yaml')], 'apps', scope)).rejects.toThrow(
      /^x\.yaml: the server serves no kind Unknown/,
    );
  });

  describe('with CustomResourceDefinitions in the tree', () => {
    const crd = (group: string, kind: string, scope: 'Namespaced' | 'Cluster') => ({
      object: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${kind.toLowerCase()}s.${group}` },
        spec: { group, scope, names: { kind, plural: `${kind.toLowerCase()}s` }, versions: [{ name: 'v1' }] },
      },
      file: 'crds.yaml',
      documentIndex: 0,
      line: 1,
    });
    const of = (apiVersion: string, kind: string, name: string) => ({
      object: { apiVersion, kind, metadata: { name } },
      file: 'objects.yaml',
      documentIndex: 0,
      line: 1,
    });
    const served: Record<string, boolean> = {
      'rbac.authorization.k8s.io/v1|ClusterRoleBinding': false,
      'apiextensions.k8s.io/v1|CustomResourceDefinition': false,
    };
    const asked: string[] = [];
    const serverScope = async (apiVersion: string, kind: string) => {
      asked.push(`${apiVersion}|${kind}`);
      return served[`${apiVersion}|${kind}`];
    };
    beforeEach(() => (asked.length = 0));

    it('cannot make a kind the server serves namespaced, so the bounds check still sees it cluster-wide', async () => {
      // a tree declaring CRDs that call ClusterRoleBinding (and CRDs themselves) namespaced
      const tree = [
        crd('apiextensions.k8s.io', 'CustomResourceDefinition', 'Namespaced'),
        crd('rbac.authorization.k8s.io', 'ClusterRoleBinding', 'Namespaced'),
        of('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'everyone-admin'),
      ];
      const out = await resolveScope(tree, 'team-a', serverScope);
      expect(out.map((m) => m.object.metadata.namespace)).toEqual([undefined, undefined, undefined]);
      const bounds = boundsOf(
        { namespace: 'team-a', clusterResources: ['Namespace'] } as unknown as KubernetesTargetConfig,
        { id: 'team-a-1', description: 'team a' },
      );
      expect(checkTree(bounds, out, 'plan')).toMatchObject({
        code: 'kube.out-of-bounds',
        message: expect.stringContaining('CustomResourceDefinition'),
      });
    });

    it('decides the scope of a kind the server does not serve yet, asking the server once per kind', async () => {
      const tree = [
        crd('example.com', 'Widget', 'Namespaced'),
        crd('example.com', 'Gadget', 'Cluster'),
        ...Array.from({ length: 50 }, (_, i) => of('example.com/v1', 'Widget', `w${i}`)),
        of('example.com/v1', 'Gadget', 'g'),
      ];
      const out = await resolveScope(tree, 'team-a', serverScope);
      expect(out.find((m) => m.object.kind === 'Widget')?.object.metadata.namespace).toBe('team-a');
      expect(out.find((m) => m.object.kind === 'Gadget')?.object.metadata.namespace).toBeUndefined();
      expect(asked.sort()).toEqual([
        'apiextensions.k8s.io/v1|CustomResourceDefinition',
        'example.com/v1|Gadget',
        'example.com/v1|Widget',
      ]);
    });
  });
});

describe('reading k8s-resources/', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-kube-unit-'));
    await mkdir(join(dir, 'k8s-resources', 'sub'), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads yaml, yml and json recursively in a stable order, ignoring other files', async () => {
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}}\n`;
    await writeFile(join(dir, 'k8s-resources', 'b.yml'), cm('b'));
    await writeFile(join(dir, 'k8s-resources', 'a.yaml'), cm('a'));
    await writeFile(
      join(dir, 'k8s-resources', 'sub', 'c.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
    );
    await writeFile(join(dir, 'k8s-resources', 'README.md'), '# not a manifest');
    // hidden files and folders are tools' own: SOPS's rules, a linter's config, CI workflows
    await writeFile(join(dir, 'k8s-resources', '.sops.yaml'), 'creation_rules: [{path_regex: .*}]\n');
    await writeFile(join(dir, 'k8s-resources', 'sub', '.yamllint.yml'), 'extends: default\n');
    await mkdir(join(dir, 'k8s-resources', '.github', 'workflows'), { recursive: true });
    await writeFile(join(dir, 'k8s-resources', '.github', 'workflows', 'ci.yaml'), 'on: push\n');
    await symlink('/etc', join(dir, 'k8s-resources', '.cache')); // neither followed nor refused
    expect((await readManifests(dir)).map((p) => `${p.file}:${p.object.metadata.name}`)).toEqual([
      'k8s-resources/a.yaml:a',
      'k8s-resources/b.yml:b',
      'k8s-resources/sub/c.json:c',
    ]);
  });
  it.each([
    ['kustomization.yaml', /k8s-resources\/sub\/kustomization\.yaml: a kustomization is not supported yet/],
    ['Chart.yaml', /k8s-resources\/sub\/Chart\.yaml: a Helm chart is not supported yet/],
  ])('says clearly that %s is not supported', async (name, message) => {
    await writeFile(join(dir, 'k8s-resources', 'sub', name), 'resources: []\n');
    await expect(readManifests(dir)).rejects.toThrow(message);
  });
  it('refuses a hidden file that holds an object, rather than skip it and prune what it made', async () => {
    await mkdir(join(dir, 'k8s-resources', '.archive'), { recursive: true });
    await writeFile(
      join(dir, 'k8s-resources', '.archive', 'old.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n',
    );
    await expect(readManifests(dir)).rejects.toThrow(
      /^k8s-resources\/\.archive\/old\.yaml: is hidden \(a name starting with "\."\), which cairn does not apply, but it holds an object/,
    );
  });
  it('refuses a symlink rather than follow it out of the checkout', async () => {
    await symlink('/etc/hostname', join(dir, 'k8s-resources', 'evil.yaml'));
    await expect(readManifests(dir)).rejects.toThrow(/evil\.yaml: is a symbolic link/);
  });
  it('yields nothing when the folder is missing', async () => {
    await rm(join(dir, 'k8s-resources'), { recursive: true });
    expect(await readManifests(dir)).toEqual([]);
  });
});
