import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient } from '../../../controller/kube/kube-client';
import { MAX_WARNING_LENGTH, MAX_WARNINGS, warningsOf } from '../../../controller/kube/server-warnings';

const POD_SECURITY =
  '299 - "would violate PodSecurity \\"restricted:latest\\": runAsNonRoot != true (pod or container \\"c\\" must set securityContext.runAsNonRoot=true)"';

describe('warningsOf', () => {
  it.each([
    ['no Warning header', ['Content-Type', 'application/json'], undefined],
    [
      'one deprecation, as the API server words it',
      ['Warning', '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"'],
      ['v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice'],
    ],
    [
      'escaped quotes and a comma inside the text',
      ['Warning', POD_SECURITY],
      [
        'would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
      ],
    ],
    [
      'several headers, any case, others between them',
      ['Warning', '299 - "first"', 'Audit-Id', 'x', 'warning', '299 - "second"'],
      ['first', 'second'],
    ],
    [
      'several warning-values in one header, one with a date',
      ['Warning', '299 - "a, b", 299 kube "c" "Sat, 25 Aug 2012 23:34:45 GMT"'],
      ['a, b', 'c'],
    ],
    ['the same warning twice', ['Warning', '299 - "dup"', 'Warning', '299 - "dup"'], ['dup']],
    ['a value not in the 299 form, kept as it is', ['Warning', 'disk almost full'], ['disk almost full']],
    [
      'control characters, which would reach a terminal',
      ['Warning', '299 - "red \u001b[31mtext\u0007 here"'],
      ['red  [31mtext  here'],
    ],
    ['an empty text', ['Warning', '299 - ""'], undefined],
  ])('%s', (_, headers, expected) => {
    expect(warningsOf(headers)).toEqual(expected);
  });

  it('keeps at most MAX_WARNINGS, the last saying how many more there were', () => {
    // given 50 distinct warnings
    const headers = Array.from({ length: 50 }, (_, i) => ['Warning', `299 - "w${i}"`]).flat();
    // when they are read
    const warnings = warningsOf(headers)!;
    // then the first 19 are kept and the 20th counts the other 31
    expect(warnings).toHaveLength(MAX_WARNINGS);
    expect(warnings.slice(0, 2)).toEqual(['w0', 'w1']);
    expect(warnings[MAX_WARNINGS - 1]).toBe('(and 31 more warnings from the API server)');
  });

  it('cuts a warning at MAX_WARNING_LENGTH characters, also from a header of many values', () => {
    // given one warning of 5,000 characters, and a header of 100 values
    const long = warningsOf(['Warning', `299 - "${'x'.repeat(5_000)}"`])!;
    const many = warningsOf(['Warning', Array.from({ length: 100 }, (_, i) => `299 - "v${i}"`).join(', ')])!;
    // then the first is cut with an ellipsis, and the second kept to the cap
    expect(long[0]).toHaveLength(MAX_WARNING_LENGTH);
    expect(long[0]!.endsWith('…')).toBe(true);
    expect(many).toHaveLength(MAX_WARNINGS);
  });
});

// Node joins a header sent twice into one value with ", " in `headers`; the texts contain commas,
// so the client must read each header as sent.
describe('kube client warnings', () => {
  let server: Server;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/warned')) {
        res.setHeader('Warning', [
          '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"',
          POD_SECURITY,
        ]);
      }
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(tmpdir(), 'cairn-kube-warnings-'));
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        `clusters: [{name: k, cluster: {server: "http://127.0.0.1:${(server.address() as AddressInfo).port}"}}]`,
        'contexts: [{name: c, context: {cluster: k, user: u}}]',
        'users: [{name: u, user: {token: t0ken}}]',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each Warning header as one warning, and none when there was none', async () => {
    // given a server that warns twice on one path and not on another
    const client = createKubeClient({ kubeconfig: join(dir, 'kubeconfig'), concurrency: 1 });
    try {
      // when both are requested
      const warned = await client.request({ method: 'PATCH', path: '/warned', body: '{}' });
      const quiet = await client.request({ method: 'GET', path: '/quiet' });
      // then the first answer carries both texts, unquoted, and the second no warnings field
      expect(warned.warnings).toEqual([
        'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
        'would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
      ]);
      expect(quiet).toEqual({ status: 200, body: {} });
    } finally {
      client.close();
    }
  });
});
