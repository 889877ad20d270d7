import { clientOf } from '../../../controller/server/connection-guard';

/** Who a peer counts as for the per-client connection cap (see guardConnections). */
describe('clientOf', () => {
  it('counts every address of one IPv6 /64 as one client, however it is written', () => {
    const one = [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:fffe',
      '2001:0db8:0001:0002:0000:0000:0000:0042',
      '2001:DB8:1:2::abcd',
      '2001:db8:1:2::1%eth0',
    ].map((a) => clientOf(a, false));
    expect(new Set(one)).toEqual(new Set(['2001:db8:1:2::/64']));
    // the next /64, and the zeros of a prefix, are another client
    expect(clientOf('2001:db8:1:3::1', false)).toBe('2001:db8:1:3::/64');
    expect(clientOf('2001:db8::1', false)).toBe('2001:db8:0:0::/64');
    expect(clientOf('::ffff:0:1', false)).toBe('0:0:0:0::/64');
  });

  it('keeps IPv4 per address, also as a dual-stack listener sees it', () => {
    expect(clientOf('203.0.113.7', false)).toBe('203.0.113.7');
    expect(clientOf('::ffff:203.0.113.7', false)).toBe('203.0.113.7');
    expect(clientOf('203.0.113.8', false)).not.toBe(clientOf('203.0.113.7', false));
  });

  it('counts loopback as one client only where repository code shares the network namespace', () => {
    expect(['127.0.0.2', '127.9.9.9', '::1', '::ffff:127.0.0.3'].map((a) => clientOf(a, true))).toEqual([
      'loopback',
      'loopback',
      'loopback',
      'loopback',
    ]);
    // without a sidecar, tests and workstations tell loopback addresses apart as before
    expect(clientOf('127.0.0.2', false)).toBe('127.0.0.2');
    expect(clientOf('::1', false)).toBe('::1');
  });
});
