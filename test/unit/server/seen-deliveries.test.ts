import { SeenDeliveries } from '../../../controller/server/seen-deliveries';

describe('SeenDeliveries', () => {
  it('reports the first sighting of an id once', () => {
    const seen = new SeenDeliveries(4);
    expect([seen.firstSighting('a'), seen.firstSighting('a'), seen.firstSighting('b')]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('forgets the least recently seen id when full, and keeps one seen again', () => {
    // Given a capacity of 2 with a then b, and a seen again (so b is now the oldest)
    const seen = new SeenDeliveries(2);
    seen.firstSighting('a');
    seen.firstSighting('b');
    seen.firstSighting('a');
    // When c arrives, b is forgotten
    seen.firstSighting('c');
    // Then a is still known and b is new again
    expect(seen.firstSighting('a')).toBe(false);
    expect(seen.firstSighting('b')).toBe(true);
    expect(seen.size).toBe(2);
  });

  it('stays bounded under a flood of distinct ids', () => {
    const seen = new SeenDeliveries(100);
    for (let i = 0; i < 1000; i++) seen.firstSighting(`id-${i}`);
    expect(seen.size).toBe(100);
  });

  it('treats a forgotten id as new again', () => {
    const seen = new SeenDeliveries(4);
    seen.firstSighting('a');
    seen.forget('a');
    expect(seen.firstSighting('a')).toBe(true);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %p', (capacity) => {
    expect(() => new SeenDeliveries(capacity)).toThrow(RangeError);
  });
});
