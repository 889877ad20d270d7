import {
  bindingTransform,
  findBindings,
  KNOWN_AFTER_APPLY,
  outputsTransform,
  valuesInSecrets,
} from '../../../controller/kube/aws-bindings';
import type { Manifest } from '../../../controller/kube/types';
import { isCairnError } from '../../../controller/model/errors';
import { forgetSecrets, rememberSecrets } from '../../../controller/model/secret-mask';
import { shownValue } from '../../../controller/kube/aws-bindings';

const FILE = 'k8s-resources/app/config.yaml';
const TEXT = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'data:',
  '  url: ${aws:app-data.QueueUrl}',
  '  arn: "${aws:app-data.RoleArn}"',
  '  literal: $${aws:app-data.QueueUrl}',
  '  shell: echo $${HOME}',
].join('\n');
const outputs = new Map([
  [
    'app-data',
    new Map([
      ['QueueUrl', 'http://localhost:5000/123456789012/jobs'],
      ['RoleArn', 'arn:aws:iam::123456789012:role/app'],
    ]),
  ],
]);

describe('${aws:<stack>.<key>} in manifests', () => {
  it('finds each reference with its line, leaving the escape out', () => {
    expect(findBindings(FILE, TEXT)).toEqual([
      { file: FILE, line: 4, stackName: 'app-data', outputKey: 'QueueUrl' },
      { file: FILE, line: 5, stackName: 'app-data', outputKey: 'RoleArn' },
    ]);
  });

  it('puts each value in place, turns $${aws: into ${aws: and leaves any other $${ alone', () => {
    const out = outputsTransform(outputs)(FILE, TEXT);
    expect(out.split('\n').slice(3)).toEqual([
      '  url: http://localhost:5000/123456789012/jobs',
      '  arn: "arn:aws:iam::123456789012:role/app"',
      '  literal: ${aws:app-data.QueueUrl}',
      '  shell: echo $${HOME}',
    ]);
  });

  it.each([
    ['a missing output', new Map([['app-data', new Map([['QueueUrl', 'u']])]]), 'app-data.RoleArn', 5],
    ['a missing stack', new Map(), 'app-data.QueueUrl', 4],
  ])('fails %s with aws.output-missing naming file, line and key', (_what, known, key, line) => {
    // Given outputs that lack one reference; When the file is transformed; Then it throws terminal
    let thrown: unknown;
    try {
      outputsTransform(known)(FILE, TEXT);
    } catch (error) {
      thrown = error;
    }
    expect(isCairnError(thrown)).toBe(true);
    expect(thrown).toMatchObject({
      code: 'aws.output-missing',
      retryable: false,
      subject: `${FILE}:${line}`,
    });
    expect((thrown as Error).message).toContain(`\${aws:${key}}`);
  });

  it('refuses a value spanning lines, which could add YAML structure', () => {
    const hostile = new Map([['app-data', new Map([['QueueUrl', 'x\nkind: Secret']])]]);
    expect(() => outputsTransform(hostile)(FILE, '  url: ${aws:app-data.QueueUrl}')).toThrow(/spans lines/);
  });

  it('stands (known after apply) for a value a plan cannot know, and masks shown values', () => {
    const planned = bindingTransform(() => KNOWN_AFTER_APPLY)(FILE, '  url: ${aws:app-data.QueueUrl}');
    expect(planned).toBe(`  url: ${KNOWN_AFTER_APPLY}`);
    rememberSecrets(['s3cr3t-value-123']);
    expect(shownValue('prefix-s3cr3t-value-123')).toBe('prefix-[masked]');
    forgetSecrets();
  });
});

describe('valuesInSecrets', () => {
  const object = (kind: string, rest: object): Manifest => ({
    object: { apiVersion: 'v1', kind, metadata: { name: 'x' }, ...rest },
    file: 'k8s-resources/x.yaml',
    documentIndex: 0,
  });

  it.each([
    ['stringData', object('Secret', { stringData: { password: 'hunter2-output' } }), true],
    [
      'data, base64-encoded (a chart b64enc)',
      object('Secret', { data: { p: Buffer.from('user:hunter2-output').toString('base64') } }),
      true,
    ],
    ['a label', object('Secret', { metadata: { name: 'x', labels: { v: 'hunter2-output' } } }), true],
    ['a ConfigMap', object('ConfigMap', { data: { password: 'hunter2-output' } }), false],
  ])('finds a value bound into %s', (_where, manifest, found) => {
    const values = ['hunter2-output', 'elsewhere'];
    expect([...valuesInSecrets([manifest], values)]).toEqual(found ? ['hunter2-output'] : []);
  });

  it("leaves a Secret's apiVersion out: a short value such as 1 is not found in v1", () => {
    expect([...valuesInSecrets([object('Secret', { type: 'Opaque' })], ['1', 'v1', 'Secret'])]).toEqual([]);
  });
});
