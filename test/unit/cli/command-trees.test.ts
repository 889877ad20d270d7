import { program } from '../../../controller/cli/main';

/**
 * `cairn --help` lists the audit, revert and synth-runner trees from stubs (their modules load
 * the audit, Git and Kubernetes libraries); the listing must read exactly as the real trees'.
 */
describe('the command trees behind stubs', () => {
  it('top-level help with stubs is the same text as with every tree loaded', () => {
    const stubbed = program(['--help']);
    const real = program(['--help'], 'all');
    expect(stubbed.helpInformation()).toBe(real.helpInformation());
    expect(stubbed.helpInformation()).toContain('revert [options] <entry>');
  });

  it.each([['audit'], ['revert'], ['synth-runner']])(
    'naming %s (or `help %s`) loads the real tree, with its own options and subcommands',
    (tree) => {
      for (const argv of [[tree], ['help', tree]]) {
        const command = program(argv).commands.find((c) => c.name() === tree)!;
        expect(command.commands.length + command.options.length).toBeGreaterThan(0);
      }
    },
  );

  it.each([[['validate', '--config', 'c.yaml']], [['--help']], [['--version']], [['deploy']]])(
    '%j stands in stubs for every tree (their modules are not loaded)',
    (argv) => {
      for (const tree of ['audit', 'revert', 'synth-runner']) {
        const command = program(argv).commands.find((c) => c.name() === tree)!;
        expect(command.commands.length + command.options.length).toBe(0);
      }
    },
  );
});
