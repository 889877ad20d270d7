import type { KubeApplier } from '../../../controller/kube/types';
import type { KubeKit } from './kube-kit';

/** A Namespace manifest. */
export const nsDoc = (ns: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;

/** A ConfigMap manifest (in the target's namespace) with `data` and, when given, `annotations` (flow-map text). */
export const cm = (name: string, data: Record<string, string> = { k: 'v' }, annotations = ''): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${annotations ? `  annotations: {${annotations}}\n` : ''}data: ${JSON.stringify(data)}\n`;

/** The files of namespace `ns` holding one plain ConfigMap per name, each in `<name>.yaml`. */
export function configMapFiles(ns: string, ...names: readonly string[]): Record<string, string> {
  return { 'ns.yaml': nsDoc(ns), ...Object.fromEntries(names.map((n) => [`${n}.yaml`, cm(n)])) };
}

/**
 * How the prune and ownership cases drive an applier: a commit is a set of files made into a
 * workspace by `kit`, loaded, then planned or applied, the steps the controller takes.
 */
export function workspaceApplies(kit: KubeKit) {
  const applyFiles = async (applier: KubeApplier, files: Record<string, string>) =>
    applier.apply(await applier.load(await kit.workspace(files)));
  return {
    applyFiles,
    planFiles: async (applier: KubeApplier, files: Record<string, string>) =>
      applier.plan(await applier.load(await kit.workspace(files))),
    /**
     * The given most prune cases start from: a fresh namespace named after `label`, an applier of
     * a fresh environment targeting it, and ConfigMaps a, b and c applied there.
     */
    async abcApplied(label: string): Promise<{ readonly ns: string; readonly applier: KubeApplier }> {
      const ns = kit.name(label);
      const applier = kit.applier(kit.name('env'), kit.target(ns));
      await applyFiles(applier, configMapFiles(ns, 'a', 'b', 'c'));
      return { ns, applier };
    },
  };
}
