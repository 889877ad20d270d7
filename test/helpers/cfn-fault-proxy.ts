import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A node:http proxy in front of moto_server that makes CloudFormation behave the way moto cannot:
 * failed stacks, resource events with reasons, busy stacks, throttling. Rules are per stack name,
 * so tests sharing moto never disturb each other; everything else is forwarded untouched.
 */
export interface FaultRule {
  readonly stackName: string;
  /** Rewrite StackStatus in DescribeStacks answers for this stack to this value. */
  readonly status?: string;
  readonly statusReason?: string;
  /** Rewrite the status only in the first N DescribeStacks answers (default: until disarmed). */
  readonly statusTimes?: number;
  /** Stop rewriting the status once this action is sent for the stack (e.g. DeleteStack). */
  readonly until?: string;
  /** Resource events added to DescribeStackEvents answers for this stack. */
  readonly events?: readonly InjectedEvent[];
  /** Answer the first N requests naming this stack with a Throttling error. */
  readonly throttle?: number;
  /** Actions answered by the proxy with an empty success instead of forwarding (moto lacks them). */
  readonly answer?: readonly string[];
  /** Rewrite Status in DescribeChangeSet answers for this stack's change sets (e.g. stuck CREATE_IN_PROGRESS). */
  readonly changeSetStatus?: string;
  /**
   * Describe this stack as CloudFormation describes a nested stack, which moto does not: its
   * `ParentId` and `RootId`, and the tags of its parent, which CloudFormation propagates to it.
   */
  readonly nestedIn?: { readonly stackId: string; readonly tags: readonly { Key: string; Value: string }[] };
}

export interface InjectedEvent {
  readonly logicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason: string;
}

/** One CloudFormation request that went through the proxy. */
export interface SeenRequest {
  readonly action: string;
  readonly stackName?: string;
  /** The access key id that signed it (from the SigV4 Authorization header). */
  readonly accessKeyId?: string;
  /** The request's form parameters as sent (`RoleARN`, `Capabilities.member.1`, ...). */
  readonly params?: Readonly<Record<string, string>>;
}

/** Any signed request that went through the proxy: which service, which action, which key signed it. */
export interface SignedRequest {
  readonly service: string;
  readonly accessKeyId: string;
  /** The form's Action for query APIs (CloudFormation, STS), absent for REST and JSON APIs. */
  readonly action?: string;
  /** For STS AssumeRole: the role and session name asked for. */
  readonly roleArn?: string;
  readonly sessionName?: string;
  /** The HTTP method and path (an S3 PutObject is a PUT on `/<bucket>/<key>`). */
  readonly method?: string;
  readonly path?: string;
}

