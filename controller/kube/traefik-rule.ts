// The hosts a Traefik router rule (`spec.routes[].match` of an IngressRoute or IngressRouteTCP)
// matches, read conservatively: a rule is read only when which hosts it claims is certain. Traefik
// parses rules as Go expressions of matcher calls joined by `&&`, `||` and `!`, with parentheses;
// v2 also accepts each matcher's name in lower case.

/** What a rule claims: its hosts, every host (no host matcher), or something not read with certainty. */
export type RuleHosts =
  | { readonly kind: 'hosts'; readonly hosts: readonly string[] }
  | { readonly kind: 'any' }
  | { readonly kind: 'unreadable'; readonly why: string };

/** Matchers of the request's host (HTTP) or TLS server name (TCP), by their lower-case name. */
const HOST_MATCHERS = ['host', 'hostheader', 'hostsni'];
const REGEXP_HOST_MATCHERS = ['hostregexp', 'hostsniregexp'];
/** Matchers of anything but the host: they narrow a route, never widen its hosts. */
const OTHER_MATCHERS = [
  'path',
  'pathprefix',
  'pathregexp',
  'method',
  'header',
  'headers',
  'headerregexp',
  'headersregexp',
  'query',
  'queryregexp',
  'clientip',
  'alpn',
];

type Token = { readonly kind: 'name' | 'string' | 'op'; readonly text: string };
const ANY: RuleHosts = { kind: 'any' };
const unreadable = (why: string): RuleHosts => ({ kind: 'unreadable', why });

/** The hosts `rule` claims (see RuleHosts). `HostSNI(\`*\`)` claims every host. */
export function traefikRuleHosts(rule: string): RuleHosts {
  const tokens = tokenize(rule);
  if (typeof tokens === 'string') return unreadable(tokens);
  const parser = new RuleParser(tokens);
  const result = parser.or();
  if (result.kind !== 'unreadable' && !parser.done()) return unreadable('it does not parse');
  return result;
}

function tokenize(rule: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (/\s/.test(c)) i += 1;
    else if (rule.startsWith('&&', i) || rule.startsWith('||', i)) {
      tokens.push({ kind: 'op', text: rule.slice(i, i + 2) });
      i += 2;
    } else if ('!(),'.includes(c)) {
      tokens.push({ kind: 'op', text: c });
      i += 1;
    } else if (c === '`' || c === '"') {
      const end = rule.indexOf(c, i + 1);
      const text = end < 0 ? '' : rule.slice(i + 1, end);
      // A Go string literal with escapes could spell a host otherwise than it reads.
      if (end < 0 || (c === '"' && text.includes('\\'))) return 'a string does not parse';
      tokens.push({ kind: 'string', text });
      i = end + 1;
    } else {
      const name = /^[A-Za-z]+/.exec(rule.slice(i))?.[0];
      if (!name) return `it does not parse at "${rule.slice(i, i + 10)}"`;
      tokens.push({ kind: 'name', text: name });
      i += name.length;
    }
  }
  return tokens;
}

class RuleParser {
  private at = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  /** `a || b`: certain only when every side names its hosts (their union), or none does. */
  or(): RuleHosts {
    const sides = [this.and()];
    while (this.take('||')) sides.push(this.and());
    const bad = sides.find((s) => s.kind === 'unreadable');
    if (bad || sides.length === 1) return bad ?? sides[0]!;
    if (sides.every((s) => s.kind === 'any')) return ANY;
    if (sides.some((s) => s.kind === 'any'))
      return unreadable('a `||` joins a host to a side that names none');
    return { kind: 'hosts', hosts: sides.flatMap((s) => (s.kind === 'hosts' ? s.hosts : [])) };
  }

  /** `a && b`: the hosts of the sides that name hosts (a side naming none only narrows). */
  and(): RuleHosts {
    const sides = [this.unary()];
    while (this.take('&&')) sides.push(this.unary());
    const bad = sides.find((s) => s.kind === 'unreadable');
    if (bad) return bad;
    const hosts = sides.flatMap((s) => (s.kind === 'hosts' ? s.hosts : []));
    return sides.some((s) => s.kind === 'hosts') ? { kind: 'hosts', hosts } : ANY;
  }

  unary(): RuleHosts {
    if (this.take('!')) {
      const inner = this.unary();
      if (inner.kind === 'any') return ANY;
      return inner.kind === 'hosts' ? unreadable('a `!` before a host matches every other host') : inner;
    }
    if (this.take('(')) {
      const inner = this.or();
      return inner.kind === 'unreadable' || this.take(')') ? inner : unreadable('a `(` is not closed');
    }
    return this.call();
  }

  /** `Matcher(\`arg\`, ...)`. */
  private call(): RuleHosts {
    const name = this.tokens[this.at];
    if (name?.kind !== 'name' || !this.tokens[this.at + 1] || this.tokens[this.at + 1]!.text !== '(')
      return unreadable('it does not parse');
    this.at += 2;
    const args: string[] = [];
    while (this.tokens[this.at]?.kind === 'string') {
      args.push(this.tokens[this.at]!.text);
      this.at += 1;
      if (!this.take(',')) break;
    }
    if (!this.take(')')) return unreadable(`${name.text}( is not closed after its strings`);
    const matcher = name.text.toLowerCase();
    if (REGEXP_HOST_MATCHERS.includes(matcher)) return unreadable(`${name.text} is a regular expression`);
    if (OTHER_MATCHERS.includes(matcher)) return ANY;
    if (!HOST_MATCHERS.includes(matcher)) return unreadable(`${name.text} is not a matcher cairn knows`);
    if (args.length === 0) return unreadable(`${name.text} names no host`);
    // HostSNI(`*`) is a TCP router's match of every connection.
    if (args.includes('*')) return ANY;
    return { kind: 'hosts', hosts: args };
  }

  private take(op: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'op' || token.text !== op) return false;
    this.at += 1;
    return true;
  }
}
