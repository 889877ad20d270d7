import { grantedScopes, scopeFor, type ApiToken } from '../../../controller/server/api-auth';
import { BodyBudget, SMALL_BODY_BYTES } from '../../../controller/server/body-reader';

const tokens: ApiToken[] = [
  { source: 'env R', value: 'reader', scopes: ['read'] },
  { source: 'file S', value: 'syncer', scopes: ['sync'] },
  { source: 'env B', value: 'both', scopes: ['read', 'sync'] },
];

describe('grantedScopes', () => {
  it.each([
    ['Bearer reader', ['read']],
    ['bearer syncer', ['sync']],
    ['Bearer both', ['read', 'sync']],
    ['Bearer  both  ', ['read', 'sync']],
    ['Bearer reade', undefined],
    ['Bearer readerx', undefined],
    ['reader', undefined],
    ['Basic cmVhZGVy', undefined],
    ['Bearer both extra', undefined],
    ['Bearer ', undefined],
    [undefined, undefined],
  ])('%s grants %j', (header, scopes) => {
    expect(grantedScopes(header, tokens)).toEqual(scopes);
  });

  it('grants nothing to an empty token even if one were configured empty', () => {
    expect(grantedScopes('Bearer ', [{ source: 'env E', value: '', scopes: ['read'] }])).toBeUndefined();
  });
});

describe('scopeFor', () => {
  it.each([
    ['GET', 'read'],
    ['HEAD', 'read'],
    ['POST', 'sync'],
    ['DELETE', 'sync'],
  ])('%s needs %s', (method, scope) => expect(scopeFor(method)).toBe(scope));
});

describe('BodyBudget', () => {
  it('takes what fits, refuses what does not (taking nothing), and gets it back', () => {
    // readBody charges only bodies past SMALL_BODY_BYTES, and only with the bytes received.
    const budget = new BodyBudget(3 * SMALL_BODY_BYTES);
    const large = 2 * SMALL_BODY_BYTES;
    expect(budget.take(large)).toBe(true);
    expect(budget.fits(SMALL_BODY_BYTES)).toBe(true);
    expect(budget.fits(large)).toBe(false);
    expect(budget.take(large)).toBe(false);
    expect(budget.held).toBe(large);
    budget.give(large);
    expect(budget.held).toBe(0);
    expect(budget.take(large)).toBe(true);
  });
});
