import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * Writes to `file` a kubeconfig of one cluster whose user runs `command args` as a client-go exec
 * credential plugin (`client.authentication.k8s.io/v1`, never interactive), and returns `file`:
 * what a cloud's credential helper (`aws eks get-token`) looks like to cairn.
 */
export function writeExecKubeconfig(
  file: string,
  cluster: Record<string, unknown>,
  command: string,
  args: readonly string[],
): string {
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster', cluster }],
      users: [
        {
          name: 'plugin',
          user: {
            exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args, interactiveMode: 'Never' },
          },
        },
      ],
      contexts: [{ name: 'plugin', context: { cluster: 'cluster', user: 'plugin' } }],
      'current-context': 'plugin',
    }),
  );
  return file;
}
