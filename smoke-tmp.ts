import { createKubeApplier } from './controller/kube/create-kube-applier';
import { createLog } from './controller/log';
(async () => {
  const a = createKubeApplier('smoke', { kubeconfig: '/work/main/.sandbox/kubeconfig', context: 'sandbox', namespace: 'smoke-ns1', forceConflicts: false, pruneMaxShare: 0.5, allowMassPrune: false, healthTimeoutMs: 2000, concurrency: 8 }, createLog({ level: 'debug' }));
  const m = await a.load('/tmp/kube-smoke');
  console.log(m.map((x) => JSON.stringify(x.object.metadata)));
  console.log(JSON.stringify(await a.plan(m), null, 1).slice(0, 1500));
  let r = await a.apply(m);
  console.log(r.ok, r.error?.message, r.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.action} ${o.durationMs} ${o.error ?? ''}`));
  r = await a.apply(m);
  console.log(r.ok, r.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.action} ${o.durationMs}`));
  r = await a.apply(m, { drift: true });
  console.log(r.ok, r.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.action} ${o.durationMs}`));
  process.exit(0);
})();
