// Generated from manifests-schema/cairn-config.schema.json by `npm run generate:config-types`.
// Do not edit: change the schema and run the script (test/unit/config/config-types.test.ts fails when this is stale).

/**
 * The controller's configuration file (cairn.yaml).
 */
export interface RawConfig {
  repository: RawRepository;
  /**
   * The environments, one per branch.
   *
   * @minItems 1
   */
  environments: RawEnvironment[];
  audit: RawAudit;
  server?: RawServer;
  reconcile?: RawReconcile;
  workspaces?: RawWorkspaces;
  /**
   * Settings of cairn's own Kubernetes identity that hold for every environment.
   */
  kubernetes?: {
    /**
     * Refuse, at start-up, an environment with kubernetes but no kubernetes.serviceAccount (default false).
     */
    requireServiceAccount?: boolean;
    /**
     * cairn's own namespace, never written by an environment (default: the pod's namespace in a cluster, else cairn).
     */
    controllerNamespace?: string;
    /**
     * The kustomize binary that renders k8s-resources/ folders holding a kustomization.yaml.
     */
    kustomize?: {
      /**
       * Path of the kustomize binary, relative to the config file or ~/ (default: kustomize on PATH).
       */
      path?: string;
    };
    /**
     * The helm binary that renders k8s-resources/ folders holding a Chart.yaml.
     */
    helm?: {
      /**
       * Path of the helm binary, relative to the config file or ~/ (default: helm on PATH).
       */
      path?: string;
    };
  };
  /**
   * day-two: OpenTelemetry traces. When otlpEndpoint is set, one trace per reconcile (a span per phase and per stack) is sent over OTLP/HTTP with JSON encoding to <otlpEndpoint>/v1/traces, never blocking a reconcile (see docs/day-two.md).
   */
  telemetry?: {
    /**
     * The OTLP/HTTP base URL of a collector (http or https), for instance http://otel-collector:4318; cairn posts to <otlpEndpoint>/v1/traces.
     */
    otlpEndpoint?: string;
  };
  /**
   * day-two: where cairn sends a message per event (failed, stalled, recovered, applied, drift-repaired, suspended), in order per environment, retried with backoff, never blocking a reconcile (see docs/day-two.md).
   *
   * @maxItems 32
   */
  notifications?: {
    /**
     * A name for this receiver, used in logs and the dropped-messages metric.
     */
    name: string;
    /**
     * slack: a Slack incoming webhook (a text message); webhook: a generic JSON POST signed with X-Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body> under secretEnv.
     */
    type: 'slack' | 'webhook';
    /**
     * The environment variable holding the receiver's URL (a Slack webhook URL is a secret).
     */
    urlEnv: string;
    /**
     * webhook: the environment variable holding the signing secret (required for type webhook).
     */
    secretEnv?: string;
    /**
     * Which events this receiver gets.
     *
     * @minItems 1
     */
    events: ('failed' | 'stalled' | 'recovered' | 'applied' | 'drift-repaired' | 'suspended')[];
    /**
     * Only these environments (default: all).
     */
    environments?: string[];
  }[];
  sharding?: RawSharding;
}
/**
 * The Git repository that holds one branch per environment.
 */
export interface RawRepository {
  /**
   * HTTPS URL, file:// URL, or a local path (relative to this file).
   */
  url: string;
  /**
   * isomorphic: pure JavaScript, needs no git binary (default). native: the git binary (SSH, large repositories).
   */
  backend?: 'isomorphic' | 'native';
  /**
   * How often every branch is fetched (default 30s).
   */
  pollInterval?: string;
  /**
   * An environment without `branch` uses this prefix followed by its name.
   */
  branchPrefix?: string;
  /**
   * For a local path: watch its refs and fetch at once when they move (default true for local paths).
   */
  watch?: boolean;
  auth?: RawRepositoryAuth;
  /**
   * Signed commits: a head whose commit is not signed by an allowed key is not synthesized, planned or applied; the environment stalls with source.unverified and the ledger records the refusal.
   */
  verify?: {
    /**
     * head: the head commit of each environment's branch (and each pull request's head) must carry an allowed signature (default head).
     */
    mode?: 'head';
    /**
     * A file (relative to this file) of SSH allowed-signers lines (`principal key-type key`, as git's gpg.ssh.allowedSignersFile) and/or ASCII-armored OpenPGP public keys.
     */
    allowedSigners: string;
  };
  host?: RawRepositoryHost;
}
/**
 * Credentials, by environment-variable name only.
 */
