import { createHash, randomBytes } from 'node:crypto';
import { MAX_TEMPLATE_BYTES, readAssemblyFile } from '../assembly-files';
import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  type Change,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CairnError, DEFAULT_AWS_CAPABILITIES, type AwsCapability } from '../../controller/model';
import { BOOTSTRAP, CAIRN_KEYS, objectUrl } from './aws-clients';
import { describeStack, waitForChangeSet, waitForStack } from './cfn-wait';
import { executionRole, type StackContext, type TemplateReader } from './stack-context';
import { fencedWrite } from '../../controller/model/fenced-write';
import { failedFirstCreate, recover } from './stack-recovery';
import { failedStack, stackEndedFailure, stackErrorFailure } from './stack-changes';
import type { ResourceChange, StackArtifact, StackOutcome } from '../types';
import { assertStackOwner } from './stack-owner';
import {
  assertImportsInBounds,
  assertJsonTemplate,
  assertNoMacroDefinitions,
  assertNoMacros,
  assertProvidersInBounds,
  assertResourceTypesInBounds,
  declaredExports,
  literalText,
  nestedStacks,
  ownProvider,
  s3Object,
  stackTemplate,
  type NestedStack,
  type ProviderBounds,
  type StackTemplate,
} from './template-bounds';
import { assertGrantsInBounds } from './template-grants';
import { assertReferencesInBounds } from './template-references';
import { assertTargetsInBounds, targetKind, type TargetBounds, type TargetKind } from './template-targets';
import { templateAdds } from './template-adds';
import { assertNoAdoptedNames, makingIds, nestedMaking } from './adopted-names';
import { assetFileAt } from './asset-bounds';
import { partitionOf } from './stack-identity';
import { putOnce } from './shared-bucket';

/** CloudFormation's limit for an inline template body; larger ones go through S3. */
export const TEMPLATE_BODY_LIMIT = 51_200;
/** The tag that marks a stack as this environment's, so removed stacks can be found and pruned. */
export const ENV_TAG = 'cairn:environment';

export type { StackContext } from './stack-context';

type Prepared =
  | { readonly kind: 'no-op' }
  | {
      readonly kind: 'change-set';
      readonly arn: string;
      readonly create: boolean;
      readonly changes: readonly ResourceChange[];
    };

const EMPTY_CHANGE_SET = /didn't contain changes|No updates are to be performed|no changes/i;

function toChange(change: Change): ResourceChange {
  const rc = change.ResourceChange ?? {};
  return {
    logicalId: rc.LogicalResourceId ?? '?',
    ...(rc.PhysicalResourceId ? { physicalId: rc.PhysicalResourceId } : {}),
    type: rc.ResourceType ?? '?',
    action: (rc.Action ?? 'Modify') as ResourceChange['action'],
    replacement: (rc.Replacement as ResourceChange['replacement']) ?? null,
  };
}

