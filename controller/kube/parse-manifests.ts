import { Composer, isMap, isScalar, isSeq, LineCounter, Parser, type Document, type Node } from 'yaml';
import { CairnError } from '../errors';
import type { KubeObject } from './types';

/** One object read from a file, before discovery has said whether it is namespaced. */
export interface ParsedObject {
  readonly object: KubeObject;
  readonly file: string;
  readonly documentIndex: number;
  /** 1-based line where its document starts, for messages. */
  readonly line: number;
}

/** Parses one multi-document YAML or JSON file into objects; empty documents are skipped, `List`s unpacked. */
export function parseManifestFile(text: string, file: string): readonly ParsedObject[] {
  const out: ParsedObject[] = [];
  for (const objects of manifestDocuments(text, file)) out.push(...objects);
  return out;
}

/**
 * The objects of a file, one document at a time, so a caller can let the event loop run between
 * documents. The yaml library's own duplicate-key check is quadratic in the keys of a mapping (a
 * 4 MB file took 12 s), so it is off and `duplicateKey` does the same check in linear time.
 */
export function* manifestDocuments(text: string, file: string): Generator<readonly ParsedObject[]> {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ merge: true, uniqueKeys: false });
  const at = (offset: number) => lineCounter.linePos(offset);
  let documentIndex = 0;
  for (const doc of composer.compose(parser.parse(text), true, text.length)) {
    const index = documentIndex++;
    const err = doc.errors[0];
    if (err) {
      const pos = at(err.pos[0]);
      throw invalid(file, pos.line, pos.col, firstLine(err.message));
    }
    if (doc.contents === null) continue;
    const dup = duplicateKey(doc);
    if (dup) {
      const pos = at(dup.offset);
      throw invalid(file, pos.line, pos.col, `Map keys must be unique; "${dup.key}" is repeated`);
    }
    const line = at(doc.contents.range[0]).line;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    yield unpack(value, file, line).map((object) => ({ object, file, documentIndex: index, line }));
  }
}

/** The first key repeated within one mapping of a document, with its offset; one pass over the nodes. */
export function duplicateKey(
  doc: Document.Parsed,
): { readonly key: string; readonly offset: number } | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : key === null ? '' : String(key);
        if (name !== '<<') {
          if (seen.has(name)) return { key: name, offset: key?.range?.[0] ?? 0 };
          seen.add(name);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return undefined;
}

function invalid(file: string, line: number | string, col: number | string, message: string): CairnError {
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
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') throw fail('has no apiVersion');
  if (typeof v.kind !== 'string' || v.kind === '') throw fail('has no kind');
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

function firstLine(message: string): string {
  // The library appends its own position; ours leads the message already.
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
