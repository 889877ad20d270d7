/**
 * The spellings a secret takes on its way into text: raw, JSON-escaped, URL-encoded (upper- and
 * lower-case hex, and form encoding's `+` for a space), and base64 (standard and URL-safe, with and
 * without padding). Base64 of a longer byte string that holds the secret (a Basic auth header, a
 * kubeconfig, a docker config) does not contain the secret's own base64, so for each of the three
 * alignments (the secret starting at a byte offset ≡ 0, 1 or 2 mod 3) the run of characters that
 * depend on the secret's bytes alone is a form too; the one or two characters at each end that mix
 * in the neighbouring bytes stay visible (they carry at most 4 bits of the secret each).
 */
export function encodedForms(secret: string): readonly string[] {
  const forms = new Set<string>([secret]);
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json);
  const url = encodeURIComponent(secret);
  forms.add(url);
  forms.add(url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(url.replace(/%20/g, '+'));
  // application/x-www-form-urlencoded as URLSearchParams writes it (it also escapes `~`, `!`, `'`, `(`, `)`, `*`).
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  const bytes = Buffer.from(secret, 'utf8');
  for (const b64 of [bytes.toString('base64'), bytes.toString('base64url')]) {
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
  }
  for (let offset = 0; offset < 3; offset++) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // Character i holds bits [6i, 6i + 6); the secret holds bits [8·offset, 8·(offset + n)).
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const inner = shifted.slice(start, end);
    // A short run would match ordinary base64 by chance.
    if (inner.length >= 8) {
      forms.add(inner);
      forms.add(inner.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].filter((f) => f.length > 0);
}
