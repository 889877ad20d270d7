/**
 * The in-process floor on another Node: `<node> dist/test/bench/floor-server.js <kubeconfig>` reads
 * one prefix a line from stdin, applies the 1,000 objects under it exactly as cli-bench's in-process
 * floor does (a fresh pool of connections each round, the process and its compiled code kept), and
 * prints the round's milliseconds on a line of its own. cli-bench runs it on Node 24, so the Node 24
 * sync is set against a floor of its own runtime, not against the bench's Node 20 one.
 */
import { createInterface } from 'node:readline';
import { floor, floorClient } from './raw-floor';

const [kubeconfig] = process.argv.slice(2);
if (!kubeconfig) {
  process.stderr.write('usage: floor-server <kubeconfig>\n');
  process.exit(2);
}

async function round(prefix: string): Promise<number> {
  const client = floorClient(kubeconfig!);
  try {
    return await floor(client, prefix);
  } finally {
    client.close();
  }
}

// One round at a time: cli-bench waits for each answer before it sends the next prefix.
const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (prefix) => {
  queue = queue.then(async () => {
    try {
      process.stdout.write(`${Math.round(await round(prefix.trim()))}\n`);
    } catch (error) {
      process.stdout.write(`error ${String(error).replace(/\n/g, ' ')}\n`);
    }
  });
});
