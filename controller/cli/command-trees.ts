import { Command, Help } from 'commander';

/**
 * The commands whose definitions live in their own (heavy) modules: how the top-level help lists
 * them. A command line that does not name one of them gets a stub with these words instead of the
 * module, so `cairn --help` and usage errors load none of the audit, Git or Kubernetes libraries.
 * A unit test checks these against the real definitions.
 */
export const COMMAND_TREES = {
  audit: { term: 'audit', description: 'read, verify and repair the audit trail' },
  revert: {
    term: 'revert [options] <entry>',
    description:
      "undo an audit entry's commits with a revert commit pushed to the environment's branch (or, with --pr, a pull request); cairn then applies it like any commit. Needs the git binary (2.38 or newer).",
  },
  suspend: {
    term: 'suspend [options] <env>',
    description:
      'stop reconciling an environment (not even drift) until `cairn resume`; recorded in the ledger',
  },
  resume: {
    term: 'resume [options] <env>',
    description: 'reconcile a suspended environment again: its branch head, and any hand edit made meanwhile',
  },
  promote: {
    term: 'promote [options] <env>',
    description:
      'apply the head a promotion gate holds back, without waiting (needs --force; recorded in the ledger)',
  },
  'synth-runner': {
    term: 'synth-runner [options]',
    description:
      'run CDK apps for a controller in another container, over a Unix socket (aws.synth.isolation: sidecar)',
  },
} as const;

/** The name of a command tree. */
export type TreeName = keyof typeof COMMAND_TREES;

const stubTerms = new WeakMap<Command, string>();

/** A help-only stand-in for a tree: its name and description, nothing to run. */
export function treeStub(name: TreeName): Command {
  const stub = new Command(name).description(COMMAND_TREES[name].description);
  stubTerms.set(stub, COMMAND_TREES[name].term);
  return stub;
}

/** Help that lists a stub with the real command's term (`revert [options] <entry>`). */
export class TreeHelp extends Help {
  override subcommandTerm(cmd: Command): string {
    return stubTerms.get(cmd) ?? super.subcommandTerm(cmd);
  }
}