export interface RawRepositoryAuth {
  /**
   * Environment variable holding an HTTPS token.
   */
  tokenEnv?: string;
  /**
   * User name sent with the token (default x-access-token).
   */
  username?: string;
  /**
   * SSH private key path (native backend only; relative to this file).
   */
  sshKeyPath?: string;
}
/**
 * The Git host cairn reports to: a `cairn/<env>` commit status on every applied commit, plan comments on pull requests, and `cairn revert --pr`.
 */
export interface RawRepositoryHost {
  /**
   * gitea, github or gitlab.
   */
  type: 'gitea' | 'github' | 'gitlab';
  /**
   * Base URL of the host's REST API (default from repository.url: https://api.github.com for github.com, <origin>/api/v3 for GitHub Enterprise, <origin>/api/v1 for gitea, <origin>/api/v4 for gitlab).
   */
  apiUrl?: string;
  /**
   * Environment variable holding the API token (write access to commit statuses, comments and pull requests).
   */
  tokenEnv: string;
  /**
   * The repository on the host: owner/name, or the project's full path on GitLab (default: the path of repository.url without .git).
   */
  repo?: string;
  /**
   * Plan pull requests whose head is in a fork, in every environment that does not decide for itself (environments[].pullRequests.planForks); default false: a fork's code is not run.
   */
  planForks?: boolean;
  /**
   * The deadline of one pull request's plan for one environment, from when it holds the environment's lock (fetch, synth, change sets, dry runs): a plan still running then is abandoned, releases the lock, and its comment and status say it timed out (default 15m; environments[].pullRequests.planTimeout overrides it).
   */
  planTimeout?: string;
}
export interface RawEnvironment {
  /**
   * The environment's name (letters, digits, dashes).
   */
  name: string;
  /**
   * An explicit identity for this environment (default: its name plus a hash of the repository URL). It names the Kubernetes inventory and the owner mark on every object and stack; two configs that must never touch each other's objects need different identities.
   */
  instance?: string;
  /**
   * The branch that holds this environment (default: branchPrefix + name, or name).
   */
  branch?: string;
  /**
   * Which half is applied first (default aws-first).
   */
  order?: 'aws-first' | 'kubernetes-first';
  /**
   * How often an applied revision is re-planned against the cluster to repair drift; 0s disables (default 5m).
   */
  driftInterval?: string;
  /**
   * A promotion gate: a commit is applied only once the same trees (aws-resources/, k8s-resources/) have been applied and healthy on the environment `after` for `healthyFor`.
   */
  promotion?: {
    /**
     * The environment whose healthy release of the same trees this one waits for.
     */
    after: string;
    /**
     * How long the trees must have been applied there, with no failure since, before they are applied here.
     */
    healthyFor: string;
  };
  /**
   * day-two: what cairn does when a reconcile fails terminally in apply or verify after changing something (see docs/day-two.md).
   */
  onFailure?: {
    /**
     * pr: open a pull request reverting the failed entry (needs repository.host); commit: push the revert onto the environment's branch (not with repository.verify: cairn's revert commit is unsigned); none (default): only report the failure.
     */
    revert?: 'pr' | 'commit' | 'none';
  };
  /**
   * How pull requests into this environment are planned, overriding repository.host's settings.
   */
  pullRequests?: {
    /**
     * Plan pull requests into this environment whose head is in a fork, with this environment's plan identity (default: repository.host.planForks). Keep it false where the environment's live contents must not be read by anyone who can fork.
     */
    planForks?: boolean;
    /**
     * The deadline of one plan of a pull request into this environment (default: repository.host.planTimeout).
     */
    planTimeout?: string;
  };
  aws?: RawAwsTarget;
  kubernetes?: RawKubernetesTarget;
}
/**
 * Where aws-resources/ is deployed.
 */
