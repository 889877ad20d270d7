import { pinnedRequirements } from '../../../cdk/synth/python-requirements';
import type { CairnError } from '../../../controller/model';

const refusal = (text: string): CairnError => {
  try {
    pinnedRequirements(text);
  } catch (error) {
    return error as CairnError;
  }
  throw new Error('accepted');
};

const sha = (c: string) => `sha256:${c.repeat(64)}`;

/**
 * A Python app's requirements.txt is checked line by line before pip runs: pinned requirements
 * only, rewritten the one way pip then reads them; anything that would make pip read another file,
 * fetch a URL, build a source tree or use another index is refused naming the line.
 */
describe('pinnedRequirements', () => {
  it.each([
    ['blank lines and comments', '\n# a comment\n   \n\t# indented\n', []],
    ['a pinned requirement', 'six==1.16.0\n', ['six==1.16.0']],
    ['a trailing comment', 'aws-cdk-lib==2.275.0   # the CDK\n', ['aws-cdk-lib==2.275.0']],
    ['spaces around ==', 'constructs == 10.8.1', ['constructs==10.8.1']],
    ['extras', 'Foo.Bar_baz[ x , y-z ]==1.0', ['Foo.Bar_baz[x,y-z]==1.0']],
    ['PEP 440 versions', 'pkg==1!2.0rc1.post2.dev3+local.7', ['pkg==1!2.0rc1.post2.dev3+local.7']],
    [
      'an environment marker',
      'six==1.16.0; python_version >= "3.8" and (sys_platform != \'win32\' or os_name in "posix")',
      [`six==1.16.0 ; python_version >= "3.8" and ( sys_platform != 'win32' or os_name in "posix" )`],
    ],
    [
      'hashes, continued with a backslash',
      `six==1.16.0 \\\n    --hash=${sha('a')} \\\n    --hash ${sha('B')}\n`,
      [`six==1.16.0 --hash=${sha('a')} --hash=${sha('b')}`],
    ],
    ['CRLF line ends', 'six==1.16.0\r\nconstructs==10.8.1\r\n', ['six==1.16.0', 'constructs==10.8.1']],
  ])('accepts %s', (_what, text, expected) => {
    expect(pinnedRequirements(text)).toEqual(expected);
  });

  it.each([
    ['a direct reference to a URL', 'pkg @ http://127.0.0.1:8000/pkg.tar.gz', 'direct reference'],
    ['a direct reference to a path', 'pkg @ file:///srv/pkg', 'direct reference'],
    ['a URL', 'https://example.com/pkg-1.0-py3-none-any.whl', 'URL or a path'],
    ['a wheel path', 'dist/pkg-1.0-py3-none-any.whl', 'URL or a path'],
    ['a local folder', './vendor/pkg', 'URL or a path'],
    ['an absolute path', '/var/run/secrets/kubernetes.io/serviceaccount/token', 'URL or a path'],
    ['-r', '-r /var/run/secrets/kubernetes.io/serviceaccount/token', 'option -r (read another file)'],
    ['--requirement=', '--requirement=base.txt', 'option --requirement (read another file)'],
    ['-c', '-c constraints.txt', 'option -c (read another file)'],
    ['--constraint', '--constraint constraints.txt', 'option --constraint (read another file)'],
    ['-e', '-e .', 'option -e (an editable install)'],
    ['--index-url', '--index-url http://attacker/simple', 'option --index-url (another package source)'],
    ['-i', '-i http://attacker/simple', 'option -i (another package source)'],
    ['--extra-index-url', '--extra-index-url=http://a/simple', 'option --extra-index-url'],
    ['--find-links', '--find-links /tmp', 'option --find-links'],
    ['--trusted-host', '--trusted-host attacker', 'option --trusted-host'],
    ['--pre', '--pre', 'option --pre is not allowed'],
    ['an option after a requirement', 'six==1.16.0 --config-settings=x=y', 'option --config-settings'],
    ['-r continued onto a requirement line', 'six==1.16.0 \\\n-r secret.txt', 'option -r'],
    ['an unpinned requirement', 'six>=1.16', 'not a pinned requirement'],
    ['a bare name', 'six', 'not a pinned requirement'],
    ['a wildcard', 'six==1.*', 'not a pinned requirement'],
    ['arbitrary equality', 'six===1.16.0', 'not a pinned requirement'],
    ['an environment variable', 'six==${VERSION}', 'not a pinned requirement'],
    ['a marker with a path', 'six==1.0 ; python_version == "/etc"', 'marker'],
    ['a marker with an unknown name', 'six==1.0 ; __import__ == "os"', 'marker'],
    ['a marker value with a space', 'six==1.0 ; os_name == "a b"', 'marker'],
    ['a bad hash', 'six==1.0 --hash=md5:abc', '--hash must be'],
    ['a requirement after a hash', `six==1.0 --hash=${sha('a')} extra==1.0`, 'only --hash options'],
    ['a vertical tab (a line break to pip)', 'six==1.0\v-r /etc/shadow', 'printable ASCII'],
    ['a Unicode line separator', 'six==1.0\u2028-r x', 'printable ASCII'],
    ['a byte-order mark', '\ufeffsix==1.0', 'printable ASCII'],
  ])('refuses %s', (_what, text, reason) => {
    const error = refusal(`# first line\n${text}\n`);
    expect(error).toMatchObject({ code: 'synth.python-requirements', retryable: false, phase: 'synthesize' });
    expect(error.subject).toBe('aws-resources/requirements.txt:2');
    expect(error.detail).toContain(`line 2: `);
    expect(error.detail).toContain(reason);
  });

  it('names every refused line by its number, and the first in the subject', () => {
    const error = refusal(
      'six==1.16.0\n\n--index-url http://attacker/simple\nconstructs==10.8.1\n-r /var/run/secrets/token\n',
    );
    expect(error.subject).toBe('aws-resources/requirements.txt:3');
    expect(error.detail).toMatch(/line 3: .*--index-url.*; line 5: .*-r \(read another file\)/);
    expect(error.message).toContain('aws-resources/requirements.txt:3');
  });

  it('a continued requirement is named by the line it starts on', () => {
    const error = refusal(`six==1.16.0\nconstructs==10.8.1 \\\n  --hash=${sha('a')} \\\n  -r token\n`);
    expect(error.subject).toBe('aws-resources/requirements.txt:2');
  });

  it('a # inside a word is not a comment, and a backslash after a comment continues nothing', () => {
    expect(refusal('six==1.0#x\n').detail).toContain('line 1: ');
    expect(pinnedRequirements('six==1.0 # note \\\nconstructs==10.8.1\n')).toEqual([
      'six==1.0',
      'constructs==10.8.1',
    ]);
  });

  it('names at most five lines, then how many more', () => {
    const error = refusal('-r a\n'.repeat(8));
    expect(error.detail).toContain('line 5: ');
    expect(error.detail).not.toContain('line 6: ');
    expect(error.detail).toContain('and 3 more');
  });
});
