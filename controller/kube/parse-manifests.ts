import type * as JsYaml from 'js-yaml';
import { jsYaml } from '../model/js-yaml';
import { CairnError, yamlReason } from '../model/errors';
import type { KubeObject } from './types';

/** One object read from a file, before discovery has said whether it is namespaced. */
export interface ParsedObject {
  readonly object: KubeObject;
  readonly file: string;
  readonly documentIndex: number;
  /** 1-based line where its document starts, for messages. */
  readonly line: number;
}

// YAML 1.2 core types (no timestamps: a date stays a string, as the API server reads it) plus `<<`.
const { merge } = (jsYaml as unknown as { types: { merge: JsYaml.Type } }).types;
const SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [merge] });
// An alias-expanded document may weigh this much per byte of its text before it is refused (a
// "billion laughs" document is tiny and expands without bound). A node weighs 1, plus the length of
// a string or key: 400 aliases of a 1 MiB string are few nodes but serialize to 420 MB.
const EXPANSION_PER_BYTE = 4;
const START = /^(?:---|\.\.\.)(?=\s|$)/;
const BOM = '\uFEFF';

/** Parses one multi-document YAML or JSON file into objects; empty documents are skipped, `List`s unpacked. */
export function parseManifestFile(text: string, file: string): readonly ParsedObject[] {
  const out: ParsedObject[] = [];
  for (const objects of manifestDocuments(text, file)) out.push(...objects);
  return out;
}

/**
 * The objects of a file, one document at a time, so a caller can let the event loop run between
 * documents. Parsing is js-yaml's, linear in the text (the yaml library's duplicate-key check was
 * quadratic: a 4 MB file took 12 s); a repeated key is still an error naming its line.
 */
export function* manifestDocuments(text: string, file: string): Generator<readonly ParsedObject[]> {
  let documentIndex = 0;
  for (const chunk of documentChunks(withoutDocumentBoms(text, file))) {
    const values: unknown[] = [];
    try {
      jsYaml.loadAll(chunk.text, (v) => values.push(v), { schema: SCHEMA, filename: file });
    } catch (error) {
      if (!(error instanceof jsYaml.YAMLException)) throw error;
      throw invalid(file, chunk.line + error.mark.line + 1, error.mark.column + 1, reasonOf(error.reason));
    }
    for (const value of values) {
      const index = documentIndex++;
      if (value === null || value === undefined) continue;
      const line = chunk.line + firstContentLine(chunk.text);
      if (expandsPastText(value, chunk.text)) {
        throw invalid(file, line, 1, 'the document expands past its size through aliases');
      }
      yield unpack(value, file, line).map((object) => ({ object, file, documentIndex: index, line }));
    }
  }
}

/**
 * Splits a file at its document markers (`---` or `...` at the start of a line, which YAML forbids
 * inside any scalar), keeping each piece's first line number (0-based) for messages.
 */
export function documentChunks(text: string): readonly { readonly text: string; readonly line: number }[] {
  const lines = text.split('\n');
  const chunks: { text: string; line: number }[] = [];
  let from = 0;
  for (let i = 1; i <= lines.length; i++) {
    if (i < lines.length && !START.test(lines[i]!)) continue;
    const piece = lines.slice(from, i);
    // Directives (`%YAML`) belong to the document their `---` opens: keep them with it.
    if (i < lines.length && piece.every((l) => l.startsWith('%') || /^\s*(#.*)?$/.test(l))) continue;
    chunks.push({ text: piece.join('\n'), line: from });
    from = i;
  }
  return chunks;
}

/**
 * The text with each byte order mark dropped that starts a later document: a tool that joins files
 * (`cat`, a generator writing `---` between them) carries each file's BOM onto the line after the
 * `---`, where js-yaml would keep it in the first key (`\uFEFFapiVersion`: "has no apiVersion").
 * kubectl drops it there (apimachinery's YAMLReader splits at `---` lines and decodes each
 * document as a stream of its own, whose leading BOM goes), and so does kustomize's reader. A BOM
 * in front of a `---` line of its own, which both refuse with a bare YAML error, is refused naming
 * its line. The file's own leading BOM goes too (before a `---`, it hid the marker from the split);
 * one inside a line is a character.
 */
function withoutDocumentBoms(text: string, file: string): string {
  if (!text.includes(BOM)) return text;
  const lines = text.split('\n');
  if (lines[0]!.startsWith(BOM)) lines[0] = lines[0]!.slice(1);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith(BOM)) continue;
    if (START.test(lines[i - 1]!)) lines[i] = line.slice(1);
    else if (START.test(line.slice(1)))
      throw new CairnError(
        `invalid YAML at line ${i + 1}, column 1: a byte order mark (U+FEFF, invisible in most editors) stands before the document marker ${line.slice(1, 4)}; one may start the file or a document, not a line before its marker (kubectl and kustomize refuse it too)`,
        {
          code: 'kube.yaml',
          phase: 'plan',
          subject: file,
          hint: 'remove the byte order mark from that line; files joined by a tool: strip each BOM before joining, or put the --- line before the BOM',
        },
      );
  }
  return lines.join('\n');
}

function firstContentLine(text: string): number {
  const lines = text.split('\n', 64);
  const i = lines.findIndex((l) => !START.test(l) && !l.startsWith('%') && !/^\s*(#.*)?$/.test(l));
  return (i < 0 ? 0 : i) + 1;
}

/**
 * Whether `value`, parsed from `text`, weighs more than EXPANSION_PER_BYTE per byte of it once its
 * aliases are expanded (a "billion laughs" document): every YAML text cairn parses out of a
 * repository goes through it (a manifest document, an Argo podSpecPatch). Only an alias (`*name`)
 * makes a value weigh more than its text: without a `*` in the text there is none, and the walk (a
 * visible share of a thousand documents' parse) is skipped.
 */
export function expandsPastText(value: unknown, text: string): boolean {
  return text.includes('*') && expandsBeyond(value, EXPANSION_PER_BYTE * text.length + 1000);
}

/**
 * True when walking the value, aliases expanded, weighs more than `limit`: one per node, plus the
 * length of every string and key met (as serializing it would write them); stops early.
 */
function expandsBeyond(value: unknown, limit: number): boolean {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (++count > limit) return true;
    const node = stack.pop();
    if (typeof node === 'string') count += node.length;
    else if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        count += key.length;
        stack.push(child);
      }
    }
  }
  return false;
}

