import { LineCounter, parseAllDocuments } from 'yaml';
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
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: true });
  const out: ParsedObject[] = [];
  // `parseAllDocuments` returns an EmptyStream (no documents) for an empty file.
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, documentIndex) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new CairnError(
        `invalid YAML at line ${pos?.line ?? '?'}, column ${pos?.col ?? '?'}: ${firstLine(err.message)}`,
        {
          code: 'kube.yaml',
          phase: 'plan',
          subject: file,
          hint: 'fix the YAML syntax in that file',
        },
      );
    }
    if (doc.contents === null) return;
    const line = lineCounter.linePos(doc.contents.range[0]).line;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    for (const object of unpack(value, file, line)) out.push({ object, file, documentIndex, line });
  });
  return out;
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
