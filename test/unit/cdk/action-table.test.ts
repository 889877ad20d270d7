import { actionTable } from '../../../cdk/deploy/action-table';

describe('actionTable', () => {
  it('maps each action to the sentence of its group', () => {
    const table = actionTable('T', (group) => {
      group('changes a', 'svc:one', 'svc:two');
      group('changes b', 'svc:three');
    });
    expect([...table]).toEqual([
      ['svc:one', 'changes a'],
      ['svc:two', 'changes a'],
      ['svc:three', 'changes b'],
    ]);
  });

  it('fails at load, naming the table and the action, when an action is in two groups', () => {
    expect(() =>
      actionTable('ACCOUNT_SETTINGS', (group) => {
        group('changes a', 'svc:one');
        group('changes b', 'svc:two', 'svc:one');
      }),
    ).toThrow('ACCOUNT_SETTINGS: svc:one is in two groups; keep it in one');
  });
});