function sameEntries(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function normalized(template: string): string {
  try {
    return JSON.stringify(JSON.parse(template));
  } catch {
    return template;
  }
}

async function templateArgument(
  ctx: StackContext,
  artifact: StackArtifact,
  body: string,
): Promise<{ TemplateBody: string } | { TemplateURL: string }> {
  if (Buffer.byteLength(body) <= TEMPLATE_BODY_LIMIT) return { TemplateBody: body };
  const bucket = BOOTSTRAP.bucket(ctx.target);
  const key = `${CAIRN_KEYS}templates/${artifact.stackName}/${createHash('sha256').update(body).digest('hex')}.json`;
  // Named by its own digest: an object already at the key with these bytes is this template.
  await putOnce(
    (ctx.uploads ?? ctx.clients).s3,
    { Bucket: bucket, Key: key, ContentType: 'application/json' },
    { bytes: Buffer.from(body) },
    `stack ${artifact.stackName}`,
    ctx.fence,
  );
  return { TemplateURL: objectUrl(ctx.target, bucket, key) };
}

/**
 * The capabilities a change set is created with: the environment's, and for a plan never
 * CAPABILITY_AUTO_EXPAND. CloudFormation ignores that capability on change sets, so it is
 * boundedTemplate, not the capability, that keeps a macro (code run by CloudFormation) from
 * running for unmerged code or for an environment that does not list it.
 */
export function capabilitiesFor(ctx: StackContext, mode: 'plan' | 'deploy'): readonly AwsCapability[] {
  const configured = ctx.target.capabilities ?? DEFAULT_AWS_CAPABILITIES;
  return mode === 'plan' ? configured.filter((c) => c !== 'CAPABILITY_AUTO_EXPAND') : configured;
}

/** A template file of the assembly (a stack's, or a nested stack's asset), bounded in size and parsed once. */
function readTemplate(file: string, subject: string): StackTemplate {
  return stackTemplate(
    readAssemblyFile(file, MAX_TEMPLATE_BYTES, `${subject} template`, 'CloudFormation takes').toString(
      'utf8',
    ),
  );
}

/**
 * A reader for one plan or apply that reads and parses each template file once, whoever asks
 * (importableExports, then boundedTemplate for each stack, before and at its deploy); a refused
 * read is refused again with the same error. Found in review: each template (up to 1 MiB) was read
 * and parsed two or three times. What it holds is dropped with the plan or apply.
 */
export function templateReader(): TemplateReader {
  const read = new Map<string, { template: StackTemplate } | { error: unknown }>();
  return (file, subject) => {
    const key = `${file}\0${subject}`;
    let known = read.get(key);
    if (!known) {
      try {
        known = { template: readTemplate(file, subject) };
      } catch (error) {
        known = { error };
      }
      read.set(key, known);
    }
    if ('error' in known) throw known.error;
    return known.template;
  };
}

/** How deep nested stacks are followed; CloudFormation itself allows more, an app rarely needs two. */
const MAX_NESTING = 5;

/**
 * What each stack of the app may import (by artifact id): the exports the stacks it depends on,
 * directly or not, always make. Only an export of a stack that deploys first is sure to be the
 * app's own when the importer deploys: found in review, a stack declaring another environment's
 * export name under a false condition (or failing on the name, taken) let a stack that did not
 * depend on it import the other environment's export. A template that cannot be read adds none:
 * its own boundedTemplate fails that stack. With `exportsOf`, only those exports (providerExports:
 * the ones a custom resource may call).
 */
export function importableExports(
  stacks: readonly StackArtifact[],
  read: TemplateReader = readTemplate,
  exportsOf: (template: StackTemplate) => readonly string[] = declaredExports,
): ReadonlyMap<string, ReadonlySet<string>> {
  const declared = new Map<string, readonly string[]>();
  for (const artifact of stacks) {
    try {
      const template = read(artifact.templateFile, `stack ${artifact.stackName}`);
      declared.set(artifact.id, exportsOf(template));
    } catch {
      declared.set(artifact.id, []);
    }
  }
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const importable = new Map<string, ReadonlySet<string>>();
  for (const stack of stacks) {
    const names = new Set<string>();
    const seen = new Set<string>();
    const pending = [...stack.dependencies];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (seen.has(id) || !byId.has(id)) continue;
      seen.add(id);
      for (const name of declared.get(id) ?? []) names.add(name);
      pending.push(...byId.get(id)!.dependencies);
    }
    importable.set(stack.id, names);
  }
  return importable;
}

/**
 * Reads the stack's template (bounded in size) and refuses one that calls a macro the mode does
 * not allow (see assertNoMacros): only a deploy whose capabilities list CAPABILITY_AUTO_EXPAND
 * may; and one that imports what the app does not export (see assertImportsInBounds). Its nested
 * stacks' templates are held to the same bounds, so each must be a file the stack publishes as an
 * asset (see nestedTemplate). Returns the stack's template, parsed once.
 */
export function boundedTemplate(
  ctx: StackContext,
  artifact: StackArtifact,
  mode: 'plan' | 'deploy',
): StackTemplate {
  const template = (ctx.templates ?? readTemplate)(artifact.templateFile, `stack ${artifact.stackName}`);
  const providers = {
    listed: ctx.target.serviceTokens ?? [],
    pseudo: pseudoParameters(ctx),
    imported: ctx.ownProviders ?? new Set<string>(),
  };
  const targets = {
    listed: ctx.target.externalTargets ?? [],
    pseudo: pseudoParameters(ctx),
    imported: ctx.ownTargets ?? new Map<string, string>(),
  };
  checkTemplate(ctx, artifact, template, artifact.stackName, mode, 0, providers, targets);
  return template;
}

/** The pseudo parameters' values for the environment's target, as CloudFormation will resolve them. */
function pseudoParameters(ctx: StackContext): Readonly<Record<string, string>> {
  const { region, account } = ctx.target;
  const partition = partitionOf(region);
  return {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
  };
}

