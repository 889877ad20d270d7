import { traefikRuleHosts, type RuleHosts } from '../../../controller/kube/traefik-rule';

// Traefik rules are read only when the hosts they claim are certain; anything else is unreadable,
// never guessed in favour of allowing.

const hosts = (...h: string[]): RuleHosts => ({ kind: 'hosts', hosts: h });
const any: RuleHosts = { kind: 'any' };

describe('traefikRuleHosts', () => {
  it.each<[string, RuleHosts]>([
    ['Host(`a.example.com`)', hosts('a.example.com')],
    ['Host(`a.example.com`) && PathPrefix(`/x`)', hosts('a.example.com')],
    ['PathPrefix(`/x`) && (Host("a.example.com"))', hosts('a.example.com')],
    ['Host(`a.example.com`, `b.example.com`)', hosts('a.example.com', 'b.example.com')],
    ['host(`a.example.com`)', hosts('a.example.com')],
    ['HostHeader(`a.example.com`)', hosts('a.example.com')],
    ['Host(`a.example.com`) || Host(`b.example.com`)', hosts('a.example.com', 'b.example.com')],
    ['HostSNI(`a.example.com`)', hosts('a.example.com')],
    ['HostSNI(`*`)', any],
    ['PathPrefix(`/`)', any],
    ['Method(`GET`) || !Path(`/x`)', any],
    ['Host(`a.example.com`) && !ClientIP(`10.0.0.0/8`)', hosts('a.example.com')],
  ])('reads %s', (rule, expected) => {
    expect(traefikRuleHosts(rule)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['HostRegexp(`{sub:[a-z]+}.example.com`)', /HostRegexp is a regular expression/],
    ['Host(`a.example.com`) && HostSNIRegexp(`.*`)', /HostSNIRegexp is a regular expression/],
    ['Host(`a.example.com`) || PathPrefix(`/x`)', /a `\|\|` joins a host to a side that names none/],
    ['!Host(`a.example.com`)', /a `!` before a host matches every other host/],
    ['Host(`a.example.com`', /is not closed/],
    ['(Host(`a.example.com`)', /a `\(` is not closed/],
    ['Host(`a.example.com`) Host(`b.example.com`)', /does not parse/],
    ['Host("b.example.com\\x00")', /a string does not parse/],
    ['Hots(`a.example.com`)', /Hots is not a matcher cairn knows/],
    ['Host()', /Host names no host/],
    ['', /does not parse/],
  ])('refuses to guess %s', (rule, why) => {
    const read = traefikRuleHosts(rule);
    expect(read.kind).toBe('unreadable');
    expect((read as { why: string }).why).toMatch(why);
  });
});
