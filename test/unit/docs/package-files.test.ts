import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const { files } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };

/** Whether `npm pack` puts `path` (relative to the repository) in the package: its `files`, and the README. */
function shipped(path: string): boolean {
  const p = normalize(path).replace(/\/$/, '');
  return p === 'README.md' || p === 'package.json' || files.some((f) => p === f || p.startsWith(`${f}/`));
}

/** The relative links `[text](target)` of a Markdown file, as paths from the repository root, anchors dropped. */
function linkedFiles(doc: string): string[] {
  const text = readFileSync(join(root, doc), 'utf8');
  return [...text.matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^(https?:|mailto:)/.test(t))
    .map((t) => normalize(join(dirname(doc), t)));
}

/** The pages cairn's own messages send a user to (`see SECURITY.md`, `(docs/high-availability.md)`). */
function pagesNamedByMessages(): string[] {
  const pages = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts'))
        for (const m of readFileSync(join(root, path), 'utf8').matchAll(
          /\b(SECURITY\.md|docs\/[a-z-]+\.md)\b/g,
        ))
          pages.add(m[1]!);
    }
  };
  walk('controller');
  walk('cdk');
  return [...pages].sort();
}

/**
 * The installed package is read without the repository at hand: the README it ships, and the pages
 * its errors and warnings name, must be in it (`files` of package.json).
 */
describe('the npm package', () => {
  it.each([...new Set(linkedFiles('README.md'))].map((f) => [f]))(
    'ships %s, which the README links',
    (file) => {
      expect([file, shipped(file)]).toEqual([file, true]);
    },
  );

  it.each(pagesNamedByMessages().map((f) => [f]))("ships %s, which cairn's messages name", (file) => {
    expect([file, shipped(file)]).toEqual([file, true]);
  });

  it('ships every page a shipped page links', () => {
    const pages = ['README.md', 'SECURITY.md', 'CONTRIBUTING.md', 'examples/README.md'].concat(
      readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    );
    const broken = pages.filter(shipped).flatMap((doc) =>
      linkedFiles(doc)
        .filter((t) => t.endsWith('.md') && !shipped(t))
        .map((t) => `${doc} → ${t}`),
    );
    expect(broken).toEqual([]);
  });
});
