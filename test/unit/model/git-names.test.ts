import { checkedRef, checkedSha, isRefName, isSha, refNameProblem } from '../../../controller/model';

describe('the shape of a sha', () => {
  it.each([
    ['a SHA-1 id', 'a'.repeat(40), true],
    ['a SHA-256 id', '0123456789abcdef'.repeat(4), true],
    ['a short id', 'abc1234', false],
    ['upper case', 'A'.repeat(40), false],
    ['41 digits', 'a'.repeat(41), false],
    ['an option', '--upload-pack=touch /tmp/pwned', false],
    ['a sha with a suffix', `${'a'.repeat(40)}^{tree}`, false],
    ['null', null, false],
  ])('%s → %s', (_case, value, ok) => {
    expect(isSha(value)).toBe(ok);
  });

  it('checkedSha throws git.bad-sha naming where the value came from, and quotes it', () => {
    expect(() => checkedSha('--upload-pack=touch /tmp/pwned', 'audit entry 0123abcd, fromSha')).toThrow(
      expect.objectContaining({
        code: 'git.bad-sha',
        message: expect.stringContaining('audit entry 0123abcd, fromSha is not a commit id: "--upload-pack='),
      }),
    );
  });
});

describe('the shape of a ref (git check-ref-format, --allow-onelevel, no leading -)', () => {
  it.each(['dev', 'refs/heads/dev', 'team/dev-1', 'release/1.2', 'refs/pull/7/head', 'feature_x'])(
    'accepts %s',
    (name) => {
      expect(refNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    ['', 'empty'],
    ['-dev', 'starts with "-"'],
    ['--upload-pack=x', 'starts with "-"'],
    ['a..b', '".."'],
    ['a@{1}', '"@{"'],
    ['@', '"@"'],
    ['a b', 'space'],
    ['a\tb', 'control character'],
    ['a~1', '~'],
    ['a^', '~'],
    ['a:b', '~'],
    ['a?', '~'],
    ['a*', '~'],
    ['a[b', '~'],
    ['a\\b', '~'],
    ['/a', '"/"'],
    ['a/', '"/"'],
    ['a//b', '"//"'],
    ['a.', 'ends with "."'],
    ['.a', 'starts with "."'],
    ['refs/heads/.a', 'starts with "."'],
    ['a.lock', '".lock"'],
    ['a/b.lock/c', '".lock"'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(refNameProblem(name)).toContain(problem);
    expect(isRefName(name)).toBe(false);
    expect(() => checkedRef(name, 'branch x')).toThrow(expect.objectContaining({ code: 'git.bad-ref' }));
  });
});
