import { configuredSecretValues } from '../../controller/config/secret-values';
import {
  capTail,
  forgetSecrets,
  MASK,
  maskSecrets,
  rememberSecrets,
  safeOutput,
} from '../../controller/model';
import { PassThrough } from 'node:stream';
import type { CairnConfig } from '../../controller/config/types';
import { createLog } from '../../controller/log';

afterEach(() => forgetSecrets());

describe('maskSecrets', () => {
  it('masks every remembered value, raw and as JSON escapes it', () => {
    // given a remembered token holding a quote
    rememberSecrets(['tok"en-1234567', undefined, 'abc']);
    // when text quotes it both ways
    const text = `raw tok"en-1234567 json ${JSON.stringify({ t: 'tok"en-1234567' })}`;
    // then both are masked; a value too short to be a secret is not remembered
    expect(maskSecrets(text)).toBe(`raw ${MASK} json {"t":"${MASK}"}`);
    expect(maskSecrets('abc')).toBe('abc');
  });

  it.each([
    ['a long-term access key id', 'key AKIAIOSFODNN7EXAMPLE here', `key ${MASK} here`],
    ['a temporary access key id', 'ASIAZ2XQ3EXAMPLEKEY9', MASK],
    ['a secret key on its own', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', MASK],
    [
      'a secret key after its label, even all lower case',
      'aws_secret_access_key = abcdefghijabcdefghijabcdefghijabcdefghij',
      `aws_secret_access_key = ${MASK}`,
    ],
  ])('masks %s', (_what, text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it.each([
    ['a commit sha', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'],
    ['a sha-256 digest', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['ordinary words', 'the CDK app exited with code 1: MyBucket must be lowercase'],
  ])('leaves %s readable', (_what, text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});

describe('capTail and safeOutput', () => {
  it('keeps the last bytes, on a character boundary, and says how much was cut', () => {
    const text = `${'é'.repeat(3000)}END`;
    const tail = capTail(text, 101);
    expect(tail.endsWith('END')).toBe(true);
    expect(tail).toMatch(/^\[… \d+ bytes cut\]\n/);
    expect(Buffer.byteLength(tail.split('\n')[1]!)).toBeLessThanOrEqual(101);
    expect(tail).not.toContain('\uFFFD');
  });

  it('masks before it cuts, so a secret at the edge of the tail never survives in part', () => {
    // given output where a secret straddles the point the tail starts
    rememberSecrets(['S3CR3T-VALUE-0123456789']);
    const text = `${'x'.repeat(100)}S3CR3T-VALUE-0123456789${'y'.repeat(10)}`;
    // when it is made safe with a tail that starts inside the secret
    const safe = safeOutput(text, 20);
    // then no part of the secret is left
    expect(safe).not.toMatch(/0123456789/);
  });
});

describe('configuredSecretValues', () => {
  it('reads the values the config names and the AWS secrets of the environment', () => {
    const config = {
      repository: { auth: { tokenEnv: 'GIT_TOKEN' } },
      server: { webhookSecretEnv: 'HOOK', apiTokenEnv: 'API' },
    } as unknown as CairnConfig;
    const env = {
      GIT_TOKEN: 'git-token-1',
      HOOK: 'hook-secret-1',
      API: 'api-token-1',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-1',
      OTHER: 'not-a-secret',
    };
    expect(configuredSecretValues(config, env).sort()).toEqual(
      ['api-token-1', 'aws-secret-1', 'git-token-1', 'hook-secret-1'].sort(),
    );
  });
});

describe('log lines', () => {
  it('mask remembered secrets and AWS keys, wherever in the line they are', () => {
    // given a logger writing to a stream, and a remembered secret
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    rememberSecrets(['hook-secret-0987654321']);
    const log = createLog({ destination });
    // when an error quoting both is logged
    log.error(
      { err: new Error('app printed hook-secret-0987654321 and AKIAIOSFODNN7EXAMPLE') },
      'synth failed',
    );
    // then neither reaches the line
    const text = lines.join('');
    expect(text).toContain('synth failed');
    expect(text).not.toContain('hook-secret-0987654321');
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).toContain(MASK);
  });
});
