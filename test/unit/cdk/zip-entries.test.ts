import { zipContentDigest } from '../../../cdk/deploy/zip-entries';
import { zipOf } from '../../helpers/zips';

const files = [
  { name: 'index.js', text: 'exports.handler = async () => 1;\n' },
  { name: 'lib/util.js', text: 'module.exports = 2;\n'.repeat(50) },
];

describe('the content digest of a zip', () => {
  it('is the same for the same files whatever the compression, date, order and folder entries', async () => {
    const deflated = await zipOf(files);
    const other = await zipOf([...files].reverse(), {
      compress: false,
      mtime: new Date(2024, 5, 1),
      folders: ['lib/'],
    });
    expect(deflated.equals(other)).toBe(false);
    expect(zipContentDigest(deflated)).toMatch(/^[0-9a-f]{64}$/);
    expect(zipContentDigest(other)).toBe(zipContentDigest(deflated));
  });

  it('differs when a file, a name or the executable bit differs', async () => {
    const base = zipContentDigest(await zipOf(files));
    const changed = zipContentDigest(
      await zipOf([files[0]!, { ...files[1]!, text: 'module.exports = 3;\n' }]),
    );
    const renamed = zipContentDigest(await zipOf([files[0]!, { ...files[1]!, name: 'lib/other.js' }]));
    const executable = zipContentDigest(await zipOf([{ ...files[0]!, mode: 0o100755 }, files[1]!]));
    expect(new Set([base, changed, renamed, executable]).size).toBe(4);
  });

  it('is undefined for what is not a zip it can read: other bytes, a cut zip, a name twice', async () => {
    const whole = await zipOf(files);
    expect(zipContentDigest(Buffer.from('not a zip at all'))).toBeUndefined();
    expect(zipContentDigest(whole.subarray(0, whole.length - 30))).toBeUndefined();
    expect(zipContentDigest(await zipOf([files[0]!, { ...files[0]!, text: 'other' }]))).toBeUndefined();
  });
});
