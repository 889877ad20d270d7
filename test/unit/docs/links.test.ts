import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
/** Every Markdown page a user reads: the front page, the policies and the reference in docs/. */
const DOCS = [
  'README.md',
  'SECURITY.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown file's headings give (outside fenced code). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (heading) out.add(slug(heading[1]!));
  }
  return out;
}

/** Every relative link `[text](target)` of a Markdown file (not http(s) or mailto). */
function links(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^(https?:|mailto:)/.test(t));
}

describe.each(DOCS)('the links of %s', (doc) => {
  const text = readFileSync(join(root, doc), 'utf8');
  it.each(links(text).map((l) => [l]))('%s resolves', (link) => {
    const [file, anchor] = link.split('#') as [string, string | undefined];
    // Relative to the page that holds the link, as GitHub resolves it.
    const target = file === '' ? doc : join(dirname(doc), file);
    expect([link, existsSync(join(root, target))]).toEqual([link, true]);
    if (anchor !== undefined && target.endsWith('.md')) {
      expect([link, anchors(readFileSync(join(root, target), 'utf8')).has(anchor)]).toEqual([link, true]);
    }
  });
});

it('the README links SECURITY.md and its threat model, which SECURITY.md holds', () => {
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('](SECURITY.md#threat-model)');
  expect(anchors(readFileSync(join(root, 'SECURITY.md'), 'utf8')).has('threat-model')).toBe(true);
});

it('the README stays a front page', () => {
  // The reference lives in docs/; a README that grows back into it is a defect of the front page.
  expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThan(300);
});