export interface RawAwsTarget {
  /**
   * AWS region, e.g. eu-west-1.
   */
  region: string;
  /**
   * The 12-digit AWS account id.
   */
  account: string;
  /**
   * Endpoint override for CloudFormation, S3 and SSM (moto_server, LocalStack).
   */
  endpoint?: string;
  /**
   * A role assumed through STS (session name cairn-<env>) for this environment's CloudFormation, S3 and SSM calls; cairn's own identity must be allowed to assume it.
   */
  roleArn?: string;
  /**
   * Delete stacks that disappeared from the app (default false: the plan says would-delete). A nested stack is never one of them: its root stack updates and deletes it.
   */
  prune?: boolean;
  /**
   * Update stacks cairn did not make for this environment: true for any stack whose cairn:environment tag names another environment, or a list of those tag values and of untagged stacks' names (default false: such a stack is refused, naming its owner; an untagged stack is adopted only by name and then tagged).
   */
  adopt?: boolean | string[];
  /**
   * CloudFormation capabilities sent on every change set (default [CAPABILITY_IAM, CAPABILITY_NAMED_IAM]); CAPABILITY_AUTO_EXPAND (macros) only when listed, and never for a plan.
   */
  capabilities?: ('CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | 'CAPABILITY_AUTO_EXPAND')[];
  /**
   * Exports from outside the environment's own CDK app that its stacks may import (Fn::ImportValue): exact names, or a prefix ending in * (a platform team's VpcId exports). Default none: an import of anything but an export of a stack of the same app that the importing stack depends on is refused (aws.out-of-bounds), because CloudFormation resolves an import against every export of the account and region, another environment's included.
   */
  imports?: string[];
  /**
   * Resource types reaching past the environment's own stacks that its templates may declare: exact names, or a prefix ending in * (a platform environment's AWS::CloudFormation::LambdaHook). Default none: CloudFormation hooks and registry types (AWS::CloudFormation::*Hook*, TypeActivation, ResourceVersion, ModuleVersion, their DefaultVersions, PublicTypeVersion, Publisher), StackSets, AWS::ServiceCatalog::*, AWS Config, Organizations, RAM, IAM Identity Center, Control Tower, Firewall Manager, CloudTrail, the account's security services (GuardDuty, Security Hub, Macie, Detective, Inspector, Access Analyzer), account settings (AWS::ApiGateway::Account, which the CDK's RestApi declares unless cloudWatchRole: false; ECR registry settings; AWS::Logs::AccountPolicy and ResourcePolicy; EC2 block-public-access settings; S3 Access Grants instance, Storage Lens) and types outside AWS:: and Custom:: (private, third-party, modules) are refused (aws.out-of-bounds): they act on every stack or resource of the account and region, or deploy templates past cairn's checks with roles that are not the environment's.
   */
  resourceTypes?: string[];
  /**
   * Custom resource providers from outside the stack that its custom resources may call (ServiceToken): exact ARNs, or a prefix ending in * (a platform team's shared provider). Default none: a ServiceToken other than an Fn::GetAtt Arn of a Lambda function or a Ref of an SNS topic of the same stack (or one a parent stack passes its own as) is refused (aws.out-of-bounds), because the provider acts with its own role on the properties the template chooses.
   */
  serviceTokens?: string[];
  /**
   * Resources from outside the environment's own CDK app that its templates may attach to or change: names or ARNs exactly as the template writes them (a CDK Role.fromRoleArn given grant* names the role by name), or a prefix ending in * (a platform team's log destination). Default none: a bucket, queue or topic policy, an IAM policy, instance profile, group membership (a user's Groups included) or access key, a Lambda permission, event source mapping, alias, URL or invoke config, an SNS subscription, an EventBridge rule's bus and targets, a log subscription filter, a security group rule, a Route 53 record, a KMS alias, a Secrets Manager policy, attachment or rotation, or an API Gateway child, whose property naming what it attaches to is not a resource (of the type the property takes, unless by its ARN) of the same stack, of its parent stack (a NestedStack's parameter) or of another stack of the app (its export), is refused (aws.out-of-bounds), because CloudFormation would attach it to whatever is named, another environment's included, with the execution role. The same list bounds what the app's identity policies grant (an AWS::IAM::Policy or ManagedPolicy, a role's, user's or group's inline Policies): an Allow of an action of S3, SQS, SNS, Secrets Manager, SSM, DynamoDB, KMS, Kinesis, Lambda or Step Functions on a resource that is not the app's own (its ARN by Fn::GetAtt, Ref, a NestedStack's parameter or an export of the app, or what lies under it, such as a bucket's objects), the environment's bootstrap asset bucket or listed (a listed ARN covers what lies under it: a bucket's objects), or on * or a wildcard ARN, is refused (aws.out-of-bounds), as is a managed policy that is neither the app's own, listed, nor a harmless AWS one (AWSLambdaBasicExecutionRole); an iam:PassRole or an STS action that takes on a role (sts:AssumeRole, TagSession, ...) on a role that is not the app's own by its whole ARN, and any other IAM action but reads (Get*, List*, Generate*, Simulate*) and CreateServiceLinkedRole on what is not listed, the app's own identities included, are refused too; so is a dynamic reference ({{resolve:secretsmanager:...}}, {{resolve:ssm:...}}, {{resolve:ssm-secure:...}}) or an AWS::SSM::Parameter::Value<...> template parameter naming a secret or parameter that is not the app's own, listed (by name or ARN as written), the bootstrap's version parameter or AWS's public /aws/service/ ones; list * alone for an environment trusted with every resource of the account.
   */
  externalTargets?: string[];
  /**
   * Let the app's roles be granted, on *, the reads that take no resource and answer with every environment's data of the account, where a service keeps it by account, not by resource: AWS's access level Read of an action with no resource type outside S3, SQS, SNS, Secrets Manager, SSM, DynamoDB, KMS, Kinesis, Lambda, Step Functions, IAM, STS and CloudFormation (xray:GetTraceSummaries, GetServiceGraph, cloudwatch:GetMetricStatistics, ecs:DescribeTaskDefinition, batch:DescribeJobDefinitions, ...), and those AWS files under List or Write that answer with contents, not only names (xray:BatchGetTraces, ListRetrievedTraces, cloudwatch:QueryTraces, logs:DescribeQueries and DescribeQueryDefinitions; launch templates', launch configurations' and Spot requests' user data by ec2:DescribeLaunchTemplateVersions, autoscaling:DescribeLaunchConfigurations, ec2:DescribeSpotFleetRequests and DescribeSpotInstanceRequests; ec2:DescribeVpnConnections, DescribeVerifiedAccessTrustProviders, appsync:ListApiKeys, lightsail:DownloadDefaultKeyPair, route53domains:RetrieveDomainAuthCode and WorkDocs' DescribeDocumentVersions, DescribeComments and SearchResources: READS_FILED_ELSEWHERE in cdk/deploy/template-grants.ts) (default false: refused, aws.out-of-bounds; ecr:GetAuthorizationToken, X-Ray's sampling reads and logs:GetLogDelivery pass). For an environment trusted with the account's traces, metrics, logs queries and workload definitions, such as a platform team's dashboards or a cluster autoscaler's role.
   */
  accountWideReads?: boolean;
  /**
   * IAM role CloudFormation acts as, passed as RoleARN on every change set and stack delete. Wins over the execution role of a standard cdk bootstrap that the assembly names; without either, CloudFormation acts with the deploying credentials.
   */
  cloudFormationExecutionRoleArn?: string;
  /**
   * The qualifier the account was bootstrapped with (cdk bootstrap --qualifier): it names the bootstrap's roles, asset bucket and version parameter, and is given to the CDK app as @aws-cdk/core:bootstrapQualifier. Default: the CDK's hnb659fds.
   */
  bootstrapQualifier?: string;
  /**
   * Limit for running the CDK app (default 5m).
   */
  synthTimeout?: string;
  /**
   * Largest total size of the cloud assembly the CDK app writes (its cdk.out, assets included; default 268435456, 256 MiB); a larger one is refused before cairn reads any of it (synth.too-large), naming its biggest files. cairn reads each asset whole to compare and publish it, in the controller every environment shares.
   */
  maxAssemblyBytes?: number;
  /**
   * Limit for each CloudFormation wait of one stack: its change set being created, its deploy or delete, a busy stack (default 30m); past it the stack fails with the retryable aws.wait-timeout.
   */
  deployTimeout?: string;
  /**
   * How the CDK app (repository code) is kept away from the controller.
   */
  synth?: {
    /**
     * bubblewrap: the app runs in its own PID, mount and network namespaces, seeing only its checkout (default). sidecar: the app runs in a separate container (`cairn synth-runner`) that holds no credentials, reached over the Unix socket aws.synth.socket and sharing the workspaces folder. none: a plain child process that can read everything cairn can; only for repositories whose every author you trust with the controller's credentials.
     */
    isolation?: 'bubblewrap' | 'sidecar' | 'none';
    /**
     * With isolation sidecar: the absolute path of the synth runner's Unix socket (default /var/lib/cairn/runner/synth.sock).
     */
    socket?: string;
    /**
     * The uid the app runs as when cairn runs as root (default 65534).
     */
    uid?: number;
    /**
     * The gid the app runs as when cairn runs as root (default 65534).
     */
    gid?: number;
  };
}
/**
 * Where k8s-resources/ is applied.
 */
export interface RawKubernetesTarget {
  /**
   * Kubeconfig path (default: KUBECONFIG, ~/.kube/config or in-cluster).
   */
  kubeconfig?: string;
  /**
   * Context in the kubeconfig (default: its current context).
   */
  context?: string;
  /**
   * Namespace given to namespaced objects that name none (default: default).
   */
  namespace?: string;
  /**
   * Take over fields another field manager owns (default false).
   */
  forceConflicts?: boolean;
  /**
   * Largest share of the inventory one commit may prune (default 0.5).
   */
  pruneMaxShare?: number;
  /**
   * Allow a commit to prune more than pruneMaxShare (default false).
   */
  allowMassPrune?: boolean;
  /**
   * How long to wait for applied objects to be healthy (default 2m).
   */
  healthTimeout?: string;
  /**
   * Objects applied at once within a wave (default 8).
   */
  concurrency?: number;
  /**
   * Apply objects whose cairn.dev/owner label names another environment: true for any, or a list of those owner ids (default false: such an object is refused, naming its owner). An entry Kind/namespace/name (or Kind/name) adopts that one object even without an owner mark.
   */
  adopt?: boolean | string[];
  /**
   * Take over live objects that carry no cairn owner mark (default false: such an object is refused as kube.unowned, naming who manages it).
   */
  adoptUnowned?: boolean;
  /**
   * Let this environment's tree write cluster policy in the kinds it may write (default false: refused as kube.out-of-bounds): admission webhooks and policies, APIServices, FlowSchemas and PriorityLevelConfigurations, CRD conversion webhooks, ClusterRole aggregation (aggregate-to-* labels, aggregationRule), default StorageClasses and IngressClasses, global default PriorityClasses, hostPath and local PersistentVolumes, Services with externalIPs, Ingress snippet annotations (*-snippet, *-snippets), a Traefik TLSOption or TLSStore named default, a Kong KongClusterPlugin labelled global and a KongConsumer with credentials, a route taking a shared gateway's port whole, matched by no host (a Kong UDPIngress rule or TCPIngress rule without host, a Traefik IngressRouteUDP or IngressRouteTCP route of HostSNI(`*`), an NGINX Inc TransportServer without host on a TCP or UDP listener, a HAProxy TCP resource), pod templates at a system-* priority class or with a nodeName, role bindings to everyone (system:authenticated, system:unauthenticated, system:serviceaccounts, system:nodes, system:anonymous), and Namespace labels and annotations under kubernetes.io, k8s.io and openshift.io (Pod Security levels, node selectors) other than app.kubernetes.io and kubectl.kubernetes.io.
   */
  allowClusterPolicy?: boolean;
  /**
   * The namespaces this environment may write, names or * globs (default: its namespace plus the Namespace objects its own tree declares). kube-system, kube-public, kube-node-lease, cairn's own namespace and the sharding namespace are refused whatever this says.
   */
  namespaces?: string[];
  /**
   * The cluster-scoped kinds this environment may write, as Kind or group/Kind (default [Namespace]).
   */
  clusterResources?: string[];
  /**
   * The host names this environment's Ingresses, Gateway API routes (spec.hostnames) and Gateway listeners, other controllers' routes, cert-manager Certificates, ingress-shim annotations (cert-manager.io/common-name, alt-names) and csi-driver volumes (csi.cert-manager.io/common-name, dns-names) may claim: names, or *.domain for every name below domain (default: unchecked, any host). When set, a host outside it, and a rule, TLS entry, route or listener naming no host (a catch-all), is refused as kube.out-of-bounds.
   */
  hosts?: string[];
  /**
   * The cluster's DNS domain (kubelet's --cluster-domain; default cluster.local): an ExternalName, or a host a shared ingress controller requests (auth-url, a route's service), ending in .svc.<clusterDomain> or .pod.<clusterDomain> names a Service or pod of the cluster and is bounded as one; under another domain it would pass as a host outside the cluster.
   */
  clusterDomain?: string;
  /**
   * The cluster-wide credential holders of shared operators that this environment's objects may make those operators act with, as Kind/name (the name may be a * glob): an External Secrets ClusterSecretStore (an ExternalSecret's secretStoreRef or sourceRef.storeRef, a PushSecret's secretStoreRefs; one picked by labelSelector is ClusterSecretStore/*) or ClusterGenerator, a cert-manager ClusterIssuer (or an external issuer's cluster kind) asked for a Certificate with isCA, uris, ipAddresses, emailAddresses, otherNames or literalSubject, or by a CertificateRequest, a KEDA ClusterTriggerAuthentication named by a ScaledObject's or ScaledJob's trigger, and External Secrets' own identity (ExternalSecretsController/aws, ExternalSecretsController/gcp, ExternalSecretsController/azure, ExternalSecretsController/kubernetes), which a SecretStore or an ECR, STS, GCR or VaultDynamicSecret generator leaving out its auth credentials uses (AWS or Google auth, Vault's kubernetes, iam or gcp auth, Azure Key Vault's ManagedIdentity or WorkloadIdentity without serviceAccountRef), the Prometheus Operator's PrometheusServer/files for a ServiceMonitor endpoint's bearerTokenFile or tlsConfig caFile, certFile or keyFile, and PrometheusTargets/<namespace> (PrometheusTargets/* for all) for a ServiceMonitor, PodMonitor or Probe namespaceSelector or a ScrapeConfig's Kubernetes discovery reaching another namespace, and other shared operators' own identities: ACKController/<service> for every AWS Controllers for Kubernetes resource (an AdoptedResource counts as its target's service), ACKAccount/<id>, ACKTeam/<id>, ACKEndpoint/<host> for a Namespace annotated services.k8s.aws/owner-account-id, team-id or endpoint-url, FluxController/kustomize-controller or FluxController/helm-controller for a Flux Kustomization or HelmRelease without serviceAccountName (FluxController/<controller>/remote for its kubeConfig.configMapRef, a remote cluster reached with the controller's cloud identity), FluxController/kustomize-controller-kms for a Kustomization decrypting with sops without spec.decryption.serviceAccountName, FluxController/kustomize-controller-age for one without spec.decryption.secretRef (the controller's --sops-age-secret key), FluxController/source-controller for a Bucket, OCIRepository or HelmRepository on provider aws, gcp or azure without secretRef (or serviceAccountName), Kind/namespace/name for its source of another namespace (and for a Flux ImageUpdateAutomation's sourceRef, an Alert's eventSources or a Receiver's resources of another namespace, and an ACK FieldExport's spec.to of another namespace, Secret/<namespace>/<name> or ConfigMap/<namespace>/<name>), KedaController/aws, KedaController/azure, KedaController/gcp for a TriggerAuthentication whose podIdentity authenticates as KEDA, KedaController/kubernetes, KedaController/files or KedaController/vault-token for its hashiCorpVault login on KEDA's own ServiceAccount token, another file of KEDA's pod or KEDA's VAULT_TOKEN, FluxController/notification-controller for a notification Provider of type googlepubsub, azureeventhub or azuredevops without secretRef or serviceAccountName, ClusterProviderConfig/<group>/<name> for a Crossplane v2 namespaced managed resource (a kind the server files under the category managed, or of a .m. group with forProvider) whose providerConfigRef is of that kind or left out (ClusterProviderConfig/<group>/default), <group> being its provider's ProviderConfig group (aws.m.upbound.io for s3.aws.m.upbound.io; an entry of the name alone is refused at load), CrossplaneProvider/aws.m.upbound.io for an AWS ProviderConfig whose credentials.source is IRSA, PodIdentity, Upbound or WebIdentity without a Secret tokenConfig (default none: each such use is refused as kube.out-of-bounds). List a holder only once it reaches nothing but this environment's own (a ClusterSecretStore's conditions naming its namespaces).
   */
  sharedCredentials?: string[];
  /**
   * namespace/name of the ServiceAccount that cairn impersonates for every request on this environment's objects (default: none, cairn's own identity).
   */
  serviceAccount?: string;
  /**
   * Largest total size of the files under k8s-resources/ (default 67108864, 64 MiB); a larger tree is refused, naming its biggest files.
   */
  maxManifestBytes?: number;
  /**
   * Where kustomize and helm (repository input) run. Default: the environment's aws.synth, else bubblewrap.
   */
  render?: {
    /**
     * bubblewrap: its own PID, mount and network namespaces, seeing only a copy of the folder (default). sidecar: a job of the synth runner container, over kubernetes.render.socket (the in-cluster install, where a Kubernetes-only environment has no aws.synth to name it). none: a plain child process.
     */
    isolation?: 'bubblewrap' | 'sidecar' | 'none';
    /**
     * With isolation sidecar: the absolute path of the synth runner's Unix socket (default /var/lib/cairn/runner/synth.sock).
     */
    socket?: string;
    /**
     * The uid a render runs as when cairn runs as root (default 65534).
     */
    uid?: number;
    /**
     * The gid a render runs as when cairn runs as root (default 65534).
     */
    gid?: number;
  };
}
/**
 * The audit trail.
 */
export interface RawAudit {
  /**
   * Where the chains live: jsonl (files in dir, the default) or dynamodb (a shared table, see audit.dynamodb).
   */
  backend?: 'jsonl' | 'dynamodb';
  /**
   * Folder of the audit log (relative to this file); with the dynamodb backend only the default workspaces folder derives from it.
   */
  dir: string;
  /**
   * jsonl: folder outside dir where each chain's head is witnessed on every append, so a cut tail or a rewritten chain is found (default: <dir>.witness beside dir).
   */
  witnessDir?: string;
  /**
   * File holding the HMAC key (32 bytes or more) the records are hashed with; keep it outside dir.
   */
  keyFile?: string;
  /**
   * Environment variable holding the HMAC key (for example filled from a Kubernetes Secret).
   */
  keyEnv?: string;
  /**
   * Keys the audit trail was hashed with before a rotation of keyFile or keyEnv: each verifies the records written under it (found by their key id), never signs a new one, and is not accepted after a record of the current key in the same chain. Keep each until no chain holds records under it.
   */
  retiredKeys?: ({
    [k: string]: unknown;
  } & {
    /**
     * Environment variable holding the retired key.
     */
    env?: string;
    /**
     * File holding the retired key (relative to this config file; outside dir).
     */
    file?: string;
  })[];
  /**
   * Accept chains hashed with plain SHA-256 and no key: edits are found, but someone who can write the log and its witness can rewrite both consistently. Default false: cairn refuses to start without a key.
   */
  unkeyed?: boolean;
  /**
   * The DynamoDB table of the dynamodb backend (created on first use if missing).
   */
  dynamodb?: {
    /**
     * Table name (partition key env, sort key seq).
     */
    table: string;
    /**
     * AWS region of the table.
     */
    region: string;
    /**
     * Endpoint URL (a local DynamoDB or moto in tests).
     */
    endpoint?: string;
  };
}
/**
 * The HTTP server: webhooks, API, health and metrics.
 */
export interface RawServer {
  /**
   * TCP port (default 8080; 0 picks a free one).
   */
  port?: number;
  /**
   * TCP port of the probe listener, which serves only GET /healthz and /readyz, on the same address as server.port, with connection caps and timeouts of its own, so a flood of the main port cannot fail the liveness probe (default 8081, or 0 when server.port is 0; 0 picks a free one). Must differ from server.port.
   */
  probePort?: number;
  /**
   * Address to listen on (default 127.0.0.1). With no API token configured the server listens on 127.0.0.1 only, whatever this says, and logs that it did.
   */
  host?: string;
  /**
   * Environment variable holding the webhook secret.
   */
  webhookSecretEnv?: string;
  /**
   * During a rotation of the webhook secret: environment variable holding the former secret, still accepted (after the current one) until the Git host signs with the new one; remove it then. Needs webhookSecretEnv.
   */
  previousWebhookSecretEnv?: string;
  /**
   * Environment variable holding an API bearer token with both scopes (read and sync); shorthand for one entry of apiTokens.
   */
  apiTokenEnv?: string;
  /**
   * API bearer tokens. When any token is configured every /api/* route needs one: GET routes the read scope, POST .../sync the sync scope. Values come from an environment variable or a file, never from this file. Required (this or apiTokenEnv) when an environment runs jobs in the sidecar runner, whose jobs share the pod's loopback.
   */
  apiTokens?: ({
    [k: string]: unknown;
  } & {
    /**
     * Environment variable holding the token.
     */
    env?: string;
    /**
     * File holding the token (relative to this config file; a trailing newline is ignored).
     */
    file?: string;
    /**
     * What the token may do: read (GET /api/...) and/or sync (POST /api/environments/:env/sync).
     *
     * @minItems 1
     */
    scopes: ('read' | 'sync')[];
  })[];
  /**
   * Largest webhook body in bytes (default 1048576).
   */
  maxBodySize?: number;
  /**
   * Open connections at most; more are closed at once (default 256).
   */
  maxConnections?: number;
  /**
   * Open connections per client at most (an IPv4 address, an IPv6 /64, and every loopback address as one where an environment runs in a sidecar runner); more are closed at once (default 32). Behind a proxy every client has the proxy's address.
   */
  maxConnectionsPerClient?: number;
  /**
   * Time allowed to receive a request's headers (default 10s).
   */
  headersTimeout?: string;
  /**
   * Time allowed to receive a request's body once its headers are in; the connection is cut after it (default 10s).
   */
  bodyTimeout?: string;
  /**
   * Bytes of request bodies larger than 64 KiB held at once across all connections; a request that would pass it gets 503 (default 16777216).
   */
  maxBufferedBodySize?: number;
  /**
   * The URL people reach cairn's API at (behind its proxy or ingress); commit statuses link to `<publicUrl>/api/audit/<entry id>`. Without it statuses carry no link.
   */
  publicUrl?: string;
  /**
   * Put `/metrics` behind a bearer token with the `read` scope (default false: open, as Prometheus scrapes usually are), and keep `/readyz` from naming what is not ready: its 503 then gives the cause's class (`audit-trail` or `first-fetch`) and where to read the rest. `/metrics` names every environment and replica, and `/readyz` an environment whose audit chain takes no appends; set this when they are not for everyone who can reach the port. Needs an API token. Must be true when an environment runs jobs in the sidecar runner (aws.synth or kubernetes.render isolation sidecar).
   */
  metricsAuth?: boolean;
  /**
   * Serve the web UI under / on the server's port (default true). The UI reads the same API with the same tokens and scopes; false serves no page.
   */
  ui?: boolean;
}
/**
 * How reconciles share the process.
 */
export interface RawReconcile {
  /**
   * Reconciles running at once across all environments (default 16); the others wait their turn, oldest first. Each running reconcile holds its manifests and live objects in memory, so this bounds a replica's peak memory.
   */
  maxConcurrent?: number;
}
/**
 * Checkouts and the Git cache.
 */
export interface RawWorkspaces {
  /**
   * Folder for checkouts (default: workspaces/ beside the audit folder).
   */
  dir?: string;
  /**
   * Checkouts kept per environment (default 3).
   */
  keep?: number;
  /**
   * A file larger than this many bytes in a checkout is refused (default 52428800).
   */
  maxFileSize?: number;
}
/**
 * Run several replicas that share the environments: each environment is a shard held through a coordination.k8s.io/v1 Lease, and a replica reconciles only what it holds (see docs/high-availability.md). Needs audit.backend: dynamodb.
 */
export interface RawSharding {
  /**
   * Shard environments across replicas through Leases (default false: this process reconciles every environment).
   */
  enabled?: boolean;
  /**
   * Namespace of the Leases (default: the pod's namespace in a cluster, else default).
   */
  namespace?: string;
  /**
   * How long a Lease stays held without a renewal: a replica that died is replaced after this (default 15s).
   */
  leaseDuration?: string;
  /**
   * How often a replica renews its Leases and rebalances; shorter than leaseDuration (default 5s).
   */
  renewInterval?: string;
  /**
   * This replica's holderIdentity in the Leases (default: POD_NAME, else the host name, then a random suffix). Must differ between replicas.
   */
  identity?: string;
  /**
   * Kubeconfig of the cluster that holds the Leases (default: KUBECONFIG, ~/.kube/config or in-cluster).
   */
  kubeconfig?: string;
  /**
   * Context in that kubeconfig (default: its current context).
   */
  context?: string;
  /**
   * The URL the other replicas reach this one at, to hand it webhooks of the environments it holds; published in this replica's heartbeat Lease (default http://<POD_IP>:<server.port>, else http://127.0.0.1:<server.port>).
   */
  advertiseUrl?: string;
  /**
   * How many shards the environments are hashed into (sha256 of the name); a replica holds shard Leases, so Lease writes per second depend on this, not on the number of environments. A few per expected replica (default 16).
   */
  shards?: number;
  /**
   * File holding the key (at least 32 bytes) that signs webhooks handed between replicas; one of handoffKeyFile and handoffKeyEnv is required with sharding. Never the webhook secret.
   */
  handoffKeyFile?: string;
  /**
   * Environment variable holding the handoff key (at least 32 bytes), e.g. filled from a Kubernetes Secret; one of handoffKeyFile and handoffKeyEnv is required with sharding.
   */
  handoffKeyEnv?: string;
  /**
   * When set, the only URLs a webhook is handed to: an advertiseUrl a replica's heartbeat names is honoured only if it is listed here (trailing slashes ignored).
   */
  peerUrls?: string[];
}