function checkTemplate(
  ctx: StackContext,
  artifact: StackArtifact,
  template: StackTemplate,
  name: string,
  mode: 'plan' | 'deploy',
  depth: number,
  providers: ProviderBounds,
  targets: TargetBounds,
): void {
  const phase = mode === 'plan' ? 'plan' : 'apply-aws';
  assertJsonTemplate(name, template, phase);
  const macros = capabilitiesFor(ctx, mode).includes('CAPABILITY_AUTO_EXPAND');
  assertNoMacros(name, template, macros, phase);
  const trusted = (ctx.target.capabilities ?? DEFAULT_AWS_CAPABILITIES).includes('CAPABILITY_AUTO_EXPAND');
  assertNoMacroDefinitions(name, template, trusted, phase);
  assertImportsInBounds(name, template, ctx.ownExports ?? new Set(), ctx.target.imports ?? [], phase);
  assertResourceTypesInBounds(name, template, ctx.target.resourceTypes ?? [], phase);
  assertProvidersInBounds(name, template, providers, phase);
  const read = ctx.templates ?? readTemplate;
  // What a nested stack's template may name: its parent's resources passed as parameters (the
  // CDK's NestedStack passes them so); and what its parent may name of it: its outputs that are.
  const nestedTargets = (nested: NestedStack): TargetBounds => ({
    ...targets,
    fromParent: (parameter) => targetKind(template, nested.parameters[parameter], ownBounds),
    passed: nested.parameters,
    nestedOutput: undefined,
  });
  const following = new Set<string>();
  const ownBounds: TargetBounds = {
    ...targets,
    nestedOutput: (logicalId, output) => {
      // A cycle of outputs and parameters between nested stacks names nothing (CloudFormation refuses it).
      const key = JSON.stringify([logicalId, output]);
      if (following.has(key)) return undefined;
      following.add(key);
      try {
        return nestedOutputKind(logicalId, output);
      } finally {
        following.delete(key);
      }
    },
  };
  const nestedOutputKind = (logicalId: string, output: string): TargetKind | undefined => {
    const nested = nestedStacks(template).find((n) => n.logicalId === logicalId);
    if (!nested) return undefined;
    const file = nestedTemplate(ctx, artifact, nested.templateUrl, depth);
    if (typeof file !== 'string') return undefined; // refused below, naming why
    const child = read(file, `stack ${name}, nested stack ${logicalId}`);
    const outputs = (child.parsed as { Outputs?: unknown } | undefined)?.Outputs;
    if (!outputs || typeof outputs !== 'object' || !Object.hasOwn(outputs, output)) return undefined;
    const value = (outputs as Record<string, { Value?: unknown } | null>)[output]?.Value;
    return targetKind(child, value, nestedTargets(nested));
  };
  assertTargetsInBounds(name, template, ownBounds, phase);
  const grants = {
    ...ownBounds,
    bootstrapBucket: BOOTSTRAP.bucket(ctx.target),
    bootstrapVersion: BOOTSTRAP.versionParameter(ctx.target),
    named: ctx.ownNamed ?? new Set<string>(),
    stackName: artifact.stackName,
    accountWideReads: ctx.target.accountWideReads === true,
  };
  assertGrantsInBounds(name, template, grants, phase);
  assertReferencesInBounds(name, template, grants, phase);
  for (const nested of nestedStacks(template)) {
    const where = `${name}, nested stack ${nested.path.split('.')[1]}`;
    const file = nestedTemplate(ctx, artifact, nested.templateUrl, depth);
    if (typeof file !== 'string') {
      throw new CairnError(`${nested.path} ${file.why}: cairn checks a nested stack's template first`, {
        code: 'aws.out-of-bounds',
        phase,
        retryable: false,
        subject: `stack ${artifact.stackName}`,
        hint: "nest only templates the stack publishes as file assets to the environment's bootstrap bucket (the CDK's NestedStack does), at most 5 deep",
      });
    }
    // A nested stack's provider may be its parent's, passed as a parameter (the CDK's NestedStack does).
    const fromParent = (parameter: string) => ownProvider(template, nested.parameters[parameter], providers);
    checkTemplate(
      ctx,
      artifact,
      read(file, `stack ${where}`),
      where,
      mode,
      depth + 1,
      { ...providers, fromParent },
      nestedTargets(nested),
    );
  }
}

