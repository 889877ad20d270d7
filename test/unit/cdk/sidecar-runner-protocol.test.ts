import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encode,
  folderUnder,
  lineReader,
  MAX_JOB_TIMEOUT_MS,
  parseRequest,
  ProtocolError,
} from '../../../cdk/synth/sidecar-runner-protocol';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';

const good = {
  v: 2,
  type: 'run',
  command: 'node app.js',
  cwd: '/var/lib/cairn/workspaces/synth/x/checkout/aws-resources',
  env: { PATH: '/usr/bin', HOME: '/tmp/h', CDK_OUTDIR: '/o', CDK_CONTEXT_JSON: '{}', LC_ALL: 'C' },
  writable: ['/var/lib/cairn/workspaces/synth/x/out'],
  timeoutMs: 300_000,
};

function refusal(value: unknown): string {
  try {
    parseRequest(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    if (error instanceof ProtocolError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseRequest', () => {
  it('accepts a run request and keeps exactly its fields', () => {
    expect(parseRequest(JSON.stringify({ ...good, extra: 'ignored' }))).toEqual(good);
  });

  it.each([
    ['garbage', 'GET / HTTP/1.1', 'the request is not JSON'],
    ['an array', [1, 2], 'not a JSON object'],
    ['another version', { ...good, v: 3 }, 'unsupported protocol version 3 (this runner speaks 2)'],
    ['another type', { ...good, type: 'exec' }, 'unknown request type "exec"'],
    ['no command', { ...good, command: '' }, '"command" must be a non-empty string'],
    ['a relative cwd', { ...good, cwd: 'checkout' }, '"cwd" must be an absolute path'],
    [
      'an AWS key',
      { ...good, env: { AWS_SECRET_ACCESS_KEY: 'x' } },
      '"AWS_SECRET_ACCESS_KEY" is not one a synth job may set',
    ],
    ['a token', { ...good, env: { GIT_TOKEN: 'x' } }, '"GIT_TOKEN" is not one a synth job may set'],
    ['NODE_OPTIONS', { ...good, env: { NODE_OPTIONS: '--require /x' } }, '"NODE_OPTIONS" is not one'],
    ['LD_PRELOAD', { ...good, env: { LD_PRELOAD: '/x.so' } }, '"LD_PRELOAD" is not one'],
    ['PYTHONSTARTUP', { ...good, env: { PYTHONSTARTUP: '/x.py' } }, '"PYTHONSTARTUP" is not one'],
    ['a name ending like an allowed one', { ...good, env: { XBIN: 'x' } }, '"XBIN" is not one'],
    ['a number value', { ...good, env: { PATH: 1 } }, 'PATH must be a string without NUL'],
    ['a relative writable', { ...good, writable: ['out'] }, '"writable" must be an array of absolute paths'],
    ['too many writables', { ...good, writable: Array(9).fill('/a') }, 'at most 8'],
    ['no timeout', { ...good, timeoutMs: undefined }, '"timeoutMs" must be an integer'],
    [
      'a timeout over the cap',
      { ...good, timeoutMs: MAX_JOB_TIMEOUT_MS + 1 },
      '"timeoutMs" must be an integer',
    ],
  ])('refuses %s with a message that says why', (_name, value, message) => {
    expect(refusal(value)).toContain(message);
  });
});

describe('the variables a job may set', () => {
  it.each([
    ['a kustomize render', { BIN: '/b', SRC: '/s', OUT: '/o', LOAD_RESTRICTOR: 'LoadRestrictionsRootOnly' }],
    [
      'a helm render',
      { BIN: '/b', SRC: '/s', OUT: '/o', RELEASE: 'web', NAMESPACE: 'apps', ENV_VALUES: 'v' },
    ],
    [
      'a Python app',
      {
        PYTHONPATH: '/d',
        PYTHONNOUSERSITE: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
        JSII_RUNTIME_PACKAGE_CACHE: 'disabled',
      },
    ],
  ])('include those of %s', (_name, env) => {
    expect(parseRequest(JSON.stringify({ ...good, env: { ...good.env, ...env } })).env).toEqual({
      ...good.env,
      ...env,
    });
  });
});

describe('folderUnder', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    const base = mkdtempSync(join(tmpdir(), 'cairn-protocol-'));
    root = join(base, 'work');
    outside = join(base, 'elsewhere');
    mkdirSync(join(root, 'job', 'out'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'job', 'escape'));
    symlinkSync(join(root, 'job', 'out'), join(root, 'job', 'inside-link'));
    writeFileSync(join(root, 'job', 'file'), 'x');
  });
  afterAll(() => rmSync(join(root, '..'), { recursive: true, force: true }));

  it('accepts a folder inside the root, and a link that stays inside', () => {
    expect(folderUnder(root, join(root, 'job', 'out'), 'cwd')).toBe(join(root, 'job', 'out'));
    expect(folderUnder(root, join(root, 'job', 'inside-link'), 'cwd')).toBe(join(root, 'job', 'out'));
  });

  it.each([
    ['the root itself', (r: string) => r, "is outside the runner's work root"],
    ['a folder outside', () => '/etc', 'is outside'],
    ['a .. that climbs out', (r: string) => join(r, 'job', '..', '..'), 'is outside'],
    ['a symlink out of the root', (r: string) => join(r, 'job', 'escape'), 'is outside'],
    ['a file', (r: string) => join(r, 'job', 'file'), 'is not a folder'],
    ['a missing folder', (r: string) => join(r, 'nope'), 'cannot be resolved: ENOENT'],
  ])('refuses %s', (_name, path, message) => {
    expect(() => folderUnder(root, path(root), 'cwd')).toThrow(message);
  });

  it('refuses everything while the work root is missing, naming the volume', () => {
    expect(() => folderUnder(join(root, 'missing'), '/tmp', 'cwd')).toThrow('is the shared volume mounted?');
  });
});

describe('lineReader', () => {
  it('splits lines across chunks and refuses one over the cap once', () => {
    const lines: string[] = [];
    let over = 0;
    const read = lineReader(
      10,
      (l) => lines.push(l),
      () => over++,
    );
    read(Buffer.from('ab'));
    read(Buffer.from('c\nde\nf'));
    expect(lines).toEqual(['abc', 'de']);
    read(Buffer.from('0123456789'));
    read(Buffer.from('more\n'));
    expect(over).toBe(1);
    expect(lines).toEqual(['abc', 'de']);
  });

  it('encodes one message per line', () => {
    expect(encode({ type: 'release' })).toBe('{"type":"release"}\n');
  });
});

describe('createSynthRunner with isolation sidecar', () => {
  it('hands jobs to the socket the config names, with the workspaces folder as its work root', async () => {
    const runner = createSynthRunner(
      { isolation: 'sidecar', socket: '/run/cairn/s.sock' },
      '/data/workspaces',
    );
    expect(runner.isolation).toBe('sidecar');
    expect(runner.workRoot).toBe('/data/workspaces');
    expect(runner.user).toBeUndefined();
    expect(await runner.unavailable()).toBeUndefined();
  });

  it('defaults to the pod contract’s socket and work root', () => {
    expect(createSynthRunner({ isolation: 'sidecar' }).workRoot).toBe('/var/lib/cairn/workspaces');
  });

  it('names a relative socket as the reason it cannot run', async () => {
    expect(await createSynthRunner({ isolation: 'sidecar', socket: 'synth.sock' }).unavailable()).toBe(
      'aws.synth.socket must be an absolute path, not synth.sock',
    );
  });
});
