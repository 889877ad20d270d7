// The table of tagging actions that take no resource type, judged by hand: kept apart from
// ACCOUNT_SETTINGS (account-settings.ts) because what they change is not a setting every
// environment shares but one resource's tags, picked by the ARN or id the request carries; the
// refusal says so in its own words. template-grants.ts reads both.

import { actionTable } from './action-table';

/**
 * The actions that take no resource type and tag or untag any resource of their service by the ARN,
 * id or name in the request (IAM gives the action no resource to bound, so it is granted only on
 * `*`, every environment's), each with what it tags, lower case; the refusal quotes it. Tags are
 * authority in AWS: policies with `aws:ResourceTag/...` conditions (which platform teams use to
 * scope one environment's roles to its own resources, and which the services below read:
 * servicediscovery, mpa, workspaces, transcribe) and cost allocation read them, so that a's role
 * tagging b's resource with a's tags gives a's roles b's resource, and untagging it takes b's away.
 * Found by reading every resourceless action AWS files under Tagging in the release
 * RESOURCELESS_TAGGING is generated from (32), and the resourceless Write actions whose names
 * name a tag; judged against each API's reference (a `ResourceArn`, `ResourceId` or `DomainName`
 * in the request). Of the 32, not here (TAGGING_DECIDED_ELSEWHERE says why): the two that list
 * tags, STS's (bounded apart), Lake Formation's LF-tags (ACCOUNT_SETTINGS: their tags grant data)
 * and the Tagging API's (`tag:TagResources` needs the tagged service's own tagging action too,
 * which this table or the resource bound decides). Outside Tagging: `aoss:TagResource` and
 * `UntagResource` (filed under Write), Cognito's principal tag map, Service Catalog's TagOptions.
 * Decided here, and only here; passes only where `aws.externalTargets` lists the resource as
 * written (`*`: an environment trusted with the whole account). The CDK grants none of these
 * (aws-cdk-lib 2.276, searched as `service:Action` and by name).
 */
export const RESOURCELESS_TAG_WRITES: ReadonlyMap<string, string> = actionTable(
  'RESOURCELESS_TAG_WRITES',
  (group) => {
    group(
      "any Cloud Map namespace's or service's tags by its ARN, which ABAC conditions on registering and discovering its instances read",
      'servicediscovery:tagresource',
      'servicediscovery:untagresource',
    );
    group(
      "any OpenSearch Serverless collection's tags by its ARN (filed under Write)",
      'aoss:tagresource',
      'aoss:untagresource',
    );
    group(
      "any Transcribe job's, vocabulary's, vocabulary filter's or custom language model's tags by its ARN",
      'transcribe:tagresource',
      'transcribe:untagresource',
    );
    group(
      "any WorkSpace's, directory's, bundle's, image's or IP access group's tags by its id",
      'workspaces:createtags',
      'workspaces:deletetags',
    );
    group(
      "any multi-party approval team's or identity source's tags by its ARN, which its approvals' aws:ResourceTag conditions read",
      'mpa:tagresource',
      'mpa:untagresource',
    );
    group(
      "any registered domain's tags by its name",
      'route53domains:updatetagsfordomain',
      'route53domains:deletetagsfordomain',
    );
    group(
      "any CloudWatch Application Insights application's tags by its ARN",
      'applicationinsights:tagresource',
      'applicationinsights:untagresource',
    );
    group(
      "any Billing and Cost Management dashboard's tags by its ARN",
      'bcm-dashboards:tagresource',
      'bcm-dashboards:untagresource',
    );
    group(
      "any Service Quotas quota's tags by its ARN",
      'servicequotas:tagresource',
      'servicequotas:untagresource',
    );
    group(
      "any OpsWorks for Chef Automate or Puppet Enterprise server's or backup's tags by its ARN",
      'opsworks-cm:tagresource',
      'opsworks-cm:untagresource',
    );
    group("any Migration Hub resource's tags by its ARN", 'mgh:tagresource', 'mgh:untagresource');
    group("any Honeycode workbook's tags by its ARN", 'honeycode:tagresource', 'honeycode:untagresource');
    group(
      "any Inspector Classic assessment template's tags by its ARN, replaced whole",
      'inspector:settagsforresource',
    );
    group(
      "the account's Application Discovery Service inventory: any configuration item's tags by its id",
      'discovery:createtags',
      'discovery:deletetags',
    );
    group(
      "the principal tags any Cognito identity pool's users get, by the pool's id: which claims of its identity provider become the session tags aws:PrincipalTag conditions read (filed under Write)",
      'cognito-identity:setprincipaltagattributemap',
    );
    group(
      'any Service Catalog TagOption by its id: the tag Service Catalog puts on every product provisioned from the portfolios and products it is associated with (filed under Write)',
      'servicecatalog:updatetagoption',
      'servicecatalog:deletetagoption',
    );
  },
);

/**
 * The resourceless actions AWS files under Tagging that RESOURCELESS_TAG_WRITES leaves out, each
 * with why, lower case: so that a release that adds one fails the table's test until it is judged.
 */
export const TAGGING_DECIDED_ELSEWHERE: ReadonlyMap<string, string> = new Map([
  ['bcm-pricing-calculator:listtagsforresource', 'lists the tags of a resource: no write'],
  ['honeycode:listtagsforresource', 'lists the tags of a resource: no write'],
  ['lakeformation:addlftagstoresource', 'ACCOUNT_SETTINGS: LF-tags grant data, a setting of the catalog'],
  [
    'lakeformation:removelftagsfromresource',
    'ACCOUNT_SETTINGS: LF-tags grant data, a setting of the catalog',
  ],
  [
    'sts:taggetwebidentitytoken',
    "STS is bounded apart: the caller's own token, refused on * as any sts: action",
  ],
  [
    'tag:tagresources',
    "tags nothing without the tagged service's own tagging action, which this table (or the resource bound, for one that takes a resource type) decides",
  ],
  [
    'tag:untagresources',
    "untags nothing without the tagged service's own tagging action, which this table (or the resource bound) decides",
  ],
]);
