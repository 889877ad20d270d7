import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli, startCli, watchChild, type WatchedChild } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { KUBECTL, waitCrdEstablished } from '../../helpers/install-identities';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(240_000);

const id = randomBytes(3).toString('hex');
const ns = `d2-crd-gone-${id}`;
const group = `d2${id}.cairn.test`;
const crdName = `gadgets.${group}`;
const kubectl = (...args: string[]): string =>
  execFileSync(KUBECTL, ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args]).toString();
const crd = stringify({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: crdName },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
});
/** Applies the CRD out of band (another team's, as an operator's chart installs it) and waits until it is served. */
const installCrd = (): void => {
  execFileSync(KUBECTL, ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, 'apply', '-f', '-'], {
    input: crd,
  });
  waitCrdEstablished(sandboxEnv().kubernetes.kubeconfig, crdName);
};
const tree = (kind: string): string =>
  stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) +
  '---\n' +
  stringify({
    apiVersion: `${group}/v1`,
    kind,
    metadata: { name: 'knob', namespace: ns },
    spec: { turns: 3 },
  });
const gadgetThere = (): boolean =>
  kubectl('get', `gadgets.${group}`, '-n', ns, '-o', 'name').includes('knob');
let repo: TestRepo | undefined;
let run: WatchedChild | undefined;

afterAll(async () => {
  run?.child.kill('SIGTERM');
  await run?.exited;
  kubectl('delete', 'crd', crdName, '--ignore-not-found', '--wait=false');
  kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false');
  repo?.remove();
});

/** Polls `check` every 250 ms until it is true (fails after `seconds`, naming `what`). */
async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a CRD deleted out of band, with the real binary on the sandbox', () => {
  it('retries the kind the environment applied before and re-creates its objects once the CRD is back; a new unknown kind still stalls', async () => {
    // Given an environment applying a custom resource of a CRD installed by someone else
    installCrd();
    repo = createTestRepo('crd-gone', { dev: { 'k8s-resources/app.yaml': tree('Gadget') } });
    const config = join(repo.root, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '1h' },
        environments: [
          {
            name: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace: ns },
            driftInterval: '2s',
          },
        ],
        audit: { dir: join(repo.root, 'audit'), keyFile: auditKeyFile(repo.root) },
        server: { port: 0 },
      }),
    );
    const sync = async () => {
      const result = await runCli(['sync', '--config', config, '--env', 'dev', '--json']);
      return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
    };
    expect((await sync()).code).toBe(0);
    expect(gadgetThere()).toBe(true);

    // When the CRD is deleted out of band (its objects go with it) under a running controller
    run = watchChild(startCli(['run', '--config', config]));
    await until('the controller started', () => run!.output().includes('controller started'));
    kubectl('delete', 'crd', crdName, '--wait=true');

    // Then its drift pass fails on the kind, not to stall, and re-creates the object by itself once
    // the CRD is back, with no sync and no new commit
    await until('a failed reconcile in the controller', () => run!.output().includes('kube.unknown-kind'));
    expect(run.output()).not.toContain('environment stalled');
    installCrd();
    await until('the gadget re-created', gadgetThere, 90);
    expect(run.output()).not.toContain('environment stalled');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    // And a fresh process says the kind is no longer served and that it retries
    kubectl('delete', 'crd', crdName, '--wait=true');
    const gone = await sync();
    expect(gone.code).toBe(1);
    expect(gone.entry.failure).toMatchObject({ code: 'kube.unknown-kind', retryable: true });
    expect(gone.entry.failure!.message).toContain(
      `the server no longer serves kind Gadget in apiVersion ${group}/v1`,
    );

    // And a kind this environment never applied (a typo in a new commit) still fails terminally
    installCrd();
    repo.commit('dev', 'typo', { 'k8s-resources/app.yaml': tree('Gadjet') });
    const typo = await sync();
    expect(typo.code).toBe(1);
    expect(typo.entry.failure).toMatchObject({ code: 'kube.unknown-kind', retryable: false });
    expect(typo.entry.failure!.message).toContain(
      `the server serves no kind Gadjet in apiVersion ${group}/v1`,
    );
  });
});
