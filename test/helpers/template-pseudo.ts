/**
 * The pseudo parameters of the template checks' unit tests: one environment's region, account and
 * partition, as cairn fills them in from the environment's target.
 */
export const PSEUDO = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111111111111',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};
