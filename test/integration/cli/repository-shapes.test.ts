import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { selfCommand } from '../../../controller/cli/self-command';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { greetingManifest } from '../../helpers/manifests';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

const SOPS_SECRET = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shapes}
stringData:
  password: ENC[AES256_GCM,data:Tr7o1lk=,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
sops:
  kms: []
  age:
    - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
      enc: "-----BEGIN AGE ENCRYPTED FILE-----"
  lastmodified: "2026-11-30T10:00:00Z"
  mac: ENC[AES256_GCM,data:q1w2,iv:AAAAAAAAAAAAAAAAAAAAAA==,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.9.4
`;

// Files joined by a tool, each carrying its UTF-8 byte order mark: after the `---` (kubectl reads
// it) and, in the second, in front of the `---` (kubectl refuses it).
const BOM = '\uFEFF';
const settings = (name: string) =>
  stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'shapes' },
    data: { k: 'v' },
  });
const JOINED = `${BOM}${settings('one')}---\n${BOM}${settings('two')}`;
const JOINED_BEFORE_MARKER = `${settings('one')}${BOM}---\n${settings('two')}`;

const LFS_POINTER =
  'version https://git-lfs.github.com/spec/v1\n' +
  'oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';

/**
 * Repositories as teams have them, read by the real `cairn validate --env` from real Git: the
 * tool configs a Flux repository carries are not manifests; what cairn cannot read faithfully
 * (SOPS ciphertext, a submodule, an LFS pointer) fails naming the path, with exit code 1.
 */
describe('repository shapes (the real binary, real Git)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-shapes-'));
  const configFile = join(dir, 'cairn.yaml');
  let repo: TestRepo;

  beforeAll(() => {
    repo = createTestRepo('shapes', {
      dev: {
        'k8s-resources/greeting.yaml': greetingManifest('shapes', 'hi'),
        'k8s-resources/.sops.yaml': 'creation_rules:\n  - path_regex: .*\\.yaml\n    age: age1ql3z7hjy\n',
        'k8s-resources/.github/workflows/lint.yaml': 'on: push\njobs: {}\n',
        'k8s-resources/apps/.yamllint.yml': 'extends: default\n',
      },
    });
    writeFileSync(
      configFile,
      stringify({
        repository: { url: repo.bare },
        environments: ['dev', 'sops', 'sub', 'lfs', 'hidden', 'joined', 'bom'].map((name) => ({
          name,
          branch: name,
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace: 'shapes' },
        })),
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
      }),
    );
    repo.commit('sops', 'an encrypted secret', { 'k8s-resources/db.yaml': SOPS_SECRET }, 'dev');
    repo.commit('lfs', 'a lambda in LFS', { 'aws-resources/lambda/code.zip': LFS_POINTER }, 'dev');
    repo.commit(
      'hidden',
      'archive a manifest',
      { 'k8s-resources/.archive/old.yaml': greetingManifest('shapes', 'old') },
      'dev',
    );
    repo.commit('joined', 'files joined by a tool', { 'k8s-resources/joined.yaml': JOINED }, 'dev');
    repo.commit('bom', 'a BOM before ---', { 'k8s-resources/joined.yaml': JOINED_BEFORE_MARKER }, 'dev');
    repo.commitSubmodule('sub', 'k8s-resources/vendored', repo.sha('dev'), 'dev');
  });
  afterAll(() => {
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const validate = (env: string) => {
    const [node, ...rest] = selfCommand();
    const run = spawnSync(node!, [...rest, 'validate', '--config', configFile, '--env', env], {
      encoding: 'utf8',
    });
    return { code: run.status, out: run.stdout + run.stderr };
  };

  it('reads past the hidden files and folders of tools (.sops.yaml, .github/, .yamllint.yml)', () => {
    const { code, out } = validate('dev');
    expect(out).toContain('is valid: 2 Kubernetes objects'); // the Namespace and its ConfigMap
    expect(code).toBe(0);
  });

  it('reads a byte order mark at the start of a later document, as kubectl does', () => {
    const { code, out } = validate('joined');
    expect(out).toContain('is valid: 4 Kubernetes objects'); // the greeting's two, and one and two
    expect(code).toBe(0);
  });

  it.each([
    [
      'bom',
      /k8s-resources\/joined\.yaml: invalid YAML at line 8, column 1: a byte order mark \(U\+FEFF, invisible in most editors\) stands before the document marker ---/,
    ],
    ['sops', /k8s-resources\/db\.yaml: the document at line 1, column 1 is encrypted with SOPS/],
    ['sub', /k8s-resources\/vendored: is a Git submodule/],
    ['lfs', /aws-resources\/lambda\/code\.zip: is a Git LFS pointer/],
    [
      'hidden',
      /k8s-resources\/\.archive\/old\.yaml: is hidden .*, which cairn does not apply, but it holds an object/,
    ],
  ])('refuses the %s branch naming the path, exit code 1', (env, message) => {
    const { code, out } = validate(env);
    expect(out).toMatch(message);
    expect(code).toBe(1);
  });
});
