import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureMismatchMessage } from './cfn-fault-proxy';

/**
 * An HTTP proxy in front of moto_server's DynamoDB that records each request's operation
 * (`X-Amz-Target`, e.g. `DynamoDB_20120810.Query`) and, while `failing` names an operation,
 * answers it with a 500 InternalServerError instead of forwarding it (moto never fails on its own).
 * Requests are forwarded one at a time, in arrival order. Why: moto_server answers requests on
 * threads, and its TransactWriteItems is not atomic across them: a transaction that fails restores
 * the whole table from a copy taken when it began, erasing a transaction that succeeded on another
 * thread meanwhile. Real DynamoDB has no such race; through this proxy, two writers still race
 * each other's read-then-write (the conflict the audit chain must survive) without moto losing a
 * committed write. With nothing failing or dropped, it is only that serializing proxy.
 */
export interface DynamoDbFaultProxy {
  /** `http://127.0.0.1:<port>`, an SDK endpoint. */
  readonly url: string;
  /** The operation of every request seen, in order. */
  readonly targets: readonly string[];
  /** Operations (short names: `PutItem`, `TransactWriteItems`) answered with a 500 until healed. */
  readonly failing: Set<string>;
  /**
   * Operations answered with InvalidSignatureException until removed, its message quoting the
   * canonical request as AWS's does (the session token's header included).
   */
  readonly refusingSignature: Set<string>;
  /** Operations forwarded to moto whose answer is then dropped (the connection cut), until removed. */
  readonly dropAnswers: Set<string>;
  /** How many requests were answered with a 500. */
  failed(): number;
  /**
   * SIGKILLs `pid` at the `nth` request (1-based, counted from now) of `operation` (a short name):
   * before it is forwarded (it never reaches moto), or with `after` once moto has answered it (the
   * write landed, the client never learns it). Later requests are forwarded as usual.
   */
  killAt(pid: number, nth: number, operation: string, after: boolean): void;
  /** Whether the armed kill happened. */
  killed(): boolean;
  /**
   * SIGSTOPs `pid` at its next request of `operation` (a short name) and answers that request with
   * a 500 instead of forwarding it: the write never reaches moto, and the client's retry of it is
   * sent only once the process is thawed (a replica paused right before a ledger append). Resolves
   * once it is frozen.
   */
  freezeAt(pid: number, operation: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `target` (moto_server's URL). */
export async function startDynamoDbFaultProxy(target: string): Promise<DynamoDbFaultProxy> {
  const upstream = new URL(target);
  const targets: string[] = [];
  const failing = new Set<string>();
  const dropAnswers = new Set<string>();
  const refusingSignature = new Set<string>();
  let failed = 0;
  let armed: { pid: number; left: number; operation: string; after: boolean; fired: boolean } | undefined;
  let freeze: { pid: number; operation: string; frozen: () => void } | undefined;
  let tail: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '');
      targets.push(operation);
      const short = operation.split('.').pop() ?? '';
      let killAfter = false;
      if (armed && !armed.fired && armed.operation === short && --armed.left === 0) {
        if (!armed.after) {
          armed.fired = true;
          process.kill(armed.pid, 'SIGKILL');
          req.socket.destroy();
          return;
        }
        killAfter = true;
      }
      const frozen = freeze?.operation === short ? freeze : undefined;
      if (frozen) {
        freeze = undefined;
        process.kill(frozen.pid, 'SIGSTOP');
        frozen.frozen();
      }
      if (frozen || failing.has(short)) {
        failed += 1;
        const body = JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
          message: 'injected by the test proxy',
        });
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
        return;
      }
      const body = Buffer.concat(chunks);
      if (refusingSignature.has(short)) {
        const refusal = JSON.stringify({
          __type: 'com.amazon.coral.service#InvalidSignatureException',
          message: signatureMismatchMessage(req, body),
        });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(refusal);
        return;
      }
      const drop = dropAnswers.has(operation.split('.').pop() ?? '');
      tail = tail.then(
        () =>
          new Promise<void>((done) => {
            const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
            const out = request(
              { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
              (answer) => {
                if (killAfter && armed) {
                  answer.resume();
                  answer.on('end', () => {
                    armed!.fired = true;
                    process.kill(armed!.pid, 'SIGKILL');
                    req.socket.destroy();
                    done();
                  });
                  return;
                }
                if (drop) {
                  answer.resume();
                  answer.on('end', () => {
                    req.socket.destroy();
                    done();
                  });
                  return;
                }
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
                answer.on('end', done);
                answer.on('error', done);
              },
            );
            out.on('error', (error) => {
              res.writeHead(502).end(String(error));
              done();
            });
            out.end(body);
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    failing,
    refusingSignature,
    dropAnswers,
    failed: () => failed,
    killAt(pid, nth, operation, after) {
      armed = { pid, left: nth, operation, after, fired: false };
    },
    killed: () => armed?.fired ?? false,
    freezeAt: (pid, operation) =>
      new Promise<void>((frozen) => {
        freeze = { pid, operation, frozen };
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
