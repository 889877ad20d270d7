import { generic } from '../../../controller/server/webhooks/generic';
import { gitea } from '../../../controller/server/webhooks/gitea';
import { github } from '../../../controller/server/webhooks/github';
import { gitlab } from '../../../controller/server/webhooks/gitlab';
import { PROVIDERS, type ProviderName } from '../../../controller/server/webhooks/providers';
import { pushPayload, sign, SIGNATURE_HEADER } from '../../helpers/webhook-deliveries';

const SECRET = 'It is a secret to everybody';
const C0FFEE = 'c0ffee'.repeat(6) + 'c0ff';
const F00D = 'f00d'.repeat(10);
const NAMES = Object.keys(PROVIDERS) as ProviderName[];
const verify = (name: ProviderName, headers: Record<string, string>, body: string, secret = SECRET) =>
  PROVIDERS[name](headers, Buffer.from(body), secret);

describe('webhook providers', () => {
  it('github: accepts the signature from GitHub documentation example', () => {
    // Given the test vector published in GitHub's "Validating webhook deliveries"
    const headers = {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
      'x-github-event': 'ping',
    };
    // When verified with the documented secret, then it is a good ping
    expect(github(headers, Buffer.from('Hello, World!'), "It's a Secret to Everybody")).toEqual({
      kind: 'ping',
    });
  });

  it.each(NAMES)('%s: a signed push names the branch, sha and delivery', (name) => {
    const { headers, body } = sign[name](pushPayload('main', C0FFEE), { secret: SECRET, delivery: 'd-1' });
    expect(verify(name, headers, body)).toEqual({
      kind: 'push',
      branch: 'main',
      sha: C0FFEE,
      delivery: 'd-1',
    });
  });

  it.each(NAMES)('%s: a wrong secret is unauthorized', (name) => {
    const { headers, body } = sign[name](pushPayload('main'), { secret: 'guess' });
    expect(verify(name, headers, body).kind).toBe('unauthorized');
  });

  it.each(NAMES)('%s: a missing signature header is unauthorized and says which header', (name) => {
    const { headers, body } = sign[name](pushPayload('main'), { secret: SECRET });
    const { [SIGNATURE_HEADER[name]]: _dropped, ...rest } = headers;
    expect(verify(name, rest, body)).toEqual({
      kind: 'unauthorized',
      reason: expect.stringMatching(/^missing X-/i),
    });
  });

  it.each(NAMES.filter((n) => n !== 'gitlab'))('%s: a body changed after signing is unauthorized', (name) => {
    const { headers } = sign[name](pushPayload('dev'), { secret: SECRET });
    expect(verify(name, headers, pushPayload('prod')).kind).toBe('unauthorized');
  });

  it.each(NAMES)('%s: a signed body that is not JSON is malformed', (name) => {
    const { headers, body } = sign[name]('{"ref": ', { secret: SECRET });
    expect(verify(name, headers, body).kind).toBe('malformed');
  });

  it.each([
    ['github', 'issues'],
    ['gitlab', 'Note Hook'],
    ['gitea', 'issues'],
  ] as const)('%s: a signed %s event is ignored', (name, event) => {
    const { headers, body } = sign[name]('{}', { secret: SECRET, event });
    expect(verify(name, headers, body)).toEqual({ kind: 'ignored', reason: `event ${event}` });
  });

  it.each([
    ['a tag push', JSON.stringify({ ref: 'refs/tags/v1.0.0', after: 'abc' }), 'not a branch push'],
    ['a branch deletion (zero sha)', pushPayload('dev', '0'.repeat(40)), 'branch dev deleted'],
    [
      'a branch deletion (deleted: true)',
      JSON.stringify({ ref: 'refs/heads/dev', deleted: true }),
      'branch dev deleted',
    ],
  ])('github: %s is ignored', (_name, body, reason) => {
    const d = sign.github(body, { secret: SECRET });
    expect(verify('github', d.headers, d.body)).toEqual({ kind: 'ignored', reason });
  });

  it('github: a form-encoded delivery is read from its payload field, signed over the raw form', () => {
    const body = `payload=${encodeURIComponent(pushPayload('dev', F00D))}`;
    const d = sign.github(body, { secret: SECRET });
    const headers = { ...d.headers, 'content-type': 'application/x-www-form-urlencoded' };
    expect(verify('github', headers, body)).toEqual({ kind: 'push', branch: 'dev', sha: F00D });
  });

  it('gitea: an upper-case hex signature is accepted', () => {
    const d = sign.gitea(pushPayload('dev'), { secret: SECRET });
    const headers = { ...d.headers, 'x-gitea-signature': d.headers['x-gitea-signature']!.toUpperCase() };
    expect(verify('gitea', headers, d.body).kind).toBe('push');
  });

  it('gitlab: takes the delivery id from X-Gitlab-Event-UUID when there is no Idempotency-Key', () => {
    const d = sign.gitlab(pushPayload('dev'), { secret: SECRET });
    expect(gitlab({ ...d.headers, 'x-gitlab-event-uuid': 'u-1' }, Buffer.from(d.body), SECRET)).toMatchObject(
      {
        kind: 'push',
        delivery: 'u-1',
      },
    );
  });

  it('gitea: the GitHub signature header alone does not pass', () => {
    const d = sign.github(pushPayload('dev'), { secret: SECRET });
    expect(gitea({ ...d.headers, 'x-gitea-event': 'push' }, Buffer.from(d.body), SECRET).kind).toBe(
      'unauthorized',
    );
  });

  it.each([
    ['a ref', JSON.stringify({ ref: 'refs/heads/dev' }), { kind: 'push', branch: 'dev' }],
    [
      'a branch and a sha',
      JSON.stringify({ branch: 'release/1', sha: F00D }),
      { kind: 'push', branch: 'release/1', sha: F00D },
    ],
    // A sha that is not one is not even logged; a branch git would refuse names no branch.
    ['a short sha', JSON.stringify({ branch: 'dev', sha: 'abc' }), { kind: 'push', branch: 'dev' }],
    [
      'a branch that looks like an option',
      JSON.stringify({ branch: '--upload-pack=x' }),
      { kind: 'malformed', reason: expect.stringContaining('no branch') },
    ],
    [
      'a tag ref',
      JSON.stringify({ ref: 'refs/tags/v1' }),
      { kind: 'ignored', reason: 'refs/tags/v1 is not a branch' },
    ],
    [
      'no branch',
      JSON.stringify({ hello: 'world' }),
      { kind: 'malformed', reason: expect.stringContaining('no branch') },
    ],
    ['a JSON array', '["dev"]', { kind: 'malformed', reason: 'the body is not a JSON object' }],
  ])('generic: a body with %s', (_name, body, expected) => {
    const d = sign.generic(body, { secret: SECRET, delivery: 'd-2' });
    expect(generic(d.headers, Buffer.from(d.body), SECRET)).toEqual({ ...expected, delivery: 'd-2' });
  });

  it('generic: X-Cairn-Event ping is a ping whatever the body', () => {
    const d = sign.generic('', { secret: SECRET, event: 'ping', delivery: 'p' });
    expect(generic(d.headers, Buffer.from(d.body), SECRET)).toEqual({ kind: 'ping', delivery: 'p' });
  });
});
