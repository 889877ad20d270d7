import { renderPlan } from '../../../controller/cli/render-plan';

describe('renderPlan', () => {
  it('prints each stack with its resources, each object, the diffs and a count, in the model vocabulary', () => {
    // given a plan with a stack update, a stack left because prune is off, and two objects
    const text = renderPlan({
      env: 'dev',
      sha: 'abc1234'.padEnd(40, '0'),
      aws: {
        changes: [
          { target: 'aws', subject: 'data', action: 'configured' },
          { target: 'aws', subject: 'data/Queue', action: 'created', type: 'AWS::SQS::Queue' },
          {
            target: 'aws',
            subject: 'data/Bucket',
            action: 'configured',
            type: 'AWS::S3::Bucket',
            replacement: 'conditional',
          },
          { target: 'aws', subject: 'old', action: 'skipped', reason: 'aws.prune is off' },
        ],
      },
      kubernetes: {
        changes: [
          {
            target: 'kubernetes',
            subject: 'ConfigMap/apps/settings',
            action: 'configured',
            type: 'v1',
            file: 'k8s-resources/settings.yaml',
            diff: '-   a: "1"\n+   a: "2"',
          },
          { target: 'kubernetes', subject: 'Deployment/apps/web', action: 'deleted', type: 'apps/v1' },
        ],
      },
    });
    // then it reads as one list per plane, with the diff and the totals of resources and objects
    expect(text.split('\n')).toEqual([
      `plan for dev at abc1234${'0'.repeat(5)}`,
      '',
      'AWS stacks:',
      '  configured    data',
      '    created     data/Queue   AWS::SQS::Queue',
      '    configured  data/Bucket  AWS::S3::Bucket  may replace',
      '  skipped       old                           aws.prune is off',
      '',
      'Kubernetes objects:',
      '  configured  ConfigMap/apps/settings  v1',
      '  deleted     Deployment/apps/web      apps/v1',
      '',
      '--- ConfigMap/apps/settings (k8s-resources/settings.yaml)',
      '  -   a: "1"',
      '  +   a: "2"',
      '',
      '1 to create, 2 to configure, 1 to delete, 1 skipped, 0 unchanged',
    ]);
  });

  it('says when a plane has no target or nothing to do', () => {
    const text = renderPlan({ env: 'dev', sha: 'a'.repeat(40), aws: null, kubernetes: { changes: [] } });
    expect(text).toContain('AWS stacks:\n  (no aws-resources/ or no aws target)');
    expect(text).toContain('Kubernetes objects:\n  nothing');
  });

  it('lists the AWS outputs bound into manifests with their values or (known after apply)', () => {
    const text = renderPlan({
      env: 'dev',
      sha: 'a'.repeat(40),
      aws: { changes: [] },
      kubernetes: { changes: [] },
      bindings: [
        { file: 'k8s-resources/queue.yaml', line: 7, key: 'dev-data.QueueUrl', value: '(known after apply)' },
        { file: 'k8s-resources/sa.yaml', line: 5, key: 'dev-iam.RoleArn', value: 'arn:aws:iam::1:role/app' },
      ],
    });
    expect(text).toContain(
      [
        'AWS outputs bound into manifests:',
        '  ${aws:dev-data.QueueUrl} = (known after apply)  (k8s-resources/queue.yaml:7)',
        '  ${aws:dev-iam.RoleArn} = arn:aws:iam::1:role/app  (k8s-resources/sa.yaml:5)',
        '',
        'Kubernetes objects:',
      ].join('\n'),
    );
  });

  it('prints each API server warning beside its object, naming the file, and none for a quiet plan', () => {
    // given a plan whose Deployment the server warned about twice (Pod Security) and an Endpoints once
    const web = {
      target: 'kubernetes' as const,
      subject: 'Deployment/a/web',
      action: 'unchanged' as const,
      type: 'apps/v1',
      file: 'k8s-resources/app.yaml',
      warnings: ['would violate PodSecurity "restricted:latest": runAsNonRoot != true', 'second'],
    };
    const endpoints = {
      target: 'kubernetes' as const,
      subject: 'Endpoints/a/legacy',
      action: 'created' as const,
      type: 'v1',
      file: 'k8s-resources/endpoints.yaml',
      warnings: ['v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice'],
    };
    const warned = renderPlan({
      env: 'dev',
      sha: 'a'.repeat(40),
      aws: null,
      kubernetes: { changes: [web, endpoints] },
    });
    const quiet = renderPlan({
      env: 'dev',
      sha: 'a'.repeat(40),
      aws: null,
      kubernetes: { changes: [{ ...web, warnings: undefined }] },
    });
    // then one line per warning follows the object list; a plan without any has no such section
    expect(warned).toContain(
      [
        '  created    Endpoints/a/legacy  v1',
        '',
        'Warnings from the API server',
        '  k8s-resources/app.yaml: Deployment/a/web: would violate PodSecurity "restricted:latest": runAsNonRoot != true',
        '  k8s-resources/app.yaml: Deployment/a/web: second',
        '  k8s-resources/endpoints.yaml: Endpoints/a/legacy: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
        '',
      ].join('\n'),
    );
    expect(quiet).not.toContain('Warnings');
  });
});