/** The parser's reason, without the text it read (`yamlReason`). */
function reasonOf(reason: string): string {
  // Keep the message of the yaml library the docs and tests quote for a repeated key.
  return reason.startsWith('duplicated mapping key') ? 'Map keys must be unique' : yamlReason(reason);
}

function invalid(file: string, line: number, col: number, message: string): CairnError {
  return new CairnError(`invalid YAML at line ${line}, column ${col}: ${message}`, {
    code: 'kube.yaml',
    phase: 'plan',
    subject: file,
    hint: 'fix the YAML syntax in that file',
  });
}

function unpack(value: unknown, file: string, line: number): readonly KubeObject[] {
  const object = validate(value, file, line);
  if (object.kind === 'Kustomization' && object.apiVersion.startsWith('kustomize.config.k8s.io/')) {
    throw unsupported(file, 'a Kustomization');
  }
  // `kind: List` (and `ConfigMapList` etc. from `kubectl get -o yaml`) carry their objects in `items`.
  if (object.kind.endsWith('List') && Array.isArray(object.items)) {
    return (object.items as unknown[]).map((item) => validate(item, file, line));
  }
  return [object];
}

/**
 * A document SOPS encrypted: its values are ciphertext (`ENC[AES256_GCM,…]`) and its top-level `sops`
 * holds the keys' metadata and a MAC. Applied, it is refused by the server for the `sops` field (or,
 * through a CRD that keeps unknown fields, stored with ciphertext for values).
 */
function encryptedBySops(v: Record<string, unknown>): boolean {
  const sops = v.sops;
  return typeof sops === 'object' && sops !== null && 'mac' in sops && 'lastmodified' in sops;
}

function validate(value: unknown, file: string, line: number): KubeObject {
  const fail = (what: string): CairnError =>
    new CairnError(`the document at line ${line}, column 1 ${what}`, {
      code: 'kube.manifest-invalid',
      phase: 'plan',
      subject: file,
      hint: 'every object needs apiVersion, kind and metadata.name',
    });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('is not a mapping');
  const v = value as Record<string, unknown>;
  if (encryptedBySops(v))
    throw new CairnError(
      `the document at line ${line}, column 1 is encrypted with SOPS: cairn applies manifests as committed and decrypts nothing`,
      {
        code: 'kube.manifest-encrypted',
        phase: 'plan',
        subject: file,
        hint: 'keep secret values out of Git in clear, and out of k8s-resources/ encrypted: an operator such as External Secrets or Sealed Secrets turns a committed reference into the Secret',
      },
    );
  // A key written after a BOM inside a document stays `\uFEFFkind`, as kubectl reads it: say so.
  const missing = (field: string): CairnError =>
    fail(
      `${BOM}${field}` in v
        ? `has no ${field}: its key starts with a byte order mark (U+FEFF, invisible in most editors)`
        : `has no ${field}`,
    );
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') throw missing('apiVersion');
  if (typeof v.kind !== 'string' || v.kind === '') throw missing('kind');
  if (v.kind.endsWith('List') && Array.isArray(v.items)) return v as unknown as KubeObject;
  const meta = v.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== 'object' || meta === null || typeof meta.name !== 'string' || meta.name === '') {
    throw fail(`(${v.kind}) has no metadata.name`);
  }
  if (meta.namespace !== undefined && typeof meta.namespace !== 'string')
    throw fail('has a metadata.namespace that is not a string');
  return v as unknown as KubeObject;
}

/** The error for a folder cairn cannot apply as plain objects yet (kustomize, Helm). */
export function unsupported(file: string, what: string): CairnError {
  return new CairnError(`${what} is not supported yet; cairn applies plain manifests only`, {
    code: 'kube.unsupported',
    phase: 'plan',
    subject: file,
    hint: 'render it to plain YAML (kustomize build, helm template) and commit the output instead',
  });
}