/**
 * The assembly file a nested stack's `TemplateURL` names, or why none: CloudFormation reads that
 * URL itself, with the execution role, so a template anywhere else (another bucket, anyone's
 * public one, an object an earlier commit left) would escape every check of templates. Found in
 * review: a nested stack's template imported another environment's export past
 * assertImportsInBounds (test/integration/cdk/import-bounds.test.ts).
 */
function nestedTemplate(
  ctx: StackContext,
  artifact: StackArtifact,
  templateUrl: unknown,
  depth: number,
): string | { readonly why: string } {
  if (depth >= MAX_NESTING) return { why: `is nested more than ${MAX_NESTING} deep` };
  const text = literalText(templateUrl, pseudoParameters(ctx));
  if (text === undefined) return { why: 'is not a literal URL' };
  const object = s3Object(text);
  const file = object && assetFileAt(object, artifact, ctx.target);
  return file ?? { why: "is not a file this stack publishes to the environment's bootstrap bucket" };
}

/**
 * The stack a change set would update, or undefined when deploying creates the stack: there is
 * none (or only a deleted one), an empty REVIEW_IN_PROGRESS stack (a CREATE change set never
 * executed: it holds no resources, and a deploy makes its own CREATE change set on it), or a failed
 * first create, which a deploy deletes before it creates the stack again (recover).
 */
function updatable(stack: Stack | undefined): Stack | undefined {
  if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS' || failedFirstCreate(stack.StackStatus))
    return undefined;
  return stack;
}

/**
 * Creates and describes a change set for the stack; an unchanged template or an empty change set is
 * a no-op. `beforeChangeSet` (a deploy's asset publishing) runs only once a change set is needed:
 * a template that did not change names the same content-addressed assets, already published when
 * it was deployed, so an apply that changes one stack of many does not check every other's.
 */
async function prepare(
  ctx: StackContext,
  artifact: StackArtifact,
  sha: string,
  existing: Stack | undefined,
  template: StackTemplate,
  mode: 'plan' | 'deploy',
  beforeChangeSet?: () => Promise<void>,
): Promise<Prepared> {
  const { cfn } = ctx.clients;
  const { body } = template;
  const usable = updatable(existing);
  const tags: Record<string, string> = { ...artifact.tags, [ENV_TAG]: ctx.envTag };
  if (usable) {
    const current = await cfn.send(
      new GetTemplateCommand({ StackName: artifact.stackName, TemplateStage: 'Original' }),
    );
    // The same template and tags cannot change anything; skip the change set round trips.
    const sameTags = sameEntries(
      Object.fromEntries((usable.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      tags,
    );
    const mine = template.parsed === undefined ? body : JSON.stringify(template.parsed);
    if (sameTags && current.TemplateBody && normalized(current.TemplateBody) === mine)
      return { kind: 'no-op' };
  }
  await beforeChangeSet?.();
  const where = await templateArgument(ctx, artifact, body);
  const created = await cfn.send(
    fencedWrite(
      new CreateChangeSetCommand({
        StackName: artifact.stackName,
        ChangeSetName: `cairn-${sha.slice(0, 7)}-${randomBytes(3).toString('hex')}`,
        ChangeSetType: usable ? 'UPDATE' : 'CREATE',
        Capabilities: [...capabilitiesFor(ctx, mode)],
        ...executionRole(ctx),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        Description: `cairn ${ctx.env} ${sha.slice(0, 12)}`,
        ...where,
      }),
      ctx.fence,
    ),
  );
  const arn = created.Id!;
  // Addressed by ARN: a change set name is only unique within its stack.
  const described = await waitForChangeSet(cfn, arn, {
    stackName: artifact.stackName,
    timeoutMs: ctx.target.deployTimeoutMs,
  });
  if (described.Status === 'CREATE_COMPLETE') {
    return { kind: 'change-set', arn, create: !usable, changes: (described.Changes ?? []).map(toChange) };
  }
  await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: arn })).catch(() => undefined);
  if (EMPTY_CHANGE_SET.test(described.StatusReason ?? '')) return { kind: 'no-op' };
  throw new CairnError(`change set failed: ${described.StatusReason ?? 'no reason given'}`, {
    code: 'aws.change-set',
    phase: 'apply-aws',
    subject: `stack ${artifact.stackName}`,
  });
}

