// Preloaded with `node --require` into a child process: on exit, writes every module file the
// process loaded (one path a line) to $CAIRN_TEST_MODULES_FILE. Lets a test see what a real
// command loaded, e.g. that a Kubernetes-only sync never loaded the AWS SDK.
const { writeFileSync } = require('node:fs');

const out = process.env.CAIRN_TEST_MODULES_FILE;
if (out) {
  process.on('exit', () => writeFileSync(out, Object.keys(require.cache).join('\n')));
}
