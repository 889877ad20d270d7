import tls from 'node:tls';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from './kube-kit';

const kit = kubeKit('preconnect');
afterAll(() => kit.cleanup());

/** Counts the TLS connections this process opens while `work` runs (Node's agent opens each with `tls.connect`). */
async function connectionsOpenedBy(work: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const connect = tls.connect;
  (tls as { connect: unknown }).connect = (...args: Parameters<typeof tls.connect>) => {
    opened++;
    return connect(...args);
  };
  try {
    await work();
  } finally {
    (tls as { connect: unknown }).connect = connect;
  }
  return opened;
}

const version = (client: KubeClient) => client.request({ method: 'GET', path: '/version' });

describe('connections opened ahead of a burst', () => {
  it('carry the burst: its requests open no connection of their own', async () => {
    // given a client of the real kube-apiserver that has made one request
    const client = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 8 });
    expect(await connectionsOpenedBy(() => version(client))).toBe(1);
    // when it opens connections for 8 requests at once, then sends them
    const ahead = await connectionsOpenedBy(async () => {
      client.preconnect!(8);
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const burst = await connectionsOpenedBy(async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => version(client)));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    });
    // then 7 were opened ahead (one was open), and the burst opened none
    expect(ahead).toBe(7);
    expect(burst).toBe(0);
    client.close();
  });

  it('stop once a burst that came first opened its own: no more in all than the burst uses', async () => {
    // given a client of the real kube-apiserver that has made one request
    const client = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 8 });
    await version(client);
    // when it is asked for 8 connections and the 8 requests go out in the same turn, before any
    // was opened ahead (each then opens its own), and the client is left time to open the rest
    const opened = await connectionsOpenedBy(async () => {
      client.preconnect!(8);
      const answers = await Promise.all(Array.from({ length: 8 }, () => version(client)));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    // then 7 were opened in all (one was open): none beside the burst's for nothing. Counted once
    // at the start, the connections ahead were opened all the same: 14.
    expect(opened).toBe(7);
    client.close();
  });

  it('are not opened before the first request, nor beyond what is open already', async () => {
    const client = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 8 });
    expect(await connectionsOpenedBy(async () => client.preconnect!(8))).toBe(0);
    await Promise.all(Array.from({ length: 3 }, () => version(client)));
    expect(await connectionsOpenedBy(async () => client.preconnect!(2))).toBe(0);
    client.close();
  });

  it('are not opened once the client is closed', async () => {
    const client = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 8 });
    await version(client);
    const opened = await connectionsOpenedBy(async () => {
      client.preconnect!(8);
      client.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    expect(opened).toBe(0);
  });
});

describe('an apply', () => {
  it('opens connections for the objects it is to create, once, and none on a pass that finds them in place', async () => {
    const real = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 4 });
    const asked: number[] = [];
    const client: KubeClient = {
      server: real.server,
      request: (req) => real.request(req),
      preconnect: (sockets) => {
        asked.push(sockets);
        real.preconnect!(sockets);
      },
      close: () => real.close(),
    };
    const namespace = kit.name('ns');
    const applier = createKubeApplier(
      { env: 'preconnect', repository: 'https://git.example.com/platform/preconnect.git' },
      kit.target(namespace, { concurrency: 8 }),
      silentLog(),
      { client },
    );
    const cms = Array.from(
      { length: 12 },
      (_, i) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${namespace}}\ndata: {i: "${i}"}`,
    );
    const ws = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'cms.yaml': cms.join('\n---\n'),
    });
    const fresh = await applier.apply(await applier.load(ws));
    expect(fresh.failure).toBeUndefined();
    expect(asked).toEqual([8]);
    const again = await applier.apply(await applier.load(ws));
    expect(again.failure).toBeUndefined();
    expect(again.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(asked).toEqual([8]);
    await applier.close();
    client.close();
  });
});
