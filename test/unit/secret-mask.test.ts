import { configSecretValues } from '../../controller/config/secret-values';
import {
  capTail,
  forgetSecrets,
  MASK,
  maskSecrets,
  rememberSecrets,
  safeOutput,
} from '../../controller/model';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { awsChainTokens } from '../../controller/model/aws-chain-tokens';
import { encodedForms } from '../../controller/model/secret-forms';
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

  it('masks a text exactly as long as the shortest thing it masks (short texts skip the passes)', () => {
    // given a secret of the shortest length remembered
    rememberSecrets(['s3cr3t']);
    // then the secret alone, and an access key id alone (20 characters), are still masked
    expect(maskSecrets('s3cr3t')).toBe(MASK);
    expect(maskSecrets('AKIAIOSFODNN7EXAMPLE')).toBe(MASK);
    // and once it is forgotten, a text shorter than an access key id is left as it is
    forgetSecrets();
    expect(maskSecrets('s3cr3t')).toBe('s3cr3t');
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

describe('encoded forms of a remembered secret', () => {
  const SECRET = 'p@ss w/rd+Zq9~xY';
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
  const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

  it.each<[string, string]>([
    ['URL-encoded', encodeURIComponent(SECRET)],
    [
      'URL-encoded with lower-case hex',
      encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
    ['form-encoded (+ for a space)', new URLSearchParams({ a: SECRET }).toString().slice(2)],
    ['base64 with padding', b64(SECRET)],
    ['base64 without padding', b64(SECRET).replace(/=+$/, '')],
    ['URL-safe base64', b64url(SECRET)],
  ])('masks it %s', (_form, encoded) => {
    rememberSecrets([SECRET]);
    expect(encoded).not.toBe(SECRET);
    expect(maskSecrets(`before ${encoded} after`)).toBe(`before ${MASK} after`);
  });

  it.each([0, 1, 2, 3, 4, 5])(
    'masks it inside a longer base64 string, after %i other bytes (every alignment, both alphabets)',
    (prefix) => {
      // Given the secret inside a larger blob (a Basic header, a kubeconfig), base64-encoded as a whole
      rememberSecrets([SECRET]);
      const blob = Buffer.concat([Buffer.alloc(prefix, 0xab), Buffer.from(`user:${SECRET}\n`)]);
      for (const text of [b64(blob), b64url(blob)]) {
        const masked = maskSecrets(text);
        // Then the mask is there and what is left decodes to nothing that holds the secret's middle
        expect(masked).toContain(MASK);
        const visible = masked.split(MASK).join('');
        expect(Buffer.from(visible, 'base64').toString('latin1')).not.toContain(SECRET.slice(2, -2));
      }
    },
  );

  it('derives the forms once per secret and leaves short base64 fragments alone', () => {
    const forms = encodedForms('abcdef');
    expect(forms).toContain('YWJjZGVm');
    expect(forms.every((f) => f.length >= 6)).toBe(true);
    rememberSecrets(['abcdef']);
    expect(maskSecrets('a commit a1b2c3d4e5f60718293a4b5c6d7e8f9012345678')).toBe(
      'a commit a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    );
  });
});

describe('access key ids glued to other words', () => {
  it.each([
    ['after letters and digits', 'X0AKIAIOSFODNN7EXAMPLE', `X0${MASK}`],
    ['inside a resource name', 'bucket-abcAKIAIOSFODNN7EXAMPLEdef', `bucket-abc${MASK}def`],
    ['a temporary one after an underscore', 'key_ASIAZ2XQ3EXAMPLEKEY9', `key_${MASK}`],
  ])('masks one %s', (_case, text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });
});

describe('configSecretValues', () => {
  it('includes the audit key, from audit.keyFile or audit.keyEnv, trimmed as it is loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mask-'));
    try {
      const keyFile = join(dir, 'audit.key');
      writeFileSync(keyFile, 'file-audit-key-0123456789abcdef0123456789\n');
      const base = { repository: {}, server: {} };
      const fromFile = { ...base, audit: { keyFile } } as unknown as CairnConfig;
      const fromEnv = { ...base, audit: { keyEnv: 'AUDIT_KEY' } } as unknown as CairnConfig;
      expect(configSecretValues(fromFile, tmpdir(), {})).toContain(
        'file-audit-key-0123456789abcdef0123456789',
      );
      expect(configSecretValues(fromEnv, tmpdir(), { AUDIT_KEY: ' env-audit-key-value-42 ' })).toContain(
        'env-audit-key-value-42',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('includes the retired audit keys and the previous webhook secret, which rotations keep in use', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mask-'));
    try {
      const retiredFile = join(dir, 'old.key');
      writeFileSync(retiredFile, 'retired-audit-key-0123456789abcdef012345\n');
      const config = {
        repository: {},
        server: { previousWebhookSecretEnv: 'OLD_HOOK' },
        audit: { retiredKeys: [{ file: retiredFile }, { env: 'OLD_AUDIT_KEY' }] },
      } as unknown as CairnConfig;
      const values = configSecretValues(config, tmpdir(), {
        OLD_HOOK: 'old-hook-secret-1',
        OLD_AUDIT_KEY: 'old-audit-key-env-1',
      });
      expect(values).toContain('retired-audit-key-0123456789abcdef012345');
      expect(values).toContain('old-audit-key-env-1');
      expect(values).toContain('old-hook-secret-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('includes the credentials written in a URL, as written, decoded, and as user:password', () => {
    const config = {
      repository: { url: 'https://cairn:p%40ss%2Fword-1@git.example/org/repo.git' },
      environments: [{ name: 'ssh', note: 'ssh://deploy-user@git.example/org/repo.git' }],
      sharding: { peerUrls: ['http://ghp_tokenAsUser1@peer:8080'] },
      notifications: [{ urlEnv: 'HOOK_URL' }],
    } as unknown as CairnConfig;
    const values = configSecretValues(config, tmpdir(), {
      HOOK_URL: 'https://hooks:n%3Dtify-2@hooks.example/x',
    });
    for (const value of [
      'p%40ss%2Fword-1',
      'p@ss/word-1',
      'cairn:p@ss/word-1',
      'ghp_tokenAsUser1',
      'n=tify-2',
      'hooks:n=tify-2',
    ])
      expect(values).toContain(value);
    expect(values).not.toContain('cairn');
    expect(values).not.toContain('deploy-user');
  });

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
    expect(configSecretValues(config, tmpdir(), env).sort()).toEqual(
      ['api-token-1', 'aws-secret-1', 'git-token-1', 'hook-secret-1'].sort(),
    );
  });

  it('includes the container credentials endpoint’s authorization token the AWS SDK sends', () => {
    const env = { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-auth-token-1' };
    expect(configSecretValues({} as CairnConfig, tmpdir(), env)).toContain('container-auth-token-1');
  });
});

describe('awsChainTokens', () => {
  it('reads the container authorization token file as the SDK sends it, and trimmed', () => {
    // Given an EKS Pod Identity style token file, and no AWS config files
    const dir = mkdtempSync(join(tmpdir(), 'cairn-container-token-'));
    try {
      const file = join(dir, 'eks-pod-identity-token');
      writeFileSync(file, 'container-token-from-file\n');
      // Then its content is one of the tokens the chain is about to send
      const tokens = awsChainTokens({ HOME: dir, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file });
      expect(tokens).toEqual(['container-token-from-file\n', 'container-token-from-file']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  it('mask the configured audit key, raw and base64, and an access key id glued to a word', () => {
    // given the audit key in a file the config names, remembered as cairn run does at start-up
    const dir = mkdtempSync(join(tmpdir(), 'cairn-mask-log-'));
    try {
      const keyFile = join(dir, 'audit.key');
      const key = 'K3y-for-the-audit-chain-0a1b2c3d4e5f6a7b';
      writeFileSync(keyFile, `${key}\n`);
      const config = { repository: {}, server: {}, audit: { keyFile } } as unknown as CairnConfig;
      rememberSecrets(configSecretValues(config, tmpdir(), {}));
      const lines: string[] = [];
      const destination = new PassThrough();
      destination.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      // when a line quotes them
      createLog({ destination }).warn(
        { detail: `k=${key} b=${Buffer.from(key).toString('base64')} id=X0AKIAIOSFODNN7EXAMPLE` },
        'something printed',
      );
      // then none reaches the line
      const text = lines.join('');
      expect(text).toContain('something printed');
      expect(text).not.toContain(key);
      expect(text).not.toContain(Buffer.from(key).toString('base64').slice(0, 40));
      expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