/** Temporary credentials an STS answer (AssumeRole, AssumeRoleWithWebIdentity) handed out, as moto made them. */
export interface IssuedCredentials {
  readonly action: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** A running proxy: its URL (an AWS endpoint), its rules, and the CloudFormation requests it saw. */
export interface CfnFaultProxy {
  readonly url: string;
  readonly requests: readonly SeenRequest[];
  /** Every signed request, of any service (S3, SSM, STS included). */
  readonly signed: readonly SignedRequest[];
  /** Every set of credentials STS handed out through the proxy (an unsigned web-identity call's too). */
  readonly issued: readonly IssuedCredentials[];
  /** Answers STS AssumeRole for this role with AccessDenied, as IAM does when the trust policy says no. */
  refuseAssumeRole(roleArn: string): void;
  /** Forwards AssumeRole for this role again (undoes refuseAssumeRole). */
  allowAssumeRole(roleArn: string): void;
  addRule(rule: FaultRule): void;
  /** Calls `hook` when a CloudFormation request of `action` arrives, before it is forwarded. */
  onAction(action: string, hook: (request: SeenRequest) => void): void;
  /**
   * Calls `hook` once moto has answered a CloudFormation request of `action`, and sends that answer
   * on only when `hook` has settled: the client then acts on what it read while `hook` changed
   * things (a race run in a fixed order). Undone by passing undefined.
   */
  holdAnswer(action: string, hook: ((request: SeenRequest) => Promise<void>) | undefined): void;
  /** Answers the next `times` CloudFormation requests of `action` (any stack) with a Throttling error. */
  throttleNext(action: string, times: number): void;
  /**
   * Answers the next `times` CloudFormation requests with SignatureDoesNotMatch, whose message
   * quotes the canonical request as AWS's query APIs do (its signed headers' values included, so
   * `x-amz-security-token` too): what a wrong secret key or a proxy that rewrites a header gets.
   */
  refuseSignatureNext(times: number): void;
  /**
   * Answers the next `times` AssumeRoleWithWebIdentity requests with InvalidIdentityToken, as STS
   * does for a token its identity provider does not vouch for; the message quotes the token, as a
   * misconfigured or hostile proxy in front of STS could (STS's own message does not).
   */
  refuseWebIdentityNext(times: number): void;
  removeRules(stackName: string): void;
  close(): Promise<void>;
}

interface ArmedRule {
  readonly rule: FaultRule;
  statusLeft: number;
  throttleLeft: number;
  eventTime?: string;
}

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** `arn:aws:cloudformation:r:a:stack/NAME/uuid` or `NAME` → `NAME`. */
export function stackNameOf(value: string | null): string | undefined {
  if (!value) return undefined;
  const arn = /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([^/]+)\//.exec(value);
  return arn ? arn[1] : value;
}

/**
 * Adds `ParentId`, `RootId` and the parent's tags to the named stacks of a DescribeStacks answer, as
 * CloudFormation answers for a nested stack (moto gives a nested stack neither, and no tags).
 */
export function describeAsNested(
  xml: string,
  nestedIn: (stackName: string) => FaultRule['nestedIn'],
): string {
  return xml.replace(/<member><StackId>[\s\S]*?<EnableTerminationProtection>/g, (member) => {
    const name = /<StackName>([^<]*)<\/StackName>/.exec(member)?.[1];
    const parent = name === undefined ? undefined : nestedIn(name);
    if (!parent) return member;
    const tags = parent.tags
      .map((t) => `<member><Key>${t.Key}</Key><Value>${t.Value}</Value></member>`)
      .join('');
    return member
      .replace(/<Tags\/>|<Tags>[\s\S]*?<\/Tags>/, `<Tags>${tags}</Tags>`)
      .replace(
        /<\/StackStatus>/,
        `</StackStatus><ParentId>${parent.stackId}</ParentId><RootId>${parent.stackId}</RootId>`,
      );
  });
}

/** Replaces StackStatus (and adds a reason) for the named stacks in a DescribeStacks answer. */
export function rewriteStatuses(
  xml: string,
  statusFor: (stackName: string) => { readonly status: string; readonly reason?: string } | undefined,
): string {
  let current: string | undefined;
  return xml.replace(
    /<StackName>([^<]*)<\/StackName>|<StackStatus>([^<]*)<\/StackStatus>/g,
    (match, name?: string) => {
      if (name !== undefined) {
        current = name;
        return match;
      }
      const rewrite = current === undefined ? undefined : statusFor(current);
      if (!rewrite) return match;
      const reason = rewrite.reason ? `<StackStatusReason>${rewrite.reason}</StackStatusReason>` : '';
      return `<StackStatus>${rewrite.status}</StackStatus>${reason}`;
    },
  );
}

function eventXml(stackName: string, event: InjectedEvent, index: number, time: string): string {
  return (
    `<member><EventId>cairn-fault-${stackName}-${index}</EventId><StackName>${stackName}</StackName>` +
    `<StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/fault</StackId>` +
    `<LogicalResourceId>${event.logicalId}</LogicalResourceId><PhysicalResourceId></PhysicalResourceId>` +
    `<ResourceType>${event.type}</ResourceType><Timestamp>${time}</Timestamp>` +
    `<ResourceStatus>${event.status}</ResourceStatus><ResourceStatusReason>${event.reason}</ResourceStatusReason></member>`
  );
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const throttlingXml = () =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

/**
 * AWS's message for a request whose signature it does not accept: it quotes the canonical request it
 * expected, the values of the signed headers included (so `x-amz-security-token`).
 */
export function signatureMismatchMessage(req: IncomingMessage, body: Buffer): string {
  const signed = /SignedHeaders=([^,]+)/.exec(req.headers.authorization ?? '')?.[1]?.split(';') ?? [];
  const url = new URL(req.url ?? '/', 'http://aws');
  const canonical = [
    req.method ?? 'POST',
    url.pathname,
    url.search.slice(1),
    ...signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}`),
    '',
    signed.join(';'),
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  return (
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n' +
    `The Canonical String for this request should have been\n'${canonical}'\n\n`
  );
}

/** SignatureDoesNotMatch as AWS's query APIs (CloudFormation, STS) answer it. */
function signatureMismatchXml(req: IncomingMessage, body: Buffer): string {
  const escaped = signatureMismatchMessage(req, body)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  return `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>${escaped}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

const accessDeniedXml = (roleArn: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/cairn is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

const invalidIdentityTokenXml = (token: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Couldn't verify the web identity token ${token}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

const successXml = (action: string) =>
  `<${action}Response xmlns="${NS}"><${action}Result/><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;

/** Starts the proxy on 127.0.0.1 (a random port) in front of `target` (moto_server's URL). */
export async function startCfnFaultProxy(target: string): Promise<CfnFaultProxy> {
  const upstream = new URL(target);
  const rules: ArmedRule[] = [];
  const requests: SeenRequest[] = [];
  const signed: SignedRequest[] = [];
  const issued: IssuedCredentials[] = [];
  const refusedRoles = new Set<string>();
  const throttledActions = new Map<string, number>();
  let signatureRefusals = 0;
  let webIdentityRefusals = 0;
  const hooks = new Map<string, (request: SeenRequest) => void>();
  const holds = new Map<string, (request: SeenRequest) => Promise<void>>();
  const ruleFor = (name: string | undefined, pick: (r: ArmedRule) => boolean) =>
    name === undefined ? undefined : rules.find((r) => r.rule.stackName === name && pick(r));

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const credential = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
    const [accessKeyId, service] = [credential?.[1], credential?.[2]];
    const isCfn = service === 'cloudformation';
    // AssumeRoleWithWebIdentity is sent unsigned: its form alone says it is STS.
    const unsignedSts = !credential && /^Action=AssumeRoleWithWebIdentity&/.test(body.toString('utf8'));
    const isQuery = isCfn || service === 'sts' || unsignedSts;
    const form = isQuery ? new URLSearchParams(body.toString('utf8')) : undefined;
    const action = form?.get('Action') ?? undefined;
    const stackName = isCfn ? stackNameOf(form?.get('StackName') ?? null) : undefined;
    if (accessKeyId && service) {
      const roleArn = form?.get('RoleArn') ?? undefined;
      const sessionName = form?.get('RoleSessionName') ?? undefined;
      signed.push({
        service,
        accessKeyId,
        ...(action ? { action } : {}),
        ...(roleArn ? { roleArn } : {}),
        ...(sessionName ? { sessionName } : {}),
        ...(req.method ? { method: req.method } : {}),
        ...(req.url ? { path: req.url } : {}),
      });
      if (service === 'sts' && action === 'AssumeRole' && roleArn && refusedRoles.has(roleArn))
        return sendXml(res, 403, accessDeniedXml(roleArn));
    }
    if (action === 'AssumeRoleWithWebIdentity' && webIdentityRefusals > 0) {
      webIdentityRefusals -= 1;
      return sendXml(res, 400, invalidIdentityTokenXml(form?.get('WebIdentityToken') ?? ''));
    }
    let seen: SeenRequest | undefined;
    if (isCfn && action) {
      seen = {
        action,
        ...(stackName ? { stackName } : {}),
        ...(accessKeyId ? { accessKeyId } : {}),
        ...(form ? { params: Object.fromEntries(form.entries()) } : {}),
      };
      requests.push(seen);
      hooks.get(action)?.(seen);
    }

    if (isCfn && signatureRefusals > 0) {
      signatureRefusals -= 1;
      return sendXml(res, 403, signatureMismatchXml(req, body));
    }
    const left = action ? (throttledActions.get(action) ?? 0) : 0;
    if (action && left > 0) {
      throttledActions.set(action, left - 1);
      return sendXml(res, 400, throttlingXml());
    }
    const throttled = ruleFor(stackName, (r) => r.throttleLeft > 0);
    if (throttled) {
      throttled.throttleLeft -= 1;
      return sendXml(res, 400, throttlingXml());
    }
    for (const armed of rules.filter((r) => r.rule.stackName === stackName && r.rule.until === action))
      armed.statusLeft = 0;
    if (action && ruleFor(stackName, (r) => r.rule.answer?.includes(action) ?? false))
      return sendXml(res, 200, successXml(action));

    const answer = await forward(req, body);
    const hold = action && seen ? holds.get(action) : undefined;
    if (hold && seen) await hold(seen);
    if (!isQuery) {
      // S3 and the JSON APIs pass through as they came: bytes, and a HEAD's length of the object.
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    let text = answer.body.toString('utf8');
    const granted = /<Credentials>([^]*?)<\/Credentials>/.exec(text)?.[1];
    if (action?.startsWith('AssumeRole') && answer.status === 200 && granted) {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(granted)?.[1] ?? '';
      issued.push({
        action,
        accessKeyId: field('AccessKeyId'),
        secretAccessKey: field('SecretAccessKey'),
        sessionToken: field('SessionToken'),
      });
    }
    if (action === 'DescribeStacks' && answer.status === 200) {
      text = describeAsNested(
        text,
        (name) => ruleFor(name, (r) => r.rule.nestedIn !== undefined)?.rule.nestedIn,
      );
      text = rewriteStatuses(text, (name) => {
        const armed = ruleFor(name, (r) => r.statusLeft > 0);
        if (!armed?.rule.status) return undefined;
        armed.statusLeft -= 1;
        return {
          status: armed.rule.status,
          ...(armed.rule.statusReason ? { reason: armed.rule.statusReason } : {}),
        };
      });
    }
    if (action === 'DescribeChangeSet' && answer.status === 200) {
      const owner = /<StackName>([^<]*)<\/StackName>/.exec(text)?.[1];
      const stuck = ruleFor(owner, (r) => r.rule.changeSetStatus !== undefined);
      if (stuck)
        text = text.replace(/<Status>[^<]*<\/Status>/, `<Status>${stuck.rule.changeSetStatus}</Status>`);
    }
    const withEvents = ruleFor(stackName, (r) => (r.rule.events?.length ?? 0) > 0);
    if (action === 'DescribeStackEvents' && answer.status === 200 && withEvents && stackName) {
      withEvents.eventTime ??= new Date().toISOString();
      const injected = withEvents.rule
        .events!.map((e, i) => eventXml(stackName, e, i, withEvents.eventTime!))
        .join('');
      text = text.replace(/<StackEvents>|<StackEvents\/>/, (m) =>
        m.endsWith('/>') ? `<StackEvents>${injected}</StackEvents>` : `${m}${injected}`,
      );
    }
    const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers);
    res.end(text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: Error) =>
        sendXml(res, 502, `<Error>${error.message}</Error>`),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    signed,
    issued,
    refuseAssumeRole(roleArn) {
      refusedRoles.add(roleArn);
    },
    allowAssumeRole(roleArn) {
      refusedRoles.delete(roleArn);
    },
    addRule(rule) {
      rules.push({
        rule,
        statusLeft: rule.status ? (rule.statusTimes ?? Number.POSITIVE_INFINITY) : 0,
        throttleLeft: rule.throttle ?? 0,
      });
    },
    onAction(action, hook) {
      hooks.set(action, hook);
    },
    holdAnswer(action, hook) {
      if (hook) holds.set(action, hook);
      else holds.delete(action);
    },
    refuseSignatureNext(times) {
      signatureRefusals = times;
    },
    refuseWebIdentityNext(times) {
      webIdentityRefusals = times;
    },
    throttleNext(action, times) {
      throttledActions.set(action, times);
    },
    removeRules(name) {
      for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.rule.stackName === name) rules.splice(i, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
