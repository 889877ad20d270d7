/**
 * The raw floor as a whole process: `node dist/test/bench/floor-process.js <kubeconfig> <prefix>`
 * starts, connects, applies the 1,000 objects exactly as the in-process floor does (raw-floor.ts)
 * and exits. Beside a whole-process `cairn sync` it shows what any fresh process pays on this
 * machine before cairn's own work: Node's start, and an HTTP client and TLS stack still cold.
 * cli-bench runs it in the same rounds as the sync and the in-process floor.
 */
import { floor, floorClient } from './raw-floor';

const [kubeconfig, prefix] = process.argv.slice(2);
if (!kubeconfig || !prefix) {
  process.stderr.write('usage: floor-process <kubeconfig> <prefix>\n');
  process.exit(2);
}
// The same client and connections as the in-process floor's (cli-bench's floorClient).
const client = floorClient(kubeconfig);
floor(client, prefix).then(
  () => client.close(),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    client.close();
    process.exitCode = 1;
  },
);