/**
 * Refuses a queue or topic the changes add under a name someone outside the app holds (see
 * assertNoAdoptedNames), in the stack's template and in the templates of the nested stacks the
 * changes add or modify (whose own changes the parent's change set does not list).
 */
async function checkNames(
  ctx: StackContext,
  artifact: StackArtifact,
  template: StackTemplate,
  changes: readonly ResourceChange[] | 'all',
  phase: 'plan' | 'apply-aws',
  where = artifact.stackName,
  depth = 0,
): Promise<void> {
  if (!ctx.adoption) return;
  const pseudo = pseudoParameters(ctx);
  // A nested stack's name is CloudFormation's choice (parent, logical id, random suffix): unknown here.
  const names = depth === 0 ? { ...pseudo, 'AWS::StackName': artifact.stackName } : pseudo;
  const making = changes === 'all' ? 'all' : makingIds(changes);
  await assertNoAdoptedNames(where, template, making, ctx.adoption, names, phase);
  for (const nested of nestedStacks(template)) {
    if (changes !== 'all' && !nestedMaking(changes, nested.logicalId)) continue;
    const file = nestedTemplate(ctx, artifact, nested.templateUrl, depth);
    if (typeof file !== 'string') continue; // boundedTemplate has refused it already, naming why
    const child = (ctx.templates ?? readTemplate)(file, `stack ${where}, nested stack ${nested.logicalId}`);
    await checkNames(
      ctx,
      artifact,
      child,
      'all',
      phase,
      `${where}, nested stack ${nested.logicalId}`,
      depth + 1,
    );
  }
}

/**
 * What deploying the stack would do. A stack a deploy would update is planned from a described
 * (never executed) change set, which is then deleted. A stack a deploy would create (see
 * updatable) is planned from its template, as `cdk diff` plans it (templateAdds): a CREATE change
 * set would make the stack itself, and a plan holds no Lease, so it never creates or deletes a
 * stack. Found in review: the plan deleted the empty REVIEW_IN_PROGRESS stack its CREATE change
 * set had made, while the environment's sync had found that stack, executed its own change set on
 * it and still read it REVIEW_IN_PROGRESS: the sync's new stack was deleted. The same checks run
 * either way (ownership, the template's size and macros). Never throws: a failure comes back as a
 * `skipped` outcome with its Failure, so one bad stack does not hide the plan of the others.
 */
