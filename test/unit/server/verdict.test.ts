import { branchOfRef, payloadOf, safeEqual } from '../../../controller/server/webhooks/verdict';

describe('webhook helpers', () => {
  it.each([
    ['equal strings', 'sha256=abc', 'sha256=abc', true],
    ['a different last character', 'sha256=abc', 'sha256=abd', false],
    ['a prefix of the expected value', 'sha256=ab', 'sha256=abc', false],
    ['an empty string', '', 'secret', false],
    ['non-ASCII text', 'clé', 'clé', true],
  ])('safeEqual: %s → %s', (_name, given, expected, equal) => {
    expect(safeEqual(given, expected)).toBe(equal);
  });

  it.each([
    ['refs/heads/main', 'main'],
    ['refs/heads/feature/a-b', 'feature/a-b'],
    ['refs/heads/', undefined],
    ['refs/tags/v1', undefined],
    ['main', undefined],
    [42, undefined],
  ])('branchOfRef(%p) is %p', (ref, branch) => {
    expect(branchOfRef(ref)).toBe(branch);
  });

  it.each([
    ['a JSON object', 'application/json', '{"a":1}', { a: 1 }],
    ['JSON null', 'application/json', 'null', undefined],
    ['a JSON string', 'application/json', '"x"', undefined],
    [
      'a form with a payload field',
      'application/x-www-form-urlencoded',
      'payload=%7B%22a%22%3A2%7D',
      { a: 2 },
    ],
    ['a form without a payload field', 'application/x-www-form-urlencoded', 'other=1', undefined],
    ['no content type and a JSON body', undefined, '{"a":3}', { a: 3 }],
  ])('payloadOf reads %s', (_name, contentType, body, expected) => {
    const headers = contentType ? { 'content-type': contentType } : {};
    expect(payloadOf(headers, Buffer.from(body))).toEqual(expected);
  });
});
