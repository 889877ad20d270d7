import { maskSecrets } from './secret-mask';

/**
 * Text from the repository or a child process made safe for a Markdown table cell or the inside of
 * inline code (plan comments, pull-request bodies): masked, on one line, with nothing that closes
 * the code span, opens HTML or breaks the table.
 */
export function markdownText(text: string): string {
  return maskSecrets(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * The same text as an inline code span, where nothing renders: outside one, a Git host's Markdown
 * turns `@team` into a mention that notifies people, `![x](url)` into an image fetched from
 * anywhere, and `[text](url)` into a link, in a comment or pull request cairn's token posts.
 */
export function markdownCode(text: string): string {
  return `\`${markdownText(text)}\``;
}