export async function planStack(
  ctx: StackContext,
  artifact: StackArtifact,
  sha: string,
): Promise<StackOutcome> {
  const started = Date.now();
  const name = artifact.stackName;
  try {
    const existing = await describeStack(ctx.clients.cfn, name);
    assertStackOwner(name, existing, ctx, ctx.target.adopt);
    const template = boundedTemplate(ctx, artifact, 'plan');
    if (!updatable(existing)) {
      const status = existing?.StackStatus;
      const reason = failedFirstCreate(status)
        ? `replaces the stack a failed first create left ${status}`
        : undefined;
      const changes = templateAdds(name, template);
      await checkNames(ctx, artifact, template, changes, 'plan');
      return {
        stackName: name,
        action: 'created',
        ...(reason ? { reason } : {}),
        changes,
        durationMs: Date.now() - started,
      };
    }
    const prepared = await prepare(ctx, artifact, sha, existing, template, 'plan');
    if (prepared.kind === 'no-op')
      return { stackName: name, action: 'unchanged', changes: [], durationMs: Date.now() - started };
    await ctx.clients.cfn
      .send(new DeleteChangeSetCommand({ ChangeSetName: prepared.arn }))
      .catch(() => undefined);
    await checkNames(ctx, artifact, template, prepared.changes, 'plan');
    return {
      stackName: name,
      action: prepared.create ? 'created' : 'configured',
      changes: prepared.changes,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return failedStack(
      name,
      Date.now() - started,
      { ...stackErrorFailure(name, error), phase: 'plan' },
      'plan failed',
    );
  }
}

/**
 * Deploys one stack through a change set, publishing its assets with `publishAssets` first when the
 * stack's template changed (after its owner is checked). A failure comes back as a `skipped`
 * outcome with its Failure (code, retryable, CloudFormation's failing resources and reasons); it
 * never throws.
 */
export async function deployStack(
  ctx: StackContext,
  artifact: StackArtifact,
  sha: string,
  publishAssets?: () => Promise<void>,
): Promise<StackOutcome> {
  const started = Date.now();
  const name = artifact.stackName;
  let assetsFailed = false;
  const publish =
    publishAssets &&
    (() =>
      publishAssets().catch((error: unknown) => {
        assetsFailed = true;
        throw error;
      }));
  const done = (o: Omit<StackOutcome, 'stackName' | 'durationMs'>): StackOutcome => ({
    stackName: name,
    durationMs: Date.now() - started,
    ...o,
  });
  try {
    const { cfn } = ctx.clients;
    const described = await describeStack(cfn, artifact.stackName);
    // Before recovery too: recovering (deleting a ROLLBACK_COMPLETE stack) is already a change.
    assertStackOwner(artifact.stackName, described, ctx, ctx.target.adopt);
    const existing = await recover(ctx, described);
    if (existing?.StackStatus === 'UPDATE_ROLLBACK_FAILED') {
      // Needs a person: the same push would meet the same stuck resources.
      return failedStack(
        name,
        Date.now() - started,
        {
          code: 'aws.rollback-failed',
          phase: 'apply-aws',
          retryable: false,
          subject: name,
          message: `stack ${name} is still UPDATE_ROLLBACK_FAILED after ContinueUpdateRollback: ${existing.StackStatusReason ?? 'no reason given'}; continue the rollback skipping the stuck resources (--resources-to-skip), then push again`,
        },
        'ended UPDATE_ROLLBACK_FAILED',
      );
    }
    const template = boundedTemplate(ctx, artifact, 'deploy');
    const prepared = await prepare(ctx, artifact, sha, existing, template, 'deploy', publish);
    if (prepared.kind === 'no-op') {
      ctx.log.info({ stack: name, action: 'unchanged' }, 'stack unchanged');
      return done({ action: 'unchanged', changes: [] });
    }
    try {
      await checkNames(ctx, artifact, template, prepared.changes, 'apply-aws');
    } catch (error) {
      // Nothing of it is executed; the change set is not left behind for someone to execute.
      await cfn.send(new DeleteChangeSetCommand({ ChangeSetName: prepared.arn })).catch(() => undefined);
      throw error;
    }
    const since = new Date();
    await cfn.send(fencedWrite(new ExecuteChangeSetCommand({ ChangeSetName: prepared.arn }), ctx.fence));
    const { stack, failures } = await waitForStack(cfn, name, {
      log: ctx.log,
      since,
      timeoutMs: ctx.target.deployTimeoutMs,
      reviewIsPending: prepared.create,
    });
    const status = stack?.StackStatus ?? 'DELETED';
    if (status !== 'CREATE_COMPLETE' && status !== 'UPDATE_COMPLETE') {
      const reasons =
        failures.length > 0 ? failures.join('; ') : (stack?.StackStatusReason ?? 'no reason given');
      return failedStack(
        name,
        Date.now() - started,
        stackEndedFailure(name, status, reasons),
        `ended ${status}`,
      );
    }
    const action = prepared.create ? 'created' : 'configured';
    ctx.log.info(
      { stack: name, action, changes: prepared.changes.length, durationMs: Date.now() - started },
      'stack deployed',
    );
    return done({ action, changes: prepared.changes });
  } catch (error) {
    return failedStack(
      name,
      Date.now() - started,
      stackErrorFailure(name, error),
      assetsFailed ? 'assets not published' : undefined,
    );
  }
}

/** Deletes a stack that disappeared from the app (only when the environment prunes). */
export async function deleteStack(ctx: StackContext, stackName: string): Promise<StackOutcome> {
  const started = Date.now();
  try {
    await ctx.clients.cfn.send(
      fencedWrite(new DeleteStackCommand({ StackName: stackName, ...executionRole(ctx) }), ctx.fence),
    );
    const { stack, failures } = await waitForStack(ctx.clients.cfn, stackName, {
      log: ctx.log,
      since: new Date(),
      timeoutMs: ctx.target.deployTimeoutMs,
    });
    if (stack) {
      const status = String(stack.StackStatus);
      const failure = stackEndedFailure(stackName, status, failures.join('; ') || 'no reason given');
      return failedStack(stackName, Date.now() - started, failure, `ended ${status}`);
    }
    return { stackName, action: 'deleted', changes: [], durationMs: Date.now() - started };
  } catch (error) {
    return failedStack(stackName, Date.now() - started, stackErrorFailure(stackName, error));
  }
}
