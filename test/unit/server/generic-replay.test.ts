import { createHmac } from 'node:crypto';
import { generic, genericSignature, REPLAY_WINDOW_MS } from '../../../controller/server/webhooks/generic';
import { SeenDeliveries } from '../../../controller/server/seen-deliveries';
import { genericHeaders } from '../../helpers/webhook-deliveries';

const SECRET = 'a generic webhook secret';
const BODY = JSON.stringify({ ref: 'refs/heads/dev' });
const NOW = Date.UTC(2026, 11, 4, 18, 0, 0);
const T = NOW / 1000;

const verify = (headers: Record<string, string>, body = BODY, now = NOW) =>
  generic(headers, Buffer.from(body), SECRET, now);

describe('the generic scheme signs timestamp, delivery id and body', () => {
  it('documents its signature: HMAC-SHA256 of "<t>.<id>.<body>"', () => {
    // Given the format the README gives, computed by hand
    const expected = createHmac('sha256', SECRET).update(`${T}.d-1.${BODY}`).digest('hex');
    // Then the scheme's signature and the helper's header agree with it
    expect(genericSignature(SECRET, String(T), 'd-1', Buffer.from(BODY))).toBe(expected);
    expect(genericHeaders(BODY, SECRET, 'd-1', T)['x-cairn-signature']).toBe(`t=${T},v1=${expected}`);
    expect(verify(genericHeaders(BODY, SECRET, 'd-1', T))).toEqual({
      kind: 'push',
      branch: 'dev',
      delivery: 'd-1',
    });
  });

  it.each<[string, (h: Record<string, string>) => Record<string, string>, RegExp]>([
    ['another delivery id, not signed again', (h) => ({ ...h, 'x-cairn-delivery': 'd-2' }), /does not match/],
    [
      'another timestamp, not signed again',
      (h) => ({ ...h, 'x-cairn-signature': h['x-cairn-signature']!.replace(`t=${T}`, `t=${T + 1}`) }),
      /does not match/,
    ],
    ['no delivery id', ({ 'x-cairn-delivery': _d, ...h }) => h, /X-Cairn-Delivery is missing/],
    [
      'a delivery id with a dot',
      (h) => ({ ...h, 'x-cairn-delivery': 'd.1' }),
      /X-Cairn-Delivery is missing or not/,
    ],
    [
      'the old sha256= form',
      () => ({
        'x-cairn-signature': `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
        'x-cairn-delivery': 'd-1',
      }),
      /is not "t=/,
    ],
  ])('refuses %s', (_case, change, reason) => {
    const verdict = verify(change(genericHeaders(BODY, SECRET, 'd-1', T)));
    expect(verdict).toEqual({ kind: 'unauthorized', reason: expect.stringMatching(reason) });
  });

  it.each([
    ['6 minutes old', T - 360],
    ['6 minutes ahead', T + 360],
  ])('refuses a correctly signed timestamp %s', (_case, t) => {
    expect(verify(genericHeaders(BODY, SECRET, 'd-1', t))).toEqual({
      kind: 'unauthorized',
      reason: expect.stringContaining('more than 5 minutes'),
    });
  });

  it('accepts a timestamp just inside the window, and any one of several v1 values', () => {
    const h = genericHeaders(BODY, SECRET, 'd-1', T - REPLAY_WINDOW_MS / 1000 + 1);
    const rotated = { ...h, 'x-cairn-signature': `${h['x-cairn-signature']!},v1=${'0'.repeat(64)}` };
    expect(verify(rotated).kind).toBe('push');
  });
});

describe('SeenDeliveries with a window', () => {
  it('drops a repeat inside the window and lets it through after it', () => {
    const seen = new SeenDeliveries(10, 1000);
    expect(seen.firstSighting('body', 0)).toBe(true);
    expect(seen.firstSighting('body', 999)).toBe(false);
    expect(seen.firstSighting('body', 2000)).toBe(true);
    expect(seen.size).toBe(1);
  });

  it('without a window remembers until pushed out by capacity', () => {
    const seen = new SeenDeliveries(2);
    seen.firstSighting('a', 0);
    expect(seen.firstSighting('a', 10 ** 12)).toBe(false);
  });
});
