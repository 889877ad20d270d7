import * as jsYaml from 'js-yaml';
import { errorMessage } from '../../../controller/model/errors';

/** What js-yaml throws for `text` (its message carries a snippet of the lines around the error). */
function yamlError(text: string): unknown {
  try {
    jsYaml.load(text);
  } catch (error) {
    return error;
  }
  throw new Error('parsed');
}

describe('errorMessage of a YAML error', () => {
  it.each([
    [
      'a mistake on the line after a kubeconfig token',
      'users:\n  - name: u\n    user:\n      token: kt-0123456789ab\n         oops: indented\n',
      'kt-0123456789ab',
      'invalid YAML at line 5, column 14: bad indentation of a mapping entry',
    ],
    [
      'an alias read from a plain value',
      'password: *Pa55-word-9x\n',
      'Pa55-word-9x',
      'invalid YAML at line 1, column 24: unidentified alias',
    ],
    [
      'a tag read from a plain value',
      'password: !Pa55-word-9x\n',
      'Pa55-word-9x',
      'invalid YAML at line 2, column 1: a tag that cannot be read',
    ],
  ])('names line, column and reason for %s, and quotes none of the text', (_name, text, secret, start) => {
    // given what js-yaml threw, whose own message shows the secret
    const error = yamlError(text);
    expect((error as Error).message).toContain(secret);
    // when it becomes a message for logs and the ledger
    const message = errorMessage(error);
    // then it says where and why, without the text
    expect(message.startsWith(start)).toBe(true);
    expect(message).not.toContain(secret);
  });

  it('leaves other errors as they are', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
  });
});
