/**
 * Text with the credentials of every URL in it hidden (`https://***@host/...`): the whole user
 * information, up to the last `@` before the host, as URL parsers (WHATWG, curl) read it. Found by
 * the secret canary test: stopping at the first `@` printed the rest of a password holding an
 * unescaped `@` (`https://u:p@ss@host` showed `ss`) in every fetch failure of `repository.url`.
 */
export function redactUrl(text: string): string {
  return text.replace(/\/\/[^/\s]*@/g, '//***@');
}
