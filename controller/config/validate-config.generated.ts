// Generated from manifests-schema/cairn-config.schema.json by `npm run generate:config-types`.
// Do not edit: change the schema and run the script (test/unit/config/config-types.test.ts fails when this is stale).
// Ajv standalone code with the options of test/tools/config-validator.ts; load-config.ts types it.
/* eslint-disable */
// @ts-nocheck
export const validate = validate10;
export default validate10;
const schema11 = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://cairn.dev/schemas/cairn-config.schema.json',
  title: 'cairn configuration',
  description: "The controller's configuration file (cairn.yaml).",
  type: 'object',
  additionalProperties: false,
  required: ['repository', 'environments', 'audit'],
  definitions: {
    duration: {
      description:
        'A duration: a number followed by ms, s, m or h (500ms, 30s, 5m, 1h); above 0 unless the field says what 0 means, and at most 596h (what a timer can wait).',
      type: 'string',
      pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
    },
    envVarName: {
      description: 'The name of an environment variable (the secret itself is never written in this file).',
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    },
  },
  properties: {
    repository: {
      description: 'The Git repository that holds one branch per environment.',
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: {
          description: 'HTTPS URL, file:// URL, or a local path (relative to this file).',
          type: 'string',
          minLength: 1,
        },
        backend: {
          description:
            'isomorphic: pure JavaScript, needs no git binary (default). native: the git binary (SSH, large repositories).',
          enum: ['isomorphic', 'native'],
        },
        pollInterval: {
          $ref: '#/definitions/duration',
          description: 'How often every branch is fetched (default 30s).',
        },
        branchPrefix: {
          description: 'An environment without `branch` uses this prefix followed by its name.',
          type: 'string',
        },
        watch: {
          description:
            'For a local path: watch its refs and fetch at once when they move (default true for local paths).',
          type: 'boolean',
        },
        auth: {
          description: 'Credentials, by environment-variable name only.',
          type: 'object',
          additionalProperties: false,
          properties: {
            tokenEnv: {
              $ref: '#/definitions/envVarName',
              description: 'Environment variable holding an HTTPS token.',
            },
            username: {
              description: 'User name sent with the token (default x-access-token).',
              type: 'string',
            },
            sshKeyPath: {
              description: 'SSH private key path (native backend only; relative to this file).',
              type: 'string',
            },
          },
        },
        verify: {
          description:
            'Signed commits: a head whose commit is not signed by an allowed key is not synthesized, planned or applied; the environment stalls with source.unverified and the ledger records the refusal.',
          type: 'object',
          additionalProperties: false,
          required: ['allowedSigners'],
          properties: {
            mode: {
              description:
                "head: the head commit of each environment's branch (and each pull request's head) must carry an allowed signature (default head).",
              enum: ['head'],
            },
            allowedSigners: {
              description:
                "A file (relative to this file) of SSH allowed-signers lines (`principal key-type key`, as git's gpg.ssh.allowedSignersFile) and/or ASCII-armored OpenPGP public keys.",
              type: 'string',
              minLength: 1,
            },
          },
        },
        host: {
          description:
            'The Git host cairn reports to: a `cairn/<env>` commit status on every applied commit, plan comments on pull requests, and `cairn revert --pr`.',
          type: 'object',
          additionalProperties: false,
          required: ['type', 'tokenEnv'],
          properties: {
            type: { description: 'gitea, github or gitlab.', enum: ['gitea', 'github', 'gitlab'] },
            apiUrl: {
              description:
                "Base URL of the host's REST API (default from repository.url: https://api.github.com for github.com, <origin>/api/v3 for GitHub Enterprise, <origin>/api/v1 for gitea, <origin>/api/v4 for gitlab).",
              type: 'string',
              pattern: '^https?://[^\\s]+$',
            },
            tokenEnv: {
              $ref: '#/definitions/envVarName',
              description:
                'Environment variable holding the API token (write access to commit statuses, comments and pull requests).',
            },
            repo: {
              description:
                "The repository on the host: owner/name, or the project's full path on GitLab (default: the path of repository.url without .git).",
              type: 'string',
              pattern: '^[^/\\s]+(/[^/\\s]+)+$',
            },
            planForks: {
              description:
                "Plan pull requests whose head is in a fork, in every environment that does not decide for itself (environments[].pullRequests.planForks); default false: a fork's code is not run.",
              type: 'boolean',
            },
            planTimeout: {
              $ref: '#/definitions/duration',
              description:
                "The deadline of one pull request's plan for one environment, from when it holds the environment's lock (fetch, synth, change sets, dry runs): a plan still running then is abandoned, releases the lock, and its comment and status say it timed out (default 15m; environments[].pullRequests.planTimeout overrides it).",
            },
          },
        },
      },
    },
    environments: {
      description: 'The environments, one per branch.',
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: {
            description: "The environment's name (letters, digits, dashes).",
            type: 'string',
            pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
          },
          instance: {
            description:
              "An explicit identity for this environment (default: its name plus a hash of the repository URL). It names the Kubernetes inventory and the owner mark on every object and stack; two configs that must never touch each other's objects need different identities.",
            type: 'string',
            pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
          },
          branch: {
            description: 'The branch that holds this environment (default: branchPrefix + name, or name).',
            type: 'string',
            minLength: 1,
          },
          order: {
            description: 'Which half is applied first (default aws-first).',
            enum: ['aws-first', 'kubernetes-first'],
          },
          driftInterval: {
            $ref: '#/definitions/duration',
            description:
              'How often an applied revision is re-planned against the cluster to repair drift; 0s disables (default 5m).',
          },
          promotion: {
            description:
              'A promotion gate: a commit is applied only once the same trees (aws-resources/, k8s-resources/) have been applied and healthy on the environment `after` for `healthyFor`.',
            type: 'object',
            additionalProperties: false,
            required: ['after', 'healthyFor'],
            properties: {
              after: {
                description: 'The environment whose healthy release of the same trees this one waits for.',
                type: 'string',
                minLength: 1,
              },
              healthyFor: {
                $ref: '#/definitions/duration',
                description:
                  'How long the trees must have been applied there, with no failure since, before they are applied here.',
              },
            },
          },
          onFailure: {
            description:
              'day-two: what cairn does when a reconcile fails terminally in apply or verify after changing something (see docs/day-two.md).',
            type: 'object',
            additionalProperties: false,
            properties: {
              revert: {
                description:
                  "pr: open a pull request reverting the failed entry (needs repository.host); commit: push the revert onto the environment's branch (not with repository.verify: cairn's revert commit is unsigned); none (default): only report the failure.",
                enum: ['pr', 'commit', 'none'],
              },
            },
          },
          pullRequests: {
            description:
              "How pull requests into this environment are planned, overriding repository.host's settings.",
            type: 'object',
            additionalProperties: false,
            properties: {
              planForks: {
                description:
                  "Plan pull requests into this environment whose head is in a fork, with this environment's plan identity (default: repository.host.planForks). Keep it false where the environment's live contents must not be read by anyone who can fork.",
                type: 'boolean',
              },
              planTimeout: {
                $ref: '#/definitions/duration',
                description:
                  'The deadline of one plan of a pull request into this environment (default: repository.host.planTimeout).',
              },
            },
          },
          aws: {
            description: 'Where aws-resources/ is deployed.',
            type: 'object',
            additionalProperties: false,
            required: ['region', 'account'],
            properties: {
              region: {
                description: 'AWS region, e.g. eu-west-1.',
                type: 'string',
                pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
              },
              account: {
                description: 'The 12-digit AWS account id.',
                type: 'string',
                pattern: '^[0-9]{12}$',
              },
              endpoint: {
                description: 'Endpoint override for CloudFormation, S3 and SSM (moto_server, LocalStack).',
                type: 'string',
                pattern: '^https?://',
              },
              roleArn: {
                description:
                  "A role assumed through STS (session name cairn-<env>) for this environment's CloudFormation, S3 and SSM calls; cairn's own identity must be allowed to assume it.",
                type: 'string',
                pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
              },
              prune: {
                description:
                  'Delete stacks that disappeared from the app (default false: the plan says would-delete). A nested stack is never one of them: its root stack updates and deletes it.',
                type: 'boolean',
              },
              adopt: {
                description:
                  "Update stacks cairn did not make for this environment: true for any stack whose cairn:environment tag names another environment, or a list of those tag values and of untagged stacks' names (default false: such a stack is refused, naming its owner; an untagged stack is adopted only by name and then tagged).",
                oneOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', minLength: 1 } }],
              },
              capabilities: {
                description:
                  'CloudFormation capabilities sent on every change set (default [CAPABILITY_IAM, CAPABILITY_NAMED_IAM]); CAPABILITY_AUTO_EXPAND (macros) only when listed, and never for a plan.',
                type: 'array',
                items: { enum: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] },
                uniqueItems: true,
              },
              imports: {
                description:
                  "Exports from outside the environment's own CDK app that its stacks may import (Fn::ImportValue): exact names, or a prefix ending in * (a platform team's VpcId exports). Default none: an import of anything but an export of a stack of the same app that the importing stack depends on is refused (aws.out-of-bounds), because CloudFormation resolves an import against every export of the account and region, another environment's included.",
                type: 'array',
                items: { type: 'string', pattern: '^[^*\\s]+\\*?$' },
                uniqueItems: true,
              },
              resourceTypes: {
                description:
                  "Resource types reaching past the environment's own stacks that its templates may declare: exact names, or a prefix ending in * (a platform environment's AWS::CloudFormation::LambdaHook). Default none: CloudFormation hooks and registry types (AWS::CloudFormation::*Hook*, TypeActivation, ResourceVersion, ModuleVersion, their DefaultVersions, PublicTypeVersion, Publisher), StackSets, AWS::ServiceCatalog::*, AWS Config, Organizations, RAM, IAM Identity Center, Control Tower, Firewall Manager, CloudTrail, the account's security services (GuardDuty, Security Hub, Macie, Detective, Inspector, Access Analyzer), account settings (AWS::ApiGateway::Account, which the CDK's RestApi declares unless cloudWatchRole: false; ECR registry settings; AWS::Logs::AccountPolicy and ResourcePolicy; EC2 block-public-access settings; S3 Access Grants instance, Storage Lens) and types outside AWS:: and Custom:: (private, third-party, modules) are refused (aws.out-of-bounds): they act on every stack or resource of the account and region, or deploy templates past cairn's checks with roles that are not the environment's.",
                type: 'array',
                items: { type: 'string', pattern: '^[^*\\s]+\\*?$' },
                uniqueItems: true,
              },
              serviceTokens: {
                description:
                  "Custom resource providers from outside the stack that its custom resources may call (ServiceToken): exact ARNs, or a prefix ending in * (a platform team's shared provider). Default none: a ServiceToken other than an Fn::GetAtt Arn of a Lambda function or a Ref of an SNS topic of the same stack (or one a parent stack passes its own as) is refused (aws.out-of-bounds), because the provider acts with its own role on the properties the template chooses.",
                type: 'array',
                items: { type: 'string', pattern: '^[^*\\s]+\\*?$' },
                uniqueItems: true,
              },
              externalTargets: {
                description:
                  "Resources from outside the environment's own CDK app that its templates may attach to or change: names or ARNs exactly as the template writes them (a CDK Role.fromRoleArn given grant* names the role by name), or a prefix ending in * (a platform team's log destination). Default none: a bucket, queue or topic policy, an IAM policy, instance profile, group membership (a user's Groups included) or access key, a Lambda permission, event source mapping, alias, URL or invoke config, an SNS subscription, an EventBridge rule's bus and targets, a log subscription filter, a security group rule, a Route 53 record, a KMS alias, a Secrets Manager policy, attachment or rotation, or an API Gateway child, whose property naming what it attaches to is not a resource (of the type the property takes, unless by its ARN) of the same stack, of its parent stack (a NestedStack's parameter) or of another stack of the app (its export), is refused (aws.out-of-bounds), because CloudFormation would attach it to whatever is named, another environment's included, with the execution role. The same list bounds what the app's identity policies grant (an AWS::IAM::Policy or ManagedPolicy, a role's, user's or group's inline Policies): an Allow of an action of S3, SQS, SNS, Secrets Manager, SSM, DynamoDB, KMS, Kinesis, Lambda or Step Functions on a resource that is not the app's own (its ARN by Fn::GetAtt, Ref, a NestedStack's parameter or an export of the app, or what lies under it, such as a bucket's objects), the environment's bootstrap asset bucket or listed (a listed ARN covers what lies under it: a bucket's objects), or on * or a wildcard ARN, is refused (aws.out-of-bounds), as is a managed policy that is neither the app's own, listed, nor a harmless AWS one (AWSLambdaBasicExecutionRole); an iam:PassRole or an STS action that takes on a role (sts:AssumeRole, TagSession, ...) on a role that is not the app's own by its whole ARN, and any other IAM action but reads (Get*, List*, Generate*, Simulate*) and CreateServiceLinkedRole on what is not listed, the app's own identities included, are refused too; so is a dynamic reference ({{resolve:secretsmanager:...}}, {{resolve:ssm:...}}, {{resolve:ssm-secure:...}}) or an AWS::SSM::Parameter::Value<...> template parameter naming a secret or parameter that is not the app's own, listed (by name or ARN as written), the bootstrap's version parameter or AWS's public /aws/service/ ones; list * alone for an environment trusted with every resource of the account.",
                type: 'array',
                items: { type: 'string', pattern: '^([^*\\s]+\\*?|\\*)$' },
                uniqueItems: true,
              },
              accountWideReads: {
                description:
                  "Let the app's roles be granted, on *, the reads that take no resource and answer with every environment's data of the account, where a service keeps it by account, not by resource: AWS's access level Read of an action with no resource type outside S3, SQS, SNS, Secrets Manager, SSM, DynamoDB, KMS, Kinesis, Lambda, Step Functions, IAM, STS and CloudFormation (xray:GetTraceSummaries, GetServiceGraph, cloudwatch:GetMetricStatistics, ecs:DescribeTaskDefinition, batch:DescribeJobDefinitions, ...), and those AWS files under List or Write that answer with contents, not only names (xray:BatchGetTraces, ListRetrievedTraces, cloudwatch:QueryTraces, logs:DescribeQueries and DescribeQueryDefinitions; launch templates', launch configurations' and Spot requests' user data by ec2:DescribeLaunchTemplateVersions, autoscaling:DescribeLaunchConfigurations, ec2:DescribeSpotFleetRequests and DescribeSpotInstanceRequests; ec2:DescribeVpnConnections, DescribeVerifiedAccessTrustProviders, appsync:ListApiKeys, lightsail:DownloadDefaultKeyPair, route53domains:RetrieveDomainAuthCode and WorkDocs' DescribeDocumentVersions, DescribeComments and SearchResources: READS_FILED_ELSEWHERE in cdk/deploy/template-grants.ts) (default false: refused, aws.out-of-bounds; ecr:GetAuthorizationToken, X-Ray's sampling reads and logs:GetLogDelivery pass). For an environment trusted with the account's traces, metrics, logs queries and workload definitions, such as a platform team's dashboards or a cluster autoscaler's role.",
                type: 'boolean',
              },
              cloudFormationExecutionRoleArn: {
                description:
                  'IAM role CloudFormation acts as, passed as RoleARN on every change set and stack delete. Wins over the execution role of a standard cdk bootstrap that the assembly names; without either, CloudFormation acts with the deploying credentials.',
                type: 'string',
                pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$',
              },
              bootstrapQualifier: {
                description:
                  "The qualifier the account was bootstrapped with (cdk bootstrap --qualifier): it names the bootstrap's roles, asset bucket and version parameter, and is given to the CDK app as @aws-cdk/core:bootstrapQualifier. Default: the CDK's hnb659fds.",
                type: 'string',
                pattern: '^[A-Za-z0-9_-]{1,10}$',
              },
              synthTimeout: {
                $ref: '#/definitions/duration',
                description: 'Limit for running the CDK app (default 5m).',
              },
              maxAssemblyBytes: {
                description:
                  'Largest total size of the cloud assembly the CDK app writes (its cdk.out, assets included; default 268435456, 256 MiB); a larger one is refused before cairn reads any of it (synth.too-large), naming its biggest files. cairn reads each asset whole to compare and publish it, in the controller every environment shares.',
                type: 'integer',
                minimum: 1,
              },
              deployTimeout: {
                $ref: '#/definitions/duration',
                description:
                  'Limit for each CloudFormation wait of one stack: its change set being created, its deploy or delete, a busy stack (default 30m); past it the stack fails with the retryable aws.wait-timeout.',
              },
              synth: {
                description: 'How the CDK app (repository code) is kept away from the controller.',
                type: 'object',
                additionalProperties: false,
                properties: {
                  isolation: {
                    description:
                      "bubblewrap: the app runs in its own PID, mount and network namespaces, seeing only its checkout (default). sidecar: the app runs in a separate container (`cairn synth-runner`) that holds no credentials, reached over the Unix socket aws.synth.socket and sharing the workspaces folder. none: a plain child process that can read everything cairn can; only for repositories whose every author you trust with the controller's credentials.",
                    enum: ['bubblewrap', 'sidecar', 'none'],
                  },
                  socket: {
                    description:
                      "With isolation sidecar: the absolute path of the synth runner's Unix socket (default /var/lib/cairn/runner/synth.sock).",
                    type: 'string',
                    pattern: '^/',
                  },
                  uid: {
                    description: 'The uid the app runs as when cairn runs as root (default 65534).',
                    type: 'integer',
                    minimum: 1,
                  },
                  gid: {
                    description: 'The gid the app runs as when cairn runs as root (default 65534).',
                    type: 'integer',
                    minimum: 1,
                  },
                },
              },
            },
          },
          kubernetes: {
            description: 'Where k8s-resources/ is applied.',
            type: 'object',
            additionalProperties: false,
            properties: {
              kubeconfig: {
                description: 'Kubeconfig path (default: KUBECONFIG, ~/.kube/config or in-cluster).',
                type: 'string',
              },
              context: {
                description: 'Context in the kubeconfig (default: its current context).',
                type: 'string',
              },
              namespace: {
                description: 'Namespace given to namespaced objects that name none (default: default).',
                type: 'string',
              },
              forceConflicts: {
                description: 'Take over fields another field manager owns (default false).',
                type: 'boolean',
              },
              pruneMaxShare: {
                description: 'Largest share of the inventory one commit may prune (default 0.5).',
                type: 'number',
                minimum: 0,
                maximum: 1,
              },
              allowMassPrune: {
                description: 'Allow a commit to prune more than pruneMaxShare (default false).',
                type: 'boolean',
              },
              healthTimeout: {
                $ref: '#/definitions/duration',
                description: 'How long to wait for applied objects to be healthy (default 2m).',
              },
              concurrency: {
                description: 'Objects applied at once within a wave (default 8).',
                type: 'integer',
                minimum: 1,
                maximum: 64,
              },
              adopt: {
                description:
                  'Apply objects whose cairn.dev/owner label names another environment: true for any, or a list of those owner ids (default false: such an object is refused, naming its owner). An entry Kind/namespace/name (or Kind/name) adopts that one object even without an owner mark.',
                oneOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', minLength: 1 } }],
              },
              adoptUnowned: {
                description:
                  'Take over live objects that carry no cairn owner mark (default false: such an object is refused as kube.unowned, naming who manages it).',
                type: 'boolean',
              },
              allowClusterPolicy: {
                description:
                  "Let this environment's tree write cluster policy in the kinds it may write (default false: refused as kube.out-of-bounds): admission webhooks and policies, APIServices, FlowSchemas and PriorityLevelConfigurations, CRD conversion webhooks, ClusterRole aggregation (aggregate-to-* labels, aggregationRule), default StorageClasses and IngressClasses, global default PriorityClasses, hostPath and local PersistentVolumes, Services with externalIPs, Ingress snippet annotations (*-snippet, *-snippets), a Traefik TLSOption or TLSStore named default, a Kong KongClusterPlugin labelled global and a KongConsumer with credentials, a route taking a shared gateway's port whole, matched by no host (a Kong UDPIngress rule or TCPIngress rule without host, a Traefik IngressRouteUDP or IngressRouteTCP route of HostSNI(`*`), an NGINX Inc TransportServer without host on a TCP or UDP listener, a HAProxy TCP resource), pod templates at a system-* priority class or with a nodeName, role bindings to everyone (system:authenticated, system:unauthenticated, system:serviceaccounts, system:nodes, system:anonymous), and Namespace labels and annotations under kubernetes.io, k8s.io and openshift.io (Pod Security levels, node selectors) other than app.kubernetes.io and kubectl.kubernetes.io.",
                type: 'boolean',
              },
              namespaces: {
                description:
                  "The namespaces this environment may write, names or * globs (default: its namespace plus the Namespace objects its own tree declares). kube-system, kube-public, kube-node-lease, cairn's own namespace and the sharding namespace are refused whatever this says.",
                type: 'array',
                items: { type: 'string', minLength: 1 },
              },
              clusterResources: {
                description:
                  'The cluster-scoped kinds this environment may write, as Kind or group/Kind (default [Namespace]).',
                type: 'array',
                items: { type: 'string', minLength: 1 },
              },
              hosts: {
                description:
                  "The host names this environment's Ingresses, Gateway API routes (spec.hostnames) and Gateway listeners, other controllers' routes, cert-manager Certificates, ingress-shim annotations (cert-manager.io/common-name, alt-names) and csi-driver volumes (csi.cert-manager.io/common-name, dns-names) may claim: names, or *.domain for every name below domain (default: unchecked, any host). When set, a host outside it, and a rule, TLS entry, route or listener naming no host (a catch-all), is refused as kube.out-of-bounds.",
                type: 'array',
                items: {
                  type: 'string',
                  pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                },
              },
              clusterDomain: {
                description:
                  "The cluster's DNS domain (kubelet's --cluster-domain; default cluster.local): an ExternalName, or a host a shared ingress controller requests (auth-url, a route's service), ending in .svc.<clusterDomain> or .pod.<clusterDomain> names a Service or pod of the cluster and is bounded as one; under another domain it would pass as a host outside the cluster.",
                type: 'string',
                pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
              },
              sharedCredentials: {
                description:
                  "The cluster-wide credential holders of shared operators that this environment's objects may make those operators act with, as Kind/name (the name may be a * glob): an External Secrets ClusterSecretStore (an ExternalSecret's secretStoreRef or sourceRef.storeRef, a PushSecret's secretStoreRefs; one picked by labelSelector is ClusterSecretStore/*) or ClusterGenerator, a cert-manager ClusterIssuer (or an external issuer's cluster kind) asked for a Certificate with isCA, uris, ipAddresses, emailAddresses, otherNames or literalSubject, or by a CertificateRequest, a KEDA ClusterTriggerAuthentication named by a ScaledObject's or ScaledJob's trigger, and External Secrets' own identity (ExternalSecretsController/aws, ExternalSecretsController/gcp, ExternalSecretsController/azure, ExternalSecretsController/kubernetes), which a SecretStore or an ECR, STS, GCR or VaultDynamicSecret generator leaving out its auth credentials uses (AWS or Google auth, Vault's kubernetes, iam or gcp auth, Azure Key Vault's ManagedIdentity or WorkloadIdentity without serviceAccountRef), the Prometheus Operator's PrometheusServer/files for a ServiceMonitor endpoint's bearerTokenFile or tlsConfig caFile, certFile or keyFile, and PrometheusTargets/<namespace> (PrometheusTargets/* for all) for a ServiceMonitor, PodMonitor or Probe namespaceSelector or a ScrapeConfig's Kubernetes discovery reaching another namespace, and other shared operators' own identities: ACKController/<service> for every AWS Controllers for Kubernetes resource (an AdoptedResource counts as its target's service), ACKAccount/<id>, ACKTeam/<id>, ACKEndpoint/<host> for a Namespace annotated services.k8s.aws/owner-account-id, team-id or endpoint-url, FluxController/kustomize-controller or FluxController/helm-controller for a Flux Kustomization or HelmRelease without serviceAccountName (FluxController/<controller>/remote for its kubeConfig.configMapRef, a remote cluster reached with the controller's cloud identity), FluxController/kustomize-controller-kms for a Kustomization decrypting with sops without spec.decryption.serviceAccountName, FluxController/kustomize-controller-age for one without spec.decryption.secretRef (the controller's --sops-age-secret key), FluxController/source-controller for a Bucket, OCIRepository or HelmRepository on provider aws, gcp or azure without secretRef (or serviceAccountName), Kind/namespace/name for its source of another namespace (and for a Flux ImageUpdateAutomation's sourceRef, an Alert's eventSources or a Receiver's resources of another namespace, and an ACK FieldExport's spec.to of another namespace, Secret/<namespace>/<name> or ConfigMap/<namespace>/<name>), KedaController/aws, KedaController/azure, KedaController/gcp for a TriggerAuthentication whose podIdentity authenticates as KEDA, KedaController/kubernetes, KedaController/files or KedaController/vault-token for its hashiCorpVault login on KEDA's own ServiceAccount token, another file of KEDA's pod or KEDA's VAULT_TOKEN, FluxController/notification-controller for a notification Provider of type googlepubsub, azureeventhub or azuredevops without secretRef or serviceAccountName, ClusterProviderConfig/<group>/<name> for a Crossplane v2 namespaced managed resource (a kind the server files under the category managed, or of a .m. group with forProvider) whose providerConfigRef is of that kind or left out (ClusterProviderConfig/<group>/default), <group> being its provider's ProviderConfig group (aws.m.upbound.io for s3.aws.m.upbound.io; an entry of the name alone is refused at load), CrossplaneProvider/aws.m.upbound.io for an AWS ProviderConfig whose credentials.source is IRSA, PodIdentity, Upbound or WebIdentity without a Secret tokenConfig (default none: each such use is refused as kube.out-of-bounds). List a holder only once it reaches nothing but this environment's own (a ClusterSecretStore's conditions naming its namespaces).",
                type: 'array',
                items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*/[-.*/a-z0-9]+$' },
              },
              serviceAccount: {
                description:
                  "namespace/name of the ServiceAccount that cairn impersonates for every request on this environment's objects (default: none, cairn's own identity).",
                type: 'string',
                pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$',
              },
              maxManifestBytes: {
                description:
                  'Largest total size of the files under k8s-resources/ (default 67108864, 64 MiB); a larger tree is refused, naming its biggest files.',
                type: 'integer',
                minimum: 1,
              },
              render: {
                description:
                  "Where kustomize and helm (repository input) run. Default: the environment's aws.synth, else bubblewrap.",
                type: 'object',
                additionalProperties: false,
                properties: {
                  isolation: {
                    description:
                      'bubblewrap: its own PID, mount and network namespaces, seeing only a copy of the folder (default). sidecar: a job of the synth runner container, over kubernetes.render.socket (the in-cluster install, where a Kubernetes-only environment has no aws.synth to name it). none: a plain child process.',
                    enum: ['bubblewrap', 'sidecar', 'none'],
                  },
                  socket: {
                    description:
                      "With isolation sidecar: the absolute path of the synth runner's Unix socket (default /var/lib/cairn/runner/synth.sock).",
                    type: 'string',
                    pattern: '^/',
                  },
                  uid: {
                    description: 'The uid a render runs as when cairn runs as root (default 65534).',
                    type: 'integer',
                    minimum: 1,
                  },
                  gid: {
                    description: 'The gid a render runs as when cairn runs as root (default 65534).',
                    type: 'integer',
                    minimum: 1,
                  },
                },
              },
            },
          },
        },
      },
    },
    audit: {
      description: 'The audit trail.',
      type: 'object',
      additionalProperties: false,
      required: ['dir'],
      properties: {
        backend: {
          description:
            'Where the chains live: jsonl (files in dir, the default) or dynamodb (a shared table, see audit.dynamodb).',
          enum: ['jsonl', 'dynamodb'],
        },
        dir: {
          description:
            'Folder of the audit log (relative to this file); with the dynamodb backend only the default workspaces folder derives from it.',
          type: 'string',
          minLength: 1,
        },
        witnessDir: {
          description:
            "jsonl: folder outside dir where each chain's head is witnessed on every append, so a cut tail or a rewritten chain is found (default: <dir>.witness beside dir).",
          type: 'string',
          minLength: 1,
        },
        keyFile: {
          description:
            'File holding the HMAC key (32 bytes or more) the records are hashed with; keep it outside dir.',
          type: 'string',
          minLength: 1,
        },
        keyEnv: {
          $ref: '#/definitions/envVarName',
          description:
            'Environment variable holding the HMAC key (for example filled from a Kubernetes Secret).',
        },
        retiredKeys: {
          description:
            'Keys the audit trail was hashed with before a rotation of keyFile or keyEnv: each verifies the records written under it (found by their key id), never signs a new one, and is not accepted after a record of the current key in the same chain. Keep each until no chain holds records under it.',
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              env: {
                $ref: '#/definitions/envVarName',
                description: 'Environment variable holding the retired key.',
              },
              file: {
                description: 'File holding the retired key (relative to this config file; outside dir).',
                type: 'string',
                minLength: 1,
              },
            },
            oneOf: [{ required: ['env'] }, { required: ['file'] }],
          },
        },
        unkeyed: {
          description:
            'Accept chains hashed with plain SHA-256 and no key: edits are found, but someone who can write the log and its witness can rewrite both consistently. Default false: cairn refuses to start without a key.',
          type: 'boolean',
        },
        dynamodb: {
          description: 'The DynamoDB table of the dynamodb backend (created on first use if missing).',
          type: 'object',
          additionalProperties: false,
          required: ['table', 'region'],
          properties: {
            table: {
              description: 'Table name (partition key env, sort key seq).',
              type: 'string',
              minLength: 3,
            },
            region: { description: 'AWS region of the table.', type: 'string', minLength: 1 },
            endpoint: {
              description: 'Endpoint URL (a local DynamoDB or moto in tests).',
              type: 'string',
              minLength: 1,
            },
          },
        },
      },
    },
    server: {
      description: 'The HTTP server: webhooks, API, health and metrics.',
      type: 'object',
      additionalProperties: false,
      properties: {
        port: {
          description: 'TCP port (default 8080; 0 picks a free one).',
          type: 'integer',
          minimum: 0,
          maximum: 65535,
        },
        probePort: {
          description:
            'TCP port of the probe listener, which serves only GET /healthz and /readyz, on the same address as server.port, with connection caps and timeouts of its own, so a flood of the main port cannot fail the liveness probe (default 8081, or 0 when server.port is 0; 0 picks a free one). Must differ from server.port.',
          type: 'integer',
          minimum: 0,
          maximum: 65535,
        },
        host: {
          description:
            'Address to listen on (default 127.0.0.1). With no API token configured the server listens on 127.0.0.1 only, whatever this says, and logs that it did.',
          type: 'string',
        },
        webhookSecretEnv: {
          $ref: '#/definitions/envVarName',
          description: 'Environment variable holding the webhook secret.',
        },
        previousWebhookSecretEnv: {
          $ref: '#/definitions/envVarName',
          description:
            'During a rotation of the webhook secret: environment variable holding the former secret, still accepted (after the current one) until the Git host signs with the new one; remove it then. Needs webhookSecretEnv.',
        },
        apiTokenEnv: {
          $ref: '#/definitions/envVarName',
          description:
            'Environment variable holding an API bearer token with both scopes (read and sync); shorthand for one entry of apiTokens.',
        },
        apiTokens: {
          description:
            "API bearer tokens. When any token is configured every /api/* route needs one: GET routes the read scope, POST .../sync the sync scope. Values come from an environment variable or a file, never from this file. Required (this or apiTokenEnv) when an environment runs jobs in the sidecar runner, whose jobs share the pod's loopback.",
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              env: {
                $ref: '#/definitions/envVarName',
                description: 'Environment variable holding the token.',
              },
              file: {
                description:
                  'File holding the token (relative to this config file; a trailing newline is ignored).',
                type: 'string',
                minLength: 1,
              },
              scopes: {
                description:
                  'What the token may do: read (GET /api/...) and/or sync (POST /api/environments/:env/sync).',
                type: 'array',
                minItems: 1,
                uniqueItems: true,
                items: { enum: ['read', 'sync'] },
              },
            },
            required: ['scopes'],
            oneOf: [{ required: ['env'] }, { required: ['file'] }],
          },
        },
        maxBodySize: {
          description: 'Largest webhook body in bytes (default 1048576).',
          type: 'integer',
          minimum: 1024,
        },
        maxConnections: {
          description: 'Open connections at most; more are closed at once (default 256).',
          type: 'integer',
          minimum: 1,
        },
        maxConnectionsPerClient: {
          description:
            "Open connections per client at most (an IPv4 address, an IPv6 /64, and every loopback address as one where an environment runs in a sidecar runner); more are closed at once (default 32). Behind a proxy every client has the proxy's address.",
          type: 'integer',
          minimum: 1,
        },
        headersTimeout: {
          $ref: '#/definitions/duration',
          description: "Time allowed to receive a request's headers (default 10s).",
        },
        bodyTimeout: {
          $ref: '#/definitions/duration',
          description:
            "Time allowed to receive a request's body once its headers are in; the connection is cut after it (default 10s).",
        },
        maxBufferedBodySize: {
          description:
            'Bytes of request bodies larger than 64 KiB held at once across all connections; a request that would pass it gets 503 (default 16777216).',
          type: 'integer',
          minimum: 65536,
        },
        publicUrl: {
          description:
            "The URL people reach cairn's API at (behind its proxy or ingress); commit statuses link to `<publicUrl>/api/audit/<entry id>`. Without it statuses carry no link.",
          type: 'string',
          pattern: '^https?://[^\\s]+$',
        },
        metricsAuth: {
          description:
            "Put `/metrics` behind a bearer token with the `read` scope (default false: open, as Prometheus scrapes usually are), and keep `/readyz` from naming what is not ready: its 503 then gives the cause's class (`audit-trail` or `first-fetch`) and where to read the rest. `/metrics` names every environment and replica, and `/readyz` an environment whose audit chain takes no appends; set this when they are not for everyone who can reach the port. Needs an API token. Must be true when an environment runs jobs in the sidecar runner (aws.synth or kubernetes.render isolation sidecar).",
          type: 'boolean',
        },
        ui: {
          description:
            "Serve the web UI under / on the server's port (default true). The UI reads the same API with the same tokens and scopes; false serves no page.",
          type: 'boolean',
        },
      },
    },
    reconcile: {
      description: 'How reconciles share the process.',
      type: 'object',
      additionalProperties: false,
      properties: {
        maxConcurrent: {
          description:
            "Reconciles running at once across all environments (default 16); the others wait their turn, oldest first. Each running reconcile holds its manifests and live objects in memory, so this bounds a replica's peak memory.",
          type: 'integer',
          minimum: 1,
        },
      },
    },
    workspaces: {
      description: 'Checkouts and the Git cache.',
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: {
          description: 'Folder for checkouts (default: workspaces/ beside the audit folder).',
          type: 'string',
        },
        keep: { description: 'Checkouts kept per environment (default 3).', type: 'integer', minimum: 1 },
        maxFileSize: {
          description: 'A file larger than this many bytes in a checkout is refused (default 52428800).',
          type: 'integer',
          minimum: 1,
        },
      },
    },
    kubernetes: {
      description: "Settings of cairn's own Kubernetes identity that hold for every environment.",
      type: 'object',
      additionalProperties: false,
      properties: {
        requireServiceAccount: {
          description:
            'Refuse, at start-up, an environment with kubernetes but no kubernetes.serviceAccount (default false).',
          type: 'boolean',
        },
        controllerNamespace: {
          description:
            "cairn's own namespace, never written by an environment (default: the pod's namespace in a cluster, else cairn).",
          type: 'string',
          minLength: 1,
        },
        kustomize: {
          description:
            'The kustomize binary that renders k8s-resources/ folders holding a kustomization.yaml.',
          type: 'object',
          additionalProperties: false,
          properties: {
            path: {
              description:
                'Path of the kustomize binary, relative to the config file or ~/ (default: kustomize on PATH).',
              type: 'string',
              minLength: 1,
            },
          },
        },
        helm: {
          description: 'The helm binary that renders k8s-resources/ folders holding a Chart.yaml.',
          type: 'object',
          additionalProperties: false,
          properties: {
            path: {
              description:
                'Path of the helm binary, relative to the config file or ~/ (default: helm on PATH).',
              type: 'string',
              minLength: 1,
            },
          },
        },
      },
    },
    telemetry: {
      description:
        'day-two: OpenTelemetry traces. When otlpEndpoint is set, one trace per reconcile (a span per phase and per stack) is sent over OTLP/HTTP with JSON encoding to <otlpEndpoint>/v1/traces, never blocking a reconcile (see docs/day-two.md).',
      type: 'object',
      additionalProperties: false,
      properties: {
        otlpEndpoint: {
          description:
            'The OTLP/HTTP base URL of a collector (http or https), for instance http://otel-collector:4318; cairn posts to <otlpEndpoint>/v1/traces.',
          type: 'string',
          pattern: '^https?://[^\\s]+$',
        },
      },
    },
    notifications: {
      description:
        'day-two: where cairn sends a message per event (failed, stalled, recovered, applied, drift-repaired, suspended), in order per environment, retried with backoff, never blocking a reconcile (see docs/day-two.md).',
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type', 'urlEnv', 'events'],
        properties: {
          name: {
            description: 'A name for this receiver, used in logs and the dropped-messages metric.',
            type: 'string',
            pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
          },
          type: {
            description:
              'slack: a Slack incoming webhook (a text message); webhook: a generic JSON POST signed with X-Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body> under secretEnv.',
            enum: ['slack', 'webhook'],
          },
          urlEnv: {
            $ref: '#/definitions/envVarName',
            description:
              "The environment variable holding the receiver's URL (a Slack webhook URL is a secret).",
          },
          secretEnv: {
            $ref: '#/definitions/envVarName',
            description:
              'webhook: the environment variable holding the signing secret (required for type webhook).',
          },
          events: {
            description: 'Which events this receiver gets.',
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: ['failed', 'stalled', 'recovered', 'applied', 'drift-repaired', 'suspended'] },
          },
          environments: {
            description: 'Only these environments (default: all).',
            type: 'array',
            items: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    sharding: {
      description:
        'Run several replicas that share the environments: each environment is a shard held through a coordination.k8s.io/v1 Lease, and a replica reconciles only what it holds (see docs/high-availability.md). Needs audit.backend: dynamodb.',
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: {
          description:
            'Shard environments across replicas through Leases (default false: this process reconciles every environment).',
          type: 'boolean',
        },
        namespace: {
          description: "Namespace of the Leases (default: the pod's namespace in a cluster, else default).",
          type: 'string',
          minLength: 1,
        },
        leaseDuration: {
          $ref: '#/definitions/duration',
          description:
            'How long a Lease stays held without a renewal: a replica that died is replaced after this (default 15s).',
        },
        renewInterval: {
          $ref: '#/definitions/duration',
          description:
            'How often a replica renews its Leases and rebalances; shorter than leaseDuration (default 5s).',
        },
        identity: {
          description:
            "This replica's holderIdentity in the Leases (default: POD_NAME, else the host name, then a random suffix). Must differ between replicas.",
          type: 'string',
          minLength: 1,
          maxLength: 128,
        },
        kubeconfig: {
          description:
            'Kubeconfig of the cluster that holds the Leases (default: KUBECONFIG, ~/.kube/config or in-cluster).',
          type: 'string',
          minLength: 1,
        },
        context: {
          description: 'Context in that kubeconfig (default: its current context).',
          type: 'string',
          minLength: 1,
        },
        advertiseUrl: {
          description:
            "The URL the other replicas reach this one at, to hand it webhooks of the environments it holds; published in this replica's heartbeat Lease (default http://<POD_IP>:<server.port>, else http://127.0.0.1:<server.port>).",
          type: 'string',
          pattern: '^https?://',
        },
        shards: {
          description:
            'How many shards the environments are hashed into (sha256 of the name); a replica holds shard Leases, so Lease writes per second depend on this, not on the number of environments. A few per expected replica (default 16).',
          type: 'integer',
          minimum: 1,
          maximum: 1024,
        },
        handoffKeyFile: {
          description:
            'File holding the key (at least 32 bytes) that signs webhooks handed between replicas; one of handoffKeyFile and handoffKeyEnv is required with sharding. Never the webhook secret.',
          type: 'string',
          minLength: 1,
        },
        handoffKeyEnv: {
          $ref: '#/definitions/envVarName',
          description:
            'Environment variable holding the handoff key (at least 32 bytes), e.g. filled from a Kubernetes Secret; one of handoffKeyFile and handoffKeyEnv is required with sharding.',
        },
        peerUrls: {
          description:
            "When set, the only URLs a webhook is handed to: an advertiseUrl a replica's heartbeat names is honoured only if it is listed here (trailing slashes ignored).",
          type: 'array',
          items: { type: 'string', pattern: '^https?://' },
          uniqueItems: true,
        },
      },
    },
  },
};
const schema12 = {
  description:
    'A duration: a number followed by ms, s, m or h (500ms, 30s, 5m, 1h); above 0 unless the field says what 0 means, and at most 596h (what a timer can wait).',
  type: 'string',
  pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
};
const schema13 = {
  description: 'The name of an environment variable (the secret itself is never written in this file).',
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
};
const func2 = Object.prototype.hasOwnProperty;
const func3 = require('ajv/dist/runtime/ucs2length').default;
const func0 = require('ajv/dist/runtime/equal').default;
const pattern0 = new RegExp('^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$', 'u');
const pattern1 = new RegExp('^[A-Za-z_][A-Za-z0-9_]*$', 'u');
const pattern2 = new RegExp('^https?://[^\\s]+$', 'u');
const pattern4 = new RegExp('^[^/\\s]+(/[^/\\s]+)+$', 'u');
const pattern6 = new RegExp('^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', 'u');
const pattern7 = new RegExp('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', 'u');
const pattern11 = new RegExp('^[a-z]{2}(-[a-z]+)+-[0-9]+$', 'u');
const pattern12 = new RegExp('^[0-9]{12}$', 'u');
const pattern13 = new RegExp('^https?://', 'u');
const pattern14 = new RegExp('^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$', 'u');
const pattern15 = new RegExp('^[^*\\s]+\\*?$', 'u');
const pattern18 = new RegExp('^([^*\\s]+\\*?|\\*)$', 'u');
const pattern19 = new RegExp('^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$', 'u');
const pattern20 = new RegExp('^[A-Za-z0-9_-]{1,10}$', 'u');
const pattern23 = new RegExp('^/', 'u');
const pattern25 = new RegExp(
  '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  'u',
);
const pattern26 = new RegExp('^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', 'u');
const pattern27 = new RegExp('^[A-Za-z][A-Za-z0-9]*/[-.*/a-z0-9]+$', 'u');
const pattern28 = new RegExp('^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$', 'u');
const pattern40 = new RegExp('^[a-z0-9][a-z0-9-]{0,62}$', 'u');
function validate10(data, { instancePath = '', parentData, parentDataProperty, rootData = data } = {}) {
  /*# sourceURL="https://cairn.dev/schemas/cairn-config.schema.json" */ let vErrors = null;
  let errors = 0;
  if (data && typeof data == 'object' && !Array.isArray(data)) {
    if (data.repository === undefined) {
      const err0 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'repository' },
        message: "must have required property '" + 'repository' + "'",
        schema: schema11.required,
        parentSchema: schema11,
        data,
      };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data.environments === undefined) {
      const err1 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'environments' },
        message: "must have required property '" + 'environments' + "'",
        schema: schema11.required,
        parentSchema: schema11,
        data,
      };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data.audit === undefined) {
      const err2 = {
        instancePath,
        schemaPath: '#/required',
        keyword: 'required',
        params: { missingProperty: 'audit' },
        message: "must have required property '" + 'audit' + "'",
        schema: schema11.required,
        parentSchema: schema11,
        data,
      };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    for (const key0 in data) {
      if (!func2.call(schema11.properties, key0)) {
        const err3 = {
          instancePath,
          schemaPath: '#/additionalProperties',
          keyword: 'additionalProperties',
          params: { additionalProperty: key0 },
          message: 'must NOT have additional properties',
          schema: false,
          parentSchema: schema11,
          data,
        };
        if (vErrors === null) {
          vErrors = [err3];
        } else {
          vErrors.push(err3);
        }
        errors++;
      }
    }
    if (data.repository !== undefined) {
      let data0 = data.repository;
      if (data0 && typeof data0 == 'object' && !Array.isArray(data0)) {
        if (data0.url === undefined) {
          const err4 = {
            instancePath: instancePath + '/repository',
            schemaPath: '#/properties/repository/required',
            keyword: 'required',
            params: { missingProperty: 'url' },
            message: "must have required property '" + 'url' + "'",
            schema: schema11.properties.repository.required,
            parentSchema: schema11.properties.repository,
            data: data0,
          };
          if (vErrors === null) {
            vErrors = [err4];
          } else {
            vErrors.push(err4);
          }
          errors++;
        }
        for (const key1 in data0) {
          if (!(
            key1 === 'url' ||
            key1 === 'backend' ||
            key1 === 'pollInterval' ||
            key1 === 'branchPrefix' ||
            key1 === 'watch' ||
            key1 === 'auth' ||
            key1 === 'verify' ||
            key1 === 'host'
          )) {
            const err5 = {
              instancePath: instancePath + '/repository',
              schemaPath: '#/properties/repository/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key1 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.repository,
              data: data0,
            };
            if (vErrors === null) {
              vErrors = [err5];
            } else {
              vErrors.push(err5);
            }
            errors++;
          }
        }
        if (data0.url !== undefined) {
          let data1 = data0.url;
          if (typeof data1 === 'string') {
            if (func3(data1) < 1) {
              const err6 = {
                instancePath: instancePath + '/repository/url',
                schemaPath: '#/properties/repository/properties/url/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.repository.properties.url,
                data: data1,
              };
              if (vErrors === null) {
                vErrors = [err6];
              } else {
                vErrors.push(err6);
              }
              errors++;
            }
          } else {
            const err7 = {
              instancePath: instancePath + '/repository/url',
              schemaPath: '#/properties/repository/properties/url/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.repository.properties.url.type,
              parentSchema: schema11.properties.repository.properties.url,
              data: data1,
            };
            if (vErrors === null) {
              vErrors = [err7];
            } else {
              vErrors.push(err7);
            }
            errors++;
          }
        }
        if (data0.backend !== undefined) {
          let data2 = data0.backend;
          if (!(data2 === 'isomorphic' || data2 === 'native')) {
            const err8 = {
              instancePath: instancePath + '/repository/backend',
              schemaPath: '#/properties/repository/properties/backend/enum',
              keyword: 'enum',
              params: { allowedValues: schema11.properties.repository.properties.backend.enum },
              message: 'must be equal to one of the allowed values',
              schema: schema11.properties.repository.properties.backend.enum,
              parentSchema: schema11.properties.repository.properties.backend,
              data: data2,
            };
            if (vErrors === null) {
              vErrors = [err8];
            } else {
              vErrors.push(err8);
            }
            errors++;
          }
        }
        if (data0.pollInterval !== undefined) {
          let data3 = data0.pollInterval;
          if (typeof data3 === 'string') {
            if (!pattern0.test(data3)) {
              const err9 = {
                instancePath: instancePath + '/repository/pollInterval',
                schemaPath: '#/definitions/duration/pattern',
                keyword: 'pattern',
                params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                parentSchema: schema12,
                data: data3,
              };
              if (vErrors === null) {
                vErrors = [err9];
              } else {
                vErrors.push(err9);
              }
              errors++;
            }
          } else {
            const err10 = {
              instancePath: instancePath + '/repository/pollInterval',
              schemaPath: '#/definitions/duration/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema12.type,
              parentSchema: schema12,
              data: data3,
            };
            if (vErrors === null) {
              vErrors = [err10];
            } else {
              vErrors.push(err10);
            }
            errors++;
          }
        }
        if (data0.branchPrefix !== undefined) {
          let data4 = data0.branchPrefix;
          if (typeof data4 !== 'string') {
            const err11 = {
              instancePath: instancePath + '/repository/branchPrefix',
              schemaPath: '#/properties/repository/properties/branchPrefix/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.repository.properties.branchPrefix.type,
              parentSchema: schema11.properties.repository.properties.branchPrefix,
              data: data4,
            };
            if (vErrors === null) {
              vErrors = [err11];
            } else {
              vErrors.push(err11);
            }
            errors++;
          }
        }
        if (data0.watch !== undefined) {
          let data5 = data0.watch;
          if (typeof data5 !== 'boolean') {
            const err12 = {
              instancePath: instancePath + '/repository/watch',
              schemaPath: '#/properties/repository/properties/watch/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.repository.properties.watch.type,
              parentSchema: schema11.properties.repository.properties.watch,
              data: data5,
            };
            if (vErrors === null) {
              vErrors = [err12];
            } else {
              vErrors.push(err12);
            }
            errors++;
          }
        }
        if (data0.auth !== undefined) {
          let data6 = data0.auth;
          if (data6 && typeof data6 == 'object' && !Array.isArray(data6)) {
            for (const key2 in data6) {
              if (!(key2 === 'tokenEnv' || key2 === 'username' || key2 === 'sshKeyPath')) {
                const err13 = {
                  instancePath: instancePath + '/repository/auth',
                  schemaPath: '#/properties/repository/properties/auth/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key2 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.repository.properties.auth,
                  data: data6,
                };
                if (vErrors === null) {
                  vErrors = [err13];
                } else {
                  vErrors.push(err13);
                }
                errors++;
              }
            }
            if (data6.tokenEnv !== undefined) {
              let data7 = data6.tokenEnv;
              if (typeof data7 === 'string') {
                if (!pattern1.test(data7)) {
                  const err14 = {
                    instancePath: instancePath + '/repository/auth/tokenEnv',
                    schemaPath: '#/definitions/envVarName/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                    message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                    schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                    parentSchema: schema13,
                    data: data7,
                  };
                  if (vErrors === null) {
                    vErrors = [err14];
                  } else {
                    vErrors.push(err14);
                  }
                  errors++;
                }
              } else {
                const err15 = {
                  instancePath: instancePath + '/repository/auth/tokenEnv',
                  schemaPath: '#/definitions/envVarName/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema13.type,
                  parentSchema: schema13,
                  data: data7,
                };
                if (vErrors === null) {
                  vErrors = [err15];
                } else {
                  vErrors.push(err15);
                }
                errors++;
              }
            }
            if (data6.username !== undefined) {
              let data8 = data6.username;
              if (typeof data8 !== 'string') {
                const err16 = {
                  instancePath: instancePath + '/repository/auth/username',
                  schemaPath: '#/properties/repository/properties/auth/properties/username/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.repository.properties.auth.properties.username.type,
                  parentSchema: schema11.properties.repository.properties.auth.properties.username,
                  data: data8,
                };
                if (vErrors === null) {
                  vErrors = [err16];
                } else {
                  vErrors.push(err16);
                }
                errors++;
              }
            }
            if (data6.sshKeyPath !== undefined) {
              let data9 = data6.sshKeyPath;
              if (typeof data9 !== 'string') {
                const err17 = {
                  instancePath: instancePath + '/repository/auth/sshKeyPath',
                  schemaPath: '#/properties/repository/properties/auth/properties/sshKeyPath/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.repository.properties.auth.properties.sshKeyPath.type,
                  parentSchema: schema11.properties.repository.properties.auth.properties.sshKeyPath,
                  data: data9,
                };
                if (vErrors === null) {
                  vErrors = [err17];
                } else {
                  vErrors.push(err17);
                }
                errors++;
              }
            }
          } else {
            const err18 = {
              instancePath: instancePath + '/repository/auth',
              schemaPath: '#/properties/repository/properties/auth/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.repository.properties.auth.type,
              parentSchema: schema11.properties.repository.properties.auth,
              data: data6,
            };
            if (vErrors === null) {
              vErrors = [err18];
            } else {
              vErrors.push(err18);
            }
            errors++;
          }
        }
        if (data0.verify !== undefined) {
          let data10 = data0.verify;
          if (data10 && typeof data10 == 'object' && !Array.isArray(data10)) {
            if (data10.allowedSigners === undefined) {
              const err19 = {
                instancePath: instancePath + '/repository/verify',
                schemaPath: '#/properties/repository/properties/verify/required',
                keyword: 'required',
                params: { missingProperty: 'allowedSigners' },
                message: "must have required property '" + 'allowedSigners' + "'",
                schema: schema11.properties.repository.properties.verify.required,
                parentSchema: schema11.properties.repository.properties.verify,
                data: data10,
              };
              if (vErrors === null) {
                vErrors = [err19];
              } else {
                vErrors.push(err19);
              }
              errors++;
            }
            for (const key3 in data10) {
              if (!(key3 === 'mode' || key3 === 'allowedSigners')) {
                const err20 = {
                  instancePath: instancePath + '/repository/verify',
                  schemaPath: '#/properties/repository/properties/verify/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key3 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.repository.properties.verify,
                  data: data10,
                };
                if (vErrors === null) {
                  vErrors = [err20];
                } else {
                  vErrors.push(err20);
                }
                errors++;
              }
            }
            if (data10.mode !== undefined) {
              let data11 = data10.mode;
              if (!(data11 === 'head')) {
                const err21 = {
                  instancePath: instancePath + '/repository/verify/mode',
                  schemaPath: '#/properties/repository/properties/verify/properties/mode/enum',
                  keyword: 'enum',
                  params: {
                    allowedValues: schema11.properties.repository.properties.verify.properties.mode.enum,
                  },
                  message: 'must be equal to one of the allowed values',
                  schema: schema11.properties.repository.properties.verify.properties.mode.enum,
                  parentSchema: schema11.properties.repository.properties.verify.properties.mode,
                  data: data11,
                };
                if (vErrors === null) {
                  vErrors = [err21];
                } else {
                  vErrors.push(err21);
                }
                errors++;
              }
            }
            if (data10.allowedSigners !== undefined) {
              let data12 = data10.allowedSigners;
              if (typeof data12 === 'string') {
                if (func3(data12) < 1) {
                  const err22 = {
                    instancePath: instancePath + '/repository/verify/allowedSigners',
                    schemaPath:
                      '#/properties/repository/properties/verify/properties/allowedSigners/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.repository.properties.verify.properties.allowedSigners,
                    data: data12,
                  };
                  if (vErrors === null) {
                    vErrors = [err22];
                  } else {
                    vErrors.push(err22);
                  }
                  errors++;
                }
              } else {
                const err23 = {
                  instancePath: instancePath + '/repository/verify/allowedSigners',
                  schemaPath: '#/properties/repository/properties/verify/properties/allowedSigners/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.repository.properties.verify.properties.allowedSigners.type,
                  parentSchema: schema11.properties.repository.properties.verify.properties.allowedSigners,
                  data: data12,
                };
                if (vErrors === null) {
                  vErrors = [err23];
                } else {
                  vErrors.push(err23);
                }
                errors++;
              }
            }
          } else {
            const err24 = {
              instancePath: instancePath + '/repository/verify',
              schemaPath: '#/properties/repository/properties/verify/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.repository.properties.verify.type,
              parentSchema: schema11.properties.repository.properties.verify,
              data: data10,
            };
            if (vErrors === null) {
              vErrors = [err24];
            } else {
              vErrors.push(err24);
            }
            errors++;
          }
        }
        if (data0.host !== undefined) {
          let data13 = data0.host;
          if (data13 && typeof data13 == 'object' && !Array.isArray(data13)) {
            if (data13.type === undefined) {
              const err25 = {
                instancePath: instancePath + '/repository/host',
                schemaPath: '#/properties/repository/properties/host/required',
                keyword: 'required',
                params: { missingProperty: 'type' },
                message: "must have required property '" + 'type' + "'",
                schema: schema11.properties.repository.properties.host.required,
                parentSchema: schema11.properties.repository.properties.host,
                data: data13,
              };
              if (vErrors === null) {
                vErrors = [err25];
              } else {
                vErrors.push(err25);
              }
              errors++;
            }
            if (data13.tokenEnv === undefined) {
              const err26 = {
                instancePath: instancePath + '/repository/host',
                schemaPath: '#/properties/repository/properties/host/required',
                keyword: 'required',
                params: { missingProperty: 'tokenEnv' },
                message: "must have required property '" + 'tokenEnv' + "'",
                schema: schema11.properties.repository.properties.host.required,
                parentSchema: schema11.properties.repository.properties.host,
                data: data13,
              };
              if (vErrors === null) {
                vErrors = [err26];
              } else {
                vErrors.push(err26);
              }
              errors++;
            }
            for (const key4 in data13) {
              if (!(
                key4 === 'type' ||
                key4 === 'apiUrl' ||
                key4 === 'tokenEnv' ||
                key4 === 'repo' ||
                key4 === 'planForks' ||
                key4 === 'planTimeout'
              )) {
                const err27 = {
                  instancePath: instancePath + '/repository/host',
                  schemaPath: '#/properties/repository/properties/host/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key4 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.repository.properties.host,
                  data: data13,
                };
                if (vErrors === null) {
                  vErrors = [err27];
                } else {
                  vErrors.push(err27);
                }
                errors++;
              }
            }
            if (data13.type !== undefined) {
              let data14 = data13.type;
              if (!(data14 === 'gitea' || data14 === 'github' || data14 === 'gitlab')) {
                const err28 = {
                  instancePath: instancePath + '/repository/host/type',
                  schemaPath: '#/properties/repository/properties/host/properties/type/enum',
                  keyword: 'enum',
                  params: {
                    allowedValues: schema11.properties.repository.properties.host.properties.type.enum,
                  },
                  message: 'must be equal to one of the allowed values',
                  schema: schema11.properties.repository.properties.host.properties.type.enum,
                  parentSchema: schema11.properties.repository.properties.host.properties.type,
                  data: data14,
                };
                if (vErrors === null) {
                  vErrors = [err28];
                } else {
                  vErrors.push(err28);
                }
                errors++;
              }
            }
            if (data13.apiUrl !== undefined) {
              let data15 = data13.apiUrl;
              if (typeof data15 === 'string') {
                if (!pattern2.test(data15)) {
                  const err29 = {
                    instancePath: instancePath + '/repository/host/apiUrl',
                    schemaPath: '#/properties/repository/properties/host/properties/apiUrl/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^https?://[^\\s]+$' },
                    message: 'must match pattern "' + '^https?://[^\\s]+$' + '"',
                    schema: '^https?://[^\\s]+$',
                    parentSchema: schema11.properties.repository.properties.host.properties.apiUrl,
                    data: data15,
                  };
                  if (vErrors === null) {
                    vErrors = [err29];
                  } else {
                    vErrors.push(err29);
                  }
                  errors++;
                }
              } else {
                const err30 = {
                  instancePath: instancePath + '/repository/host/apiUrl',
                  schemaPath: '#/properties/repository/properties/host/properties/apiUrl/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.repository.properties.host.properties.apiUrl.type,
                  parentSchema: schema11.properties.repository.properties.host.properties.apiUrl,
                  data: data15,
                };
                if (vErrors === null) {
                  vErrors = [err30];
                } else {
                  vErrors.push(err30);
                }
                errors++;
              }
            }
            if (data13.tokenEnv !== undefined) {
              let data16 = data13.tokenEnv;
              if (typeof data16 === 'string') {
                if (!pattern1.test(data16)) {
                  const err31 = {
                    instancePath: instancePath + '/repository/host/tokenEnv',
                    schemaPath: '#/definitions/envVarName/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                    message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                    schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                    parentSchema: schema13,
                    data: data16,
                  };
                  if (vErrors === null) {
                    vErrors = [err31];
                  } else {
                    vErrors.push(err31);
                  }
                  errors++;
                }
              } else {
                const err32 = {
                  instancePath: instancePath + '/repository/host/tokenEnv',
                  schemaPath: '#/definitions/envVarName/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema13.type,
                  parentSchema: schema13,
                  data: data16,
                };
                if (vErrors === null) {
                  vErrors = [err32];
                } else {
                  vErrors.push(err32);
                }
                errors++;
              }
            }
            if (data13.repo !== undefined) {
              let data17 = data13.repo;
              if (typeof data17 === 'string') {
                if (!pattern4.test(data17)) {
                  const err33 = {
                    instancePath: instancePath + '/repository/host/repo',
                    schemaPath: '#/properties/repository/properties/host/properties/repo/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[^/\\s]+(/[^/\\s]+)+$' },
                    message: 'must match pattern "' + '^[^/\\s]+(/[^/\\s]+)+$' + '"',
                    schema: '^[^/\\s]+(/[^/\\s]+)+$',
                    parentSchema: schema11.properties.repository.properties.host.properties.repo,
                    data: data17,
                  };
                  if (vErrors === null) {
                    vErrors = [err33];
                  } else {
                    vErrors.push(err33);
                  }
                  errors++;
                }
              } else {
                const err34 = {
                  instancePath: instancePath + '/repository/host/repo',
                  schemaPath: '#/properties/repository/properties/host/properties/repo/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.repository.properties.host.properties.repo.type,
                  parentSchema: schema11.properties.repository.properties.host.properties.repo,
                  data: data17,
                };
                if (vErrors === null) {
                  vErrors = [err34];
                } else {
                  vErrors.push(err34);
                }
                errors++;
              }
            }
            if (data13.planForks !== undefined) {
              let data18 = data13.planForks;
              if (typeof data18 !== 'boolean') {
                const err35 = {
                  instancePath: instancePath + '/repository/host/planForks',
                  schemaPath: '#/properties/repository/properties/host/properties/planForks/type',
                  keyword: 'type',
                  params: { type: 'boolean' },
                  message: 'must be boolean',
                  schema: schema11.properties.repository.properties.host.properties.planForks.type,
                  parentSchema: schema11.properties.repository.properties.host.properties.planForks,
                  data: data18,
                };
                if (vErrors === null) {
                  vErrors = [err35];
                } else {
                  vErrors.push(err35);
                }
                errors++;
              }
            }
            if (data13.planTimeout !== undefined) {
              let data19 = data13.planTimeout;
              if (typeof data19 === 'string') {
                if (!pattern0.test(data19)) {
                  const err36 = {
                    instancePath: instancePath + '/repository/host/planTimeout',
                    schemaPath: '#/definitions/duration/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                    message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                    schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                    parentSchema: schema12,
                    data: data19,
                  };
                  if (vErrors === null) {
                    vErrors = [err36];
                  } else {
                    vErrors.push(err36);
                  }
                  errors++;
                }
              } else {
                const err37 = {
                  instancePath: instancePath + '/repository/host/planTimeout',
                  schemaPath: '#/definitions/duration/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema12.type,
                  parentSchema: schema12,
                  data: data19,
                };
                if (vErrors === null) {
                  vErrors = [err37];
                } else {
                  vErrors.push(err37);
                }
                errors++;
              }
            }
          } else {
            const err38 = {
              instancePath: instancePath + '/repository/host',
              schemaPath: '#/properties/repository/properties/host/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.repository.properties.host.type,
              parentSchema: schema11.properties.repository.properties.host,
              data: data13,
            };
            if (vErrors === null) {
              vErrors = [err38];
            } else {
              vErrors.push(err38);
            }
            errors++;
          }
        }
      } else {
        const err39 = {
          instancePath: instancePath + '/repository',
          schemaPath: '#/properties/repository/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.repository.type,
          parentSchema: schema11.properties.repository,
          data: data0,
        };
        if (vErrors === null) {
          vErrors = [err39];
        } else {
          vErrors.push(err39);
        }
        errors++;
      }
    }
    if (data.environments !== undefined) {
      let data20 = data.environments;
      if (Array.isArray(data20)) {
        if (data20.length < 1) {
          const err40 = {
            instancePath: instancePath + '/environments',
            schemaPath: '#/properties/environments/minItems',
            keyword: 'minItems',
            params: { limit: 1 },
            message: 'must NOT have fewer than 1 items',
            schema: 1,
            parentSchema: schema11.properties.environments,
            data: data20,
          };
          if (vErrors === null) {
            vErrors = [err40];
          } else {
            vErrors.push(err40);
          }
          errors++;
        }
        const len0 = data20.length;
        for (let i0 = 0; i0 < len0; i0++) {
          let data21 = data20[i0];
          if (data21 && typeof data21 == 'object' && !Array.isArray(data21)) {
            if (data21.name === undefined) {
              const err41 = {
                instancePath: instancePath + '/environments/' + i0,
                schemaPath: '#/properties/environments/items/required',
                keyword: 'required',
                params: { missingProperty: 'name' },
                message: "must have required property '" + 'name' + "'",
                schema: schema11.properties.environments.items.required,
                parentSchema: schema11.properties.environments.items,
                data: data21,
              };
              if (vErrors === null) {
                vErrors = [err41];
              } else {
                vErrors.push(err41);
              }
              errors++;
            }
            for (const key5 in data21) {
              if (!func2.call(schema11.properties.environments.items.properties, key5)) {
                const err42 = {
                  instancePath: instancePath + '/environments/' + i0,
                  schemaPath: '#/properties/environments/items/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key5 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.environments.items,
                  data: data21,
                };
                if (vErrors === null) {
                  vErrors = [err42];
                } else {
                  vErrors.push(err42);
                }
                errors++;
              }
            }
            if (data21.name !== undefined) {
              let data22 = data21.name;
              if (typeof data22 === 'string') {
                if (!pattern6.test(data22)) {
                  const err43 = {
                    instancePath: instancePath + '/environments/' + i0 + '/name',
                    schemaPath: '#/properties/environments/items/properties/name/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' },
                    message: 'must match pattern "' + '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$' + '"',
                    schema: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
                    parentSchema: schema11.properties.environments.items.properties.name,
                    data: data22,
                  };
                  if (vErrors === null) {
                    vErrors = [err43];
                  } else {
                    vErrors.push(err43);
                  }
                  errors++;
                }
              } else {
                const err44 = {
                  instancePath: instancePath + '/environments/' + i0 + '/name',
                  schemaPath: '#/properties/environments/items/properties/name/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.environments.items.properties.name.type,
                  parentSchema: schema11.properties.environments.items.properties.name,
                  data: data22,
                };
                if (vErrors === null) {
                  vErrors = [err44];
                } else {
                  vErrors.push(err44);
                }
                errors++;
              }
            }
            if (data21.instance !== undefined) {
              let data23 = data21.instance;
              if (typeof data23 === 'string') {
                if (!pattern7.test(data23)) {
                  const err45 = {
                    instancePath: instancePath + '/environments/' + i0 + '/instance',
                    schemaPath: '#/properties/environments/items/properties/instance/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' },
                    message: 'must match pattern "' + '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' + '"',
                    schema: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
                    parentSchema: schema11.properties.environments.items.properties.instance,
                    data: data23,
                  };
                  if (vErrors === null) {
                    vErrors = [err45];
                  } else {
                    vErrors.push(err45);
                  }
                  errors++;
                }
              } else {
                const err46 = {
                  instancePath: instancePath + '/environments/' + i0 + '/instance',
                  schemaPath: '#/properties/environments/items/properties/instance/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.environments.items.properties.instance.type,
                  parentSchema: schema11.properties.environments.items.properties.instance,
                  data: data23,
                };
                if (vErrors === null) {
                  vErrors = [err46];
                } else {
                  vErrors.push(err46);
                }
                errors++;
              }
            }
            if (data21.branch !== undefined) {
              let data24 = data21.branch;
              if (typeof data24 === 'string') {
                if (func3(data24) < 1) {
                  const err47 = {
                    instancePath: instancePath + '/environments/' + i0 + '/branch',
                    schemaPath: '#/properties/environments/items/properties/branch/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.environments.items.properties.branch,
                    data: data24,
                  };
                  if (vErrors === null) {
                    vErrors = [err47];
                  } else {
                    vErrors.push(err47);
                  }
                  errors++;
                }
              } else {
                const err48 = {
                  instancePath: instancePath + '/environments/' + i0 + '/branch',
                  schemaPath: '#/properties/environments/items/properties/branch/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.environments.items.properties.branch.type,
                  parentSchema: schema11.properties.environments.items.properties.branch,
                  data: data24,
                };
                if (vErrors === null) {
                  vErrors = [err48];
                } else {
                  vErrors.push(err48);
                }
                errors++;
              }
            }
            if (data21.order !== undefined) {
              let data25 = data21.order;
              if (!(data25 === 'aws-first' || data25 === 'kubernetes-first')) {
                const err49 = {
                  instancePath: instancePath + '/environments/' + i0 + '/order',
                  schemaPath: '#/properties/environments/items/properties/order/enum',
                  keyword: 'enum',
                  params: { allowedValues: schema11.properties.environments.items.properties.order.enum },
                  message: 'must be equal to one of the allowed values',
                  schema: schema11.properties.environments.items.properties.order.enum,
                  parentSchema: schema11.properties.environments.items.properties.order,
                  data: data25,
                };
                if (vErrors === null) {
                  vErrors = [err49];
                } else {
                  vErrors.push(err49);
                }
                errors++;
              }
            }
            if (data21.driftInterval !== undefined) {
              let data26 = data21.driftInterval;
              if (typeof data26 === 'string') {
                if (!pattern0.test(data26)) {
                  const err50 = {
                    instancePath: instancePath + '/environments/' + i0 + '/driftInterval',
                    schemaPath: '#/definitions/duration/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                    message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                    schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                    parentSchema: schema12,
                    data: data26,
                  };
                  if (vErrors === null) {
                    vErrors = [err50];
                  } else {
                    vErrors.push(err50);
                  }
                  errors++;
                }
              } else {
                const err51 = {
                  instancePath: instancePath + '/environments/' + i0 + '/driftInterval',
                  schemaPath: '#/definitions/duration/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema12.type,
                  parentSchema: schema12,
                  data: data26,
                };
                if (vErrors === null) {
                  vErrors = [err51];
                } else {
                  vErrors.push(err51);
                }
                errors++;
              }
            }
            if (data21.promotion !== undefined) {
              let data27 = data21.promotion;
              if (data27 && typeof data27 == 'object' && !Array.isArray(data27)) {
                if (data27.after === undefined) {
                  const err52 = {
                    instancePath: instancePath + '/environments/' + i0 + '/promotion',
                    schemaPath: '#/properties/environments/items/properties/promotion/required',
                    keyword: 'required',
                    params: { missingProperty: 'after' },
                    message: "must have required property '" + 'after' + "'",
                    schema: schema11.properties.environments.items.properties.promotion.required,
                    parentSchema: schema11.properties.environments.items.properties.promotion,
                    data: data27,
                  };
                  if (vErrors === null) {
                    vErrors = [err52];
                  } else {
                    vErrors.push(err52);
                  }
                  errors++;
                }
                if (data27.healthyFor === undefined) {
                  const err53 = {
                    instancePath: instancePath + '/environments/' + i0 + '/promotion',
                    schemaPath: '#/properties/environments/items/properties/promotion/required',
                    keyword: 'required',
                    params: { missingProperty: 'healthyFor' },
                    message: "must have required property '" + 'healthyFor' + "'",
                    schema: schema11.properties.environments.items.properties.promotion.required,
                    parentSchema: schema11.properties.environments.items.properties.promotion,
                    data: data27,
                  };
                  if (vErrors === null) {
                    vErrors = [err53];
                  } else {
                    vErrors.push(err53);
                  }
                  errors++;
                }
                for (const key6 in data27) {
                  if (!(key6 === 'after' || key6 === 'healthyFor')) {
                    const err54 = {
                      instancePath: instancePath + '/environments/' + i0 + '/promotion',
                      schemaPath: '#/properties/environments/items/properties/promotion/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key6 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.environments.items.properties.promotion,
                      data: data27,
                    };
                    if (vErrors === null) {
                      vErrors = [err54];
                    } else {
                      vErrors.push(err54);
                    }
                    errors++;
                  }
                }
                if (data27.after !== undefined) {
                  let data28 = data27.after;
                  if (typeof data28 === 'string') {
                    if (func3(data28) < 1) {
                      const err55 = {
                        instancePath: instancePath + '/environments/' + i0 + '/promotion/after',
                        schemaPath:
                          '#/properties/environments/items/properties/promotion/properties/after/minLength',
                        keyword: 'minLength',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 characters',
                        schema: 1,
                        parentSchema:
                          schema11.properties.environments.items.properties.promotion.properties.after,
                        data: data28,
                      };
                      if (vErrors === null) {
                        vErrors = [err55];
                      } else {
                        vErrors.push(err55);
                      }
                      errors++;
                    }
                  } else {
                    const err56 = {
                      instancePath: instancePath + '/environments/' + i0 + '/promotion/after',
                      schemaPath:
                        '#/properties/environments/items/properties/promotion/properties/after/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.promotion.properties.after.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.promotion.properties.after,
                      data: data28,
                    };
                    if (vErrors === null) {
                      vErrors = [err56];
                    } else {
                      vErrors.push(err56);
                    }
                    errors++;
                  }
                }
                if (data27.healthyFor !== undefined) {
                  let data29 = data27.healthyFor;
                  if (typeof data29 === 'string') {
                    if (!pattern0.test(data29)) {
                      const err57 = {
                        instancePath: instancePath + '/environments/' + i0 + '/promotion/healthyFor',
                        schemaPath: '#/definitions/duration/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                        message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                        schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                        parentSchema: schema12,
                        data: data29,
                      };
                      if (vErrors === null) {
                        vErrors = [err57];
                      } else {
                        vErrors.push(err57);
                      }
                      errors++;
                    }
                  } else {
                    const err58 = {
                      instancePath: instancePath + '/environments/' + i0 + '/promotion/healthyFor',
                      schemaPath: '#/definitions/duration/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema12.type,
                      parentSchema: schema12,
                      data: data29,
                    };
                    if (vErrors === null) {
                      vErrors = [err58];
                    } else {
                      vErrors.push(err58);
                    }
                    errors++;
                  }
                }
              } else {
                const err59 = {
                  instancePath: instancePath + '/environments/' + i0 + '/promotion',
                  schemaPath: '#/properties/environments/items/properties/promotion/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.environments.items.properties.promotion.type,
                  parentSchema: schema11.properties.environments.items.properties.promotion,
                  data: data27,
                };
                if (vErrors === null) {
                  vErrors = [err59];
                } else {
                  vErrors.push(err59);
                }
                errors++;
              }
            }
            if (data21.onFailure !== undefined) {
              let data30 = data21.onFailure;
              if (data30 && typeof data30 == 'object' && !Array.isArray(data30)) {
                for (const key7 in data30) {
                  if (!(key7 === 'revert')) {
                    const err60 = {
                      instancePath: instancePath + '/environments/' + i0 + '/onFailure',
                      schemaPath: '#/properties/environments/items/properties/onFailure/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key7 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.environments.items.properties.onFailure,
                      data: data30,
                    };
                    if (vErrors === null) {
                      vErrors = [err60];
                    } else {
                      vErrors.push(err60);
                    }
                    errors++;
                  }
                }
                if (data30.revert !== undefined) {
                  let data31 = data30.revert;
                  if (!(data31 === 'pr' || data31 === 'commit' || data31 === 'none')) {
                    const err61 = {
                      instancePath: instancePath + '/environments/' + i0 + '/onFailure/revert',
                      schemaPath:
                        '#/properties/environments/items/properties/onFailure/properties/revert/enum',
                      keyword: 'enum',
                      params: {
                        allowedValues:
                          schema11.properties.environments.items.properties.onFailure.properties.revert.enum,
                      },
                      message: 'must be equal to one of the allowed values',
                      schema:
                        schema11.properties.environments.items.properties.onFailure.properties.revert.enum,
                      parentSchema:
                        schema11.properties.environments.items.properties.onFailure.properties.revert,
                      data: data31,
                    };
                    if (vErrors === null) {
                      vErrors = [err61];
                    } else {
                      vErrors.push(err61);
                    }
                    errors++;
                  }
                }
              } else {
                const err62 = {
                  instancePath: instancePath + '/environments/' + i0 + '/onFailure',
                  schemaPath: '#/properties/environments/items/properties/onFailure/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.environments.items.properties.onFailure.type,
                  parentSchema: schema11.properties.environments.items.properties.onFailure,
                  data: data30,
                };
                if (vErrors === null) {
                  vErrors = [err62];
                } else {
                  vErrors.push(err62);
                }
                errors++;
              }
            }
            if (data21.pullRequests !== undefined) {
              let data32 = data21.pullRequests;
              if (data32 && typeof data32 == 'object' && !Array.isArray(data32)) {
                for (const key8 in data32) {
                  if (!(key8 === 'planForks' || key8 === 'planTimeout')) {
                    const err63 = {
                      instancePath: instancePath + '/environments/' + i0 + '/pullRequests',
                      schemaPath:
                        '#/properties/environments/items/properties/pullRequests/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key8 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.environments.items.properties.pullRequests,
                      data: data32,
                    };
                    if (vErrors === null) {
                      vErrors = [err63];
                    } else {
                      vErrors.push(err63);
                    }
                    errors++;
                  }
                }
                if (data32.planForks !== undefined) {
                  let data33 = data32.planForks;
                  if (typeof data33 !== 'boolean') {
                    const err64 = {
                      instancePath: instancePath + '/environments/' + i0 + '/pullRequests/planForks',
                      schemaPath:
                        '#/properties/environments/items/properties/pullRequests/properties/planForks/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.pullRequests.properties.planForks
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.pullRequests.properties.planForks,
                      data: data33,
                    };
                    if (vErrors === null) {
                      vErrors = [err64];
                    } else {
                      vErrors.push(err64);
                    }
                    errors++;
                  }
                }
                if (data32.planTimeout !== undefined) {
                  let data34 = data32.planTimeout;
                  if (typeof data34 === 'string') {
                    if (!pattern0.test(data34)) {
                      const err65 = {
                        instancePath: instancePath + '/environments/' + i0 + '/pullRequests/planTimeout',
                        schemaPath: '#/definitions/duration/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                        message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                        schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                        parentSchema: schema12,
                        data: data34,
                      };
                      if (vErrors === null) {
                        vErrors = [err65];
                      } else {
                        vErrors.push(err65);
                      }
                      errors++;
                    }
                  } else {
                    const err66 = {
                      instancePath: instancePath + '/environments/' + i0 + '/pullRequests/planTimeout',
                      schemaPath: '#/definitions/duration/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema12.type,
                      parentSchema: schema12,
                      data: data34,
                    };
                    if (vErrors === null) {
                      vErrors = [err66];
                    } else {
                      vErrors.push(err66);
                    }
                    errors++;
                  }
                }
              } else {
                const err67 = {
                  instancePath: instancePath + '/environments/' + i0 + '/pullRequests',
                  schemaPath: '#/properties/environments/items/properties/pullRequests/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.environments.items.properties.pullRequests.type,
                  parentSchema: schema11.properties.environments.items.properties.pullRequests,
                  data: data32,
                };
                if (vErrors === null) {
                  vErrors = [err67];
                } else {
                  vErrors.push(err67);
                }
                errors++;
              }
            }
            if (data21.aws !== undefined) {
              let data35 = data21.aws;
              if (data35 && typeof data35 == 'object' && !Array.isArray(data35)) {
                if (data35.region === undefined) {
                  const err68 = {
                    instancePath: instancePath + '/environments/' + i0 + '/aws',
                    schemaPath: '#/properties/environments/items/properties/aws/required',
                    keyword: 'required',
                    params: { missingProperty: 'region' },
                    message: "must have required property '" + 'region' + "'",
                    schema: schema11.properties.environments.items.properties.aws.required,
                    parentSchema: schema11.properties.environments.items.properties.aws,
                    data: data35,
                  };
                  if (vErrors === null) {
                    vErrors = [err68];
                  } else {
                    vErrors.push(err68);
                  }
                  errors++;
                }
                if (data35.account === undefined) {
                  const err69 = {
                    instancePath: instancePath + '/environments/' + i0 + '/aws',
                    schemaPath: '#/properties/environments/items/properties/aws/required',
                    keyword: 'required',
                    params: { missingProperty: 'account' },
                    message: "must have required property '" + 'account' + "'",
                    schema: schema11.properties.environments.items.properties.aws.required,
                    parentSchema: schema11.properties.environments.items.properties.aws,
                    data: data35,
                  };
                  if (vErrors === null) {
                    vErrors = [err69];
                  } else {
                    vErrors.push(err69);
                  }
                  errors++;
                }
                for (const key9 in data35) {
                  if (!func2.call(schema11.properties.environments.items.properties.aws.properties, key9)) {
                    const err70 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws',
                      schemaPath: '#/properties/environments/items/properties/aws/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key9 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.environments.items.properties.aws,
                      data: data35,
                    };
                    if (vErrors === null) {
                      vErrors = [err70];
                    } else {
                      vErrors.push(err70);
                    }
                    errors++;
                  }
                }
                if (data35.region !== undefined) {
                  let data36 = data35.region;
                  if (typeof data36 === 'string') {
                    if (!pattern11.test(data36)) {
                      const err71 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/region',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/region/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$' },
                        message: 'must match pattern "' + '^[a-z]{2}(-[a-z]+)+-[0-9]+$' + '"',
                        schema: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
                        parentSchema: schema11.properties.environments.items.properties.aws.properties.region,
                        data: data36,
                      };
                      if (vErrors === null) {
                        vErrors = [err71];
                      } else {
                        vErrors.push(err71);
                      }
                      errors++;
                    }
                  } else {
                    const err72 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/region',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/region/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.environments.items.properties.aws.properties.region.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.region,
                      data: data36,
                    };
                    if (vErrors === null) {
                      vErrors = [err72];
                    } else {
                      vErrors.push(err72);
                    }
                    errors++;
                  }
                }
                if (data35.account !== undefined) {
                  let data37 = data35.account;
                  if (typeof data37 === 'string') {
                    if (!pattern12.test(data37)) {
                      const err73 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/account',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/account/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]{12}$' },
                        message: 'must match pattern "' + '^[0-9]{12}$' + '"',
                        schema: '^[0-9]{12}$',
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties.account,
                        data: data37,
                      };
                      if (vErrors === null) {
                        vErrors = [err73];
                      } else {
                        vErrors.push(err73);
                      }
                      errors++;
                    }
                  } else {
                    const err74 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/account',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/account/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.environments.items.properties.aws.properties.account.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.account,
                      data: data37,
                    };
                    if (vErrors === null) {
                      vErrors = [err74];
                    } else {
                      vErrors.push(err74);
                    }
                    errors++;
                  }
                }
                if (data35.endpoint !== undefined) {
                  let data38 = data35.endpoint;
                  if (typeof data38 === 'string') {
                    if (!pattern13.test(data38)) {
                      const err75 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/endpoint',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/endpoint/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^https?://' },
                        message: 'must match pattern "' + '^https?://' + '"',
                        schema: '^https?://',
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties.endpoint,
                        data: data38,
                      };
                      if (vErrors === null) {
                        vErrors = [err75];
                      } else {
                        vErrors.push(err75);
                      }
                      errors++;
                    }
                  } else {
                    const err76 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/endpoint',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/endpoint/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.environments.items.properties.aws.properties.endpoint.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.endpoint,
                      data: data38,
                    };
                    if (vErrors === null) {
                      vErrors = [err76];
                    } else {
                      vErrors.push(err76);
                    }
                    errors++;
                  }
                }
                if (data35.roleArn !== undefined) {
                  let data39 = data35.roleArn;
                  if (typeof data39 === 'string') {
                    if (!pattern14.test(data39)) {
                      const err77 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/roleArn',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/roleArn/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$' },
                        message: 'must match pattern "' + '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$' + '"',
                        schema: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties.roleArn,
                        data: data39,
                      };
                      if (vErrors === null) {
                        vErrors = [err77];
                      } else {
                        vErrors.push(err77);
                      }
                      errors++;
                    }
                  } else {
                    const err78 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/roleArn',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/roleArn/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.environments.items.properties.aws.properties.roleArn.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.roleArn,
                      data: data39,
                    };
                    if (vErrors === null) {
                      vErrors = [err78];
                    } else {
                      vErrors.push(err78);
                    }
                    errors++;
                  }
                }
                if (data35.prune !== undefined) {
                  let data40 = data35.prune;
                  if (typeof data40 !== 'boolean') {
                    const err79 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/prune',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/prune/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema: schema11.properties.environments.items.properties.aws.properties.prune.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.prune,
                      data: data40,
                    };
                    if (vErrors === null) {
                      vErrors = [err79];
                    } else {
                      vErrors.push(err79);
                    }
                    errors++;
                  }
                }
                if (data35.adopt !== undefined) {
                  let data41 = data35.adopt;
                  const _errs96 = errors;
                  let valid19 = false;
                  let passing0 = null;
                  const _errs97 = errors;
                  if (typeof data41 !== 'boolean') {
                    const err80 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/adopt',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/adopt/oneOf/0/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[0].type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[0],
                      data: data41,
                    };
                    if (vErrors === null) {
                      vErrors = [err80];
                    } else {
                      vErrors.push(err80);
                    }
                    errors++;
                  }
                  var _valid0 = _errs97 === errors;
                  if (_valid0) {
                    valid19 = true;
                    passing0 = 0;
                  }
                  const _errs99 = errors;
                  if (Array.isArray(data41)) {
                    const len1 = data41.length;
                    for (let i1 = 0; i1 < len1; i1++) {
                      let data42 = data41[i1];
                      if (typeof data42 === 'string') {
                        if (func3(data42) < 1) {
                          const err81 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/adopt/' + i1,
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/adopt/oneOf/1/items/minLength',
                            keyword: 'minLength',
                            params: { limit: 1 },
                            message: 'must NOT have fewer than 1 characters',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[1]
                                .items,
                            data: data42,
                          };
                          if (vErrors === null) {
                            vErrors = [err81];
                          } else {
                            vErrors.push(err81);
                          }
                          errors++;
                        }
                      } else {
                        const err82 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/adopt/' + i1,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/adopt/oneOf/1/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[1]
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[1]
                              .items,
                          data: data42,
                        };
                        if (vErrors === null) {
                          vErrors = [err82];
                        } else {
                          vErrors.push(err82);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err83 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/adopt',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/adopt/oneOf/1/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[1].type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.adopt.oneOf[1],
                      data: data41,
                    };
                    if (vErrors === null) {
                      vErrors = [err83];
                    } else {
                      vErrors.push(err83);
                    }
                    errors++;
                  }
                  var _valid0 = _errs99 === errors;
                  if (_valid0 && valid19) {
                    valid19 = false;
                    passing0 = [passing0, 1];
                  } else {
                    if (_valid0) {
                      valid19 = true;
                      passing0 = 1;
                    }
                  }
                  if (!valid19) {
                    const err84 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/adopt',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/adopt/oneOf',
                      keyword: 'oneOf',
                      params: { passingSchemas: passing0 },
                      message: 'must match exactly one schema in oneOf',
                      schema: schema11.properties.environments.items.properties.aws.properties.adopt.oneOf,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.adopt,
                      data: data41,
                    };
                    if (vErrors === null) {
                      vErrors = [err84];
                    } else {
                      vErrors.push(err84);
                    }
                    errors++;
                  } else {
                    errors = _errs96;
                    if (vErrors !== null) {
                      if (_errs96) {
                        vErrors.length = _errs96;
                      } else {
                        vErrors = null;
                      }
                    }
                  }
                }
                if (data35.capabilities !== undefined) {
                  let data43 = data35.capabilities;
                  if (Array.isArray(data43)) {
                    const len2 = data43.length;
                    for (let i2 = 0; i2 < len2; i2++) {
                      let data44 = data43[i2];
                      if (!(
                        data44 === 'CAPABILITY_IAM' ||
                        data44 === 'CAPABILITY_NAMED_IAM' ||
                        data44 === 'CAPABILITY_AUTO_EXPAND'
                      )) {
                        const err85 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/capabilities/' + i2,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/capabilities/items/enum',
                          keyword: 'enum',
                          params: {
                            allowedValues:
                              schema11.properties.environments.items.properties.aws.properties.capabilities
                                .items.enum,
                          },
                          message: 'must be equal to one of the allowed values',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.capabilities
                              .items.enum,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.capabilities
                              .items,
                          data: data44,
                        };
                        if (vErrors === null) {
                          vErrors = [err85];
                        } else {
                          vErrors.push(err85);
                        }
                        errors++;
                      }
                    }
                    let i3 = data43.length;
                    let j0;
                    if (i3 > 1) {
                      outer0: for (; i3--;) {
                        for (j0 = i3; j0--;) {
                          if (func0(data43[i3], data43[j0])) {
                            const err86 = {
                              instancePath: instancePath + '/environments/' + i0 + '/aws/capabilities',
                              schemaPath:
                                '#/properties/environments/items/properties/aws/properties/capabilities/uniqueItems',
                              keyword: 'uniqueItems',
                              params: { i: i3, j: j0 },
                              message:
                                'must NOT have duplicate items (items ## ' +
                                j0 +
                                ' and ' +
                                i3 +
                                ' are identical)',
                              schema: true,
                              parentSchema:
                                schema11.properties.environments.items.properties.aws.properties.capabilities,
                              data: data43,
                            };
                            if (vErrors === null) {
                              vErrors = [err86];
                            } else {
                              vErrors.push(err86);
                            }
                            errors++;
                            break outer0;
                          }
                        }
                      }
                    }
                  } else {
                    const err87 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/capabilities',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/capabilities/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.capabilities.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.capabilities,
                      data: data43,
                    };
                    if (vErrors === null) {
                      vErrors = [err87];
                    } else {
                      vErrors.push(err87);
                    }
                    errors++;
                  }
                }
                if (data35.imports !== undefined) {
                  let data45 = data35.imports;
                  if (Array.isArray(data45)) {
                    const len3 = data45.length;
                    for (let i4 = 0; i4 < len3; i4++) {
                      let data46 = data45[i4];
                      if (typeof data46 === 'string') {
                        if (!pattern15.test(data46)) {
                          const err88 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/imports/' + i4,
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/imports/items/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^[^*\\s]+\\*?$' },
                            message: 'must match pattern "' + '^[^*\\s]+\\*?$' + '"',
                            schema: '^[^*\\s]+\\*?$',
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.imports.items,
                            data: data46,
                          };
                          if (vErrors === null) {
                            vErrors = [err88];
                          } else {
                            vErrors.push(err88);
                          }
                          errors++;
                        }
                      } else {
                        const err89 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/imports/' + i4,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/imports/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.imports.items
                              .type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.imports.items,
                          data: data46,
                        };
                        if (vErrors === null) {
                          vErrors = [err89];
                        } else {
                          vErrors.push(err89);
                        }
                        errors++;
                      }
                    }
                    let i5 = data45.length;
                    let j1;
                    if (i5 > 1) {
                      const indices0 = {};
                      for (; i5--;) {
                        let item0 = data45[i5];
                        if (typeof item0 !== 'string') {
                          continue;
                        }
                        if (typeof indices0[item0] == 'number') {
                          j1 = indices0[item0];
                          const err90 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/imports',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/imports/uniqueItems',
                            keyword: 'uniqueItems',
                            params: { i: i5, j: j1 },
                            message:
                              'must NOT have duplicate items (items ## ' +
                              j1 +
                              ' and ' +
                              i5 +
                              ' are identical)',
                            schema: true,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.imports,
                            data: data45,
                          };
                          if (vErrors === null) {
                            vErrors = [err90];
                          } else {
                            vErrors.push(err90);
                          }
                          errors++;
                          break;
                        }
                        indices0[item0] = i5;
                      }
                    }
                  } else {
                    const err91 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/imports',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/imports/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema: schema11.properties.environments.items.properties.aws.properties.imports.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.imports,
                      data: data45,
                    };
                    if (vErrors === null) {
                      vErrors = [err91];
                    } else {
                      vErrors.push(err91);
                    }
                    errors++;
                  }
                }
                if (data35.resourceTypes !== undefined) {
                  let data47 = data35.resourceTypes;
                  if (Array.isArray(data47)) {
                    const len4 = data47.length;
                    for (let i6 = 0; i6 < len4; i6++) {
                      let data48 = data47[i6];
                      if (typeof data48 === 'string') {
                        if (!pattern15.test(data48)) {
                          const err92 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/resourceTypes/' + i6,
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/resourceTypes/items/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^[^*\\s]+\\*?$' },
                            message: 'must match pattern "' + '^[^*\\s]+\\*?$' + '"',
                            schema: '^[^*\\s]+\\*?$',
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.resourceTypes
                                .items,
                            data: data48,
                          };
                          if (vErrors === null) {
                            vErrors = [err92];
                          } else {
                            vErrors.push(err92);
                          }
                          errors++;
                        }
                      } else {
                        const err93 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/resourceTypes/' + i6,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/resourceTypes/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.resourceTypes
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.resourceTypes
                              .items,
                          data: data48,
                        };
                        if (vErrors === null) {
                          vErrors = [err93];
                        } else {
                          vErrors.push(err93);
                        }
                        errors++;
                      }
                    }
                    let i7 = data47.length;
                    let j2;
                    if (i7 > 1) {
                      const indices1 = {};
                      for (; i7--;) {
                        let item1 = data47[i7];
                        if (typeof item1 !== 'string') {
                          continue;
                        }
                        if (typeof indices1[item1] == 'number') {
                          j2 = indices1[item1];
                          const err94 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/resourceTypes',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/resourceTypes/uniqueItems',
                            keyword: 'uniqueItems',
                            params: { i: i7, j: j2 },
                            message:
                              'must NOT have duplicate items (items ## ' +
                              j2 +
                              ' and ' +
                              i7 +
                              ' are identical)',
                            schema: true,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.resourceTypes,
                            data: data47,
                          };
                          if (vErrors === null) {
                            vErrors = [err94];
                          } else {
                            vErrors.push(err94);
                          }
                          errors++;
                          break;
                        }
                        indices1[item1] = i7;
                      }
                    }
                  } else {
                    const err95 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/resourceTypes',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/resourceTypes/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.resourceTypes.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.resourceTypes,
                      data: data47,
                    };
                    if (vErrors === null) {
                      vErrors = [err95];
                    } else {
                      vErrors.push(err95);
                    }
                    errors++;
                  }
                }
                if (data35.serviceTokens !== undefined) {
                  let data49 = data35.serviceTokens;
                  if (Array.isArray(data49)) {
                    const len5 = data49.length;
                    for (let i8 = 0; i8 < len5; i8++) {
                      let data50 = data49[i8];
                      if (typeof data50 === 'string') {
                        if (!pattern15.test(data50)) {
                          const err96 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/serviceTokens/' + i8,
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/serviceTokens/items/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^[^*\\s]+\\*?$' },
                            message: 'must match pattern "' + '^[^*\\s]+\\*?$' + '"',
                            schema: '^[^*\\s]+\\*?$',
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.serviceTokens
                                .items,
                            data: data50,
                          };
                          if (vErrors === null) {
                            vErrors = [err96];
                          } else {
                            vErrors.push(err96);
                          }
                          errors++;
                        }
                      } else {
                        const err97 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/serviceTokens/' + i8,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/serviceTokens/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.serviceTokens
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.serviceTokens
                              .items,
                          data: data50,
                        };
                        if (vErrors === null) {
                          vErrors = [err97];
                        } else {
                          vErrors.push(err97);
                        }
                        errors++;
                      }
                    }
                    let i9 = data49.length;
                    let j3;
                    if (i9 > 1) {
                      const indices2 = {};
                      for (; i9--;) {
                        let item2 = data49[i9];
                        if (typeof item2 !== 'string') {
                          continue;
                        }
                        if (typeof indices2[item2] == 'number') {
                          j3 = indices2[item2];
                          const err98 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/serviceTokens',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/serviceTokens/uniqueItems',
                            keyword: 'uniqueItems',
                            params: { i: i9, j: j3 },
                            message:
                              'must NOT have duplicate items (items ## ' +
                              j3 +
                              ' and ' +
                              i9 +
                              ' are identical)',
                            schema: true,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.serviceTokens,
                            data: data49,
                          };
                          if (vErrors === null) {
                            vErrors = [err98];
                          } else {
                            vErrors.push(err98);
                          }
                          errors++;
                          break;
                        }
                        indices2[item2] = i9;
                      }
                    }
                  } else {
                    const err99 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/serviceTokens',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/serviceTokens/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.serviceTokens.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.serviceTokens,
                      data: data49,
                    };
                    if (vErrors === null) {
                      vErrors = [err99];
                    } else {
                      vErrors.push(err99);
                    }
                    errors++;
                  }
                }
                if (data35.externalTargets !== undefined) {
                  let data51 = data35.externalTargets;
                  if (Array.isArray(data51)) {
                    const len6 = data51.length;
                    for (let i10 = 0; i10 < len6; i10++) {
                      let data52 = data51[i10];
                      if (typeof data52 === 'string') {
                        if (!pattern18.test(data52)) {
                          const err100 = {
                            instancePath:
                              instancePath + '/environments/' + i0 + '/aws/externalTargets/' + i10,
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/externalTargets/items/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^([^*\\s]+\\*?|\\*)$' },
                            message: 'must match pattern "' + '^([^*\\s]+\\*?|\\*)$' + '"',
                            schema: '^([^*\\s]+\\*?|\\*)$',
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.externalTargets
                                .items,
                            data: data52,
                          };
                          if (vErrors === null) {
                            vErrors = [err100];
                          } else {
                            vErrors.push(err100);
                          }
                          errors++;
                        }
                      } else {
                        const err101 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/externalTargets/' + i10,
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/externalTargets/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.externalTargets
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.externalTargets
                              .items,
                          data: data52,
                        };
                        if (vErrors === null) {
                          vErrors = [err101];
                        } else {
                          vErrors.push(err101);
                        }
                        errors++;
                      }
                    }
                    let i11 = data51.length;
                    let j4;
                    if (i11 > 1) {
                      const indices3 = {};
                      for (; i11--;) {
                        let item3 = data51[i11];
                        if (typeof item3 !== 'string') {
                          continue;
                        }
                        if (typeof indices3[item3] == 'number') {
                          j4 = indices3[item3];
                          const err102 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/externalTargets',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/externalTargets/uniqueItems',
                            keyword: 'uniqueItems',
                            params: { i: i11, j: j4 },
                            message:
                              'must NOT have duplicate items (items ## ' +
                              j4 +
                              ' and ' +
                              i11 +
                              ' are identical)',
                            schema: true,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties
                                .externalTargets,
                            data: data51,
                          };
                          if (vErrors === null) {
                            vErrors = [err102];
                          } else {
                            vErrors.push(err102);
                          }
                          errors++;
                          break;
                        }
                        indices3[item3] = i11;
                      }
                    }
                  } else {
                    const err103 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/externalTargets',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/externalTargets/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.externalTargets.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.externalTargets,
                      data: data51,
                    };
                    if (vErrors === null) {
                      vErrors = [err103];
                    } else {
                      vErrors.push(err103);
                    }
                    errors++;
                  }
                }
                if (data35.accountWideReads !== undefined) {
                  let data53 = data35.accountWideReads;
                  if (typeof data53 !== 'boolean') {
                    const err104 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/accountWideReads',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/accountWideReads/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.accountWideReads
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.accountWideReads,
                      data: data53,
                    };
                    if (vErrors === null) {
                      vErrors = [err104];
                    } else {
                      vErrors.push(err104);
                    }
                    errors++;
                  }
                }
                if (data35.cloudFormationExecutionRoleArn !== undefined) {
                  let data54 = data35.cloudFormationExecutionRoleArn;
                  if (typeof data54 === 'string') {
                    if (!pattern19.test(data54)) {
                      const err105 = {
                        instancePath:
                          instancePath + '/environments/' + i0 + '/aws/cloudFormationExecutionRoleArn',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/cloudFormationExecutionRoleArn/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$' },
                        message:
                          'must match pattern "' +
                          '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$' +
                          '"',
                        schema: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$',
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties
                            .cloudFormationExecutionRoleArn,
                        data: data54,
                      };
                      if (vErrors === null) {
                        vErrors = [err105];
                      } else {
                        vErrors.push(err105);
                      }
                      errors++;
                    }
                  } else {
                    const err106 = {
                      instancePath:
                        instancePath + '/environments/' + i0 + '/aws/cloudFormationExecutionRoleArn',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/cloudFormationExecutionRoleArn/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties
                          .cloudFormationExecutionRoleArn.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties
                          .cloudFormationExecutionRoleArn,
                      data: data54,
                    };
                    if (vErrors === null) {
                      vErrors = [err106];
                    } else {
                      vErrors.push(err106);
                    }
                    errors++;
                  }
                }
                if (data35.bootstrapQualifier !== undefined) {
                  let data55 = data35.bootstrapQualifier;
                  if (typeof data55 === 'string') {
                    if (!pattern20.test(data55)) {
                      const err107 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/bootstrapQualifier',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/bootstrapQualifier/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[A-Za-z0-9_-]{1,10}$' },
                        message: 'must match pattern "' + '^[A-Za-z0-9_-]{1,10}$' + '"',
                        schema: '^[A-Za-z0-9_-]{1,10}$',
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties.bootstrapQualifier,
                        data: data55,
                      };
                      if (vErrors === null) {
                        vErrors = [err107];
                      } else {
                        vErrors.push(err107);
                      }
                      errors++;
                    }
                  } else {
                    const err108 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/bootstrapQualifier',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/bootstrapQualifier/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.bootstrapQualifier
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.bootstrapQualifier,
                      data: data55,
                    };
                    if (vErrors === null) {
                      vErrors = [err108];
                    } else {
                      vErrors.push(err108);
                    }
                    errors++;
                  }
                }
                if (data35.synthTimeout !== undefined) {
                  let data56 = data35.synthTimeout;
                  if (typeof data56 === 'string') {
                    if (!pattern0.test(data56)) {
                      const err109 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/synthTimeout',
                        schemaPath: '#/definitions/duration/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                        message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                        schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                        parentSchema: schema12,
                        data: data56,
                      };
                      if (vErrors === null) {
                        vErrors = [err109];
                      } else {
                        vErrors.push(err109);
                      }
                      errors++;
                    }
                  } else {
                    const err110 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/synthTimeout',
                      schemaPath: '#/definitions/duration/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema12.type,
                      parentSchema: schema12,
                      data: data56,
                    };
                    if (vErrors === null) {
                      vErrors = [err110];
                    } else {
                      vErrors.push(err110);
                    }
                    errors++;
                  }
                }
                if (data35.maxAssemblyBytes !== undefined) {
                  let data57 = data35.maxAssemblyBytes;
                  if (!(typeof data57 == 'number' && !(data57 % 1) && !isNaN(data57))) {
                    const err111 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/maxAssemblyBytes',
                      schemaPath:
                        '#/properties/environments/items/properties/aws/properties/maxAssemblyBytes/type',
                      keyword: 'type',
                      params: { type: 'integer' },
                      message: 'must be integer',
                      schema:
                        schema11.properties.environments.items.properties.aws.properties.maxAssemblyBytes
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.aws.properties.maxAssemblyBytes,
                      data: data57,
                    };
                    if (vErrors === null) {
                      vErrors = [err111];
                    } else {
                      vErrors.push(err111);
                    }
                    errors++;
                  }
                  if (typeof data57 == 'number') {
                    if (data57 < 1 || isNaN(data57)) {
                      const err112 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/maxAssemblyBytes',
                        schemaPath:
                          '#/properties/environments/items/properties/aws/properties/maxAssemblyBytes/minimum',
                        keyword: 'minimum',
                        params: { comparison: '>=', limit: 1 },
                        message: 'must be >= 1',
                        schema: 1,
                        parentSchema:
                          schema11.properties.environments.items.properties.aws.properties.maxAssemblyBytes,
                        data: data57,
                      };
                      if (vErrors === null) {
                        vErrors = [err112];
                      } else {
                        vErrors.push(err112);
                      }
                      errors++;
                    }
                  }
                }
                if (data35.deployTimeout !== undefined) {
                  let data58 = data35.deployTimeout;
                  if (typeof data58 === 'string') {
                    if (!pattern0.test(data58)) {
                      const err113 = {
                        instancePath: instancePath + '/environments/' + i0 + '/aws/deployTimeout',
                        schemaPath: '#/definitions/duration/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                        message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                        schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                        parentSchema: schema12,
                        data: data58,
                      };
                      if (vErrors === null) {
                        vErrors = [err113];
                      } else {
                        vErrors.push(err113);
                      }
                      errors++;
                    }
                  } else {
                    const err114 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/deployTimeout',
                      schemaPath: '#/definitions/duration/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema12.type,
                      parentSchema: schema12,
                      data: data58,
                    };
                    if (vErrors === null) {
                      vErrors = [err114];
                    } else {
                      vErrors.push(err114);
                    }
                    errors++;
                  }
                }
                if (data35.synth !== undefined) {
                  let data59 = data35.synth;
                  if (data59 && typeof data59 == 'object' && !Array.isArray(data59)) {
                    for (const key10 in data59) {
                      if (!(
                        key10 === 'isolation' ||
                        key10 === 'socket' ||
                        key10 === 'uid' ||
                        key10 === 'gid'
                      )) {
                        const err115 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/synth',
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/synth/additionalProperties',
                          keyword: 'additionalProperties',
                          params: { additionalProperty: key10 },
                          message: 'must NOT have additional properties',
                          schema: false,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.synth,
                          data: data59,
                        };
                        if (vErrors === null) {
                          vErrors = [err115];
                        } else {
                          vErrors.push(err115);
                        }
                        errors++;
                      }
                    }
                    if (data59.isolation !== undefined) {
                      let data60 = data59.isolation;
                      if (!(data60 === 'bubblewrap' || data60 === 'sidecar' || data60 === 'none')) {
                        const err116 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/synth/isolation',
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/synth/properties/isolation/enum',
                          keyword: 'enum',
                          params: {
                            allowedValues:
                              schema11.properties.environments.items.properties.aws.properties.synth
                                .properties.isolation.enum,
                          },
                          message: 'must be equal to one of the allowed values',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .isolation.enum,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .isolation,
                          data: data60,
                        };
                        if (vErrors === null) {
                          vErrors = [err116];
                        } else {
                          vErrors.push(err116);
                        }
                        errors++;
                      }
                    }
                    if (data59.socket !== undefined) {
                      let data61 = data59.socket;
                      if (typeof data61 === 'string') {
                        if (!pattern23.test(data61)) {
                          const err117 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/synth/socket',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/synth/properties/socket/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^/' },
                            message: 'must match pattern "' + '^/' + '"',
                            schema: '^/',
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.synth
                                .properties.socket,
                            data: data61,
                          };
                          if (vErrors === null) {
                            vErrors = [err117];
                          } else {
                            vErrors.push(err117);
                          }
                          errors++;
                        }
                      } else {
                        const err118 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/synth/socket',
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/synth/properties/socket/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .socket.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .socket,
                          data: data61,
                        };
                        if (vErrors === null) {
                          vErrors = [err118];
                        } else {
                          vErrors.push(err118);
                        }
                        errors++;
                      }
                    }
                    if (data59.uid !== undefined) {
                      let data62 = data59.uid;
                      if (!(typeof data62 == 'number' && !(data62 % 1) && !isNaN(data62))) {
                        const err119 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/synth/uid',
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/synth/properties/uid/type',
                          keyword: 'type',
                          params: { type: 'integer' },
                          message: 'must be integer',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .uid.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .uid,
                          data: data62,
                        };
                        if (vErrors === null) {
                          vErrors = [err119];
                        } else {
                          vErrors.push(err119);
                        }
                        errors++;
                      }
                      if (typeof data62 == 'number') {
                        if (data62 < 1 || isNaN(data62)) {
                          const err120 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/synth/uid',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/synth/properties/uid/minimum',
                            keyword: 'minimum',
                            params: { comparison: '>=', limit: 1 },
                            message: 'must be >= 1',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.synth
                                .properties.uid,
                            data: data62,
                          };
                          if (vErrors === null) {
                            vErrors = [err120];
                          } else {
                            vErrors.push(err120);
                          }
                          errors++;
                        }
                      }
                    }
                    if (data59.gid !== undefined) {
                      let data63 = data59.gid;
                      if (!(typeof data63 == 'number' && !(data63 % 1) && !isNaN(data63))) {
                        const err121 = {
                          instancePath: instancePath + '/environments/' + i0 + '/aws/synth/gid',
                          schemaPath:
                            '#/properties/environments/items/properties/aws/properties/synth/properties/gid/type',
                          keyword: 'type',
                          params: { type: 'integer' },
                          message: 'must be integer',
                          schema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .gid.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.aws.properties.synth.properties
                              .gid,
                          data: data63,
                        };
                        if (vErrors === null) {
                          vErrors = [err121];
                        } else {
                          vErrors.push(err121);
                        }
                        errors++;
                      }
                      if (typeof data63 == 'number') {
                        if (data63 < 1 || isNaN(data63)) {
                          const err122 = {
                            instancePath: instancePath + '/environments/' + i0 + '/aws/synth/gid',
                            schemaPath:
                              '#/properties/environments/items/properties/aws/properties/synth/properties/gid/minimum',
                            keyword: 'minimum',
                            params: { comparison: '>=', limit: 1 },
                            message: 'must be >= 1',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.aws.properties.synth
                                .properties.gid,
                            data: data63,
                          };
                          if (vErrors === null) {
                            vErrors = [err122];
                          } else {
                            vErrors.push(err122);
                          }
                          errors++;
                        }
                      }
                    }
                  } else {
                    const err123 = {
                      instancePath: instancePath + '/environments/' + i0 + '/aws/synth',
                      schemaPath: '#/properties/environments/items/properties/aws/properties/synth/type',
                      keyword: 'type',
                      params: { type: 'object' },
                      message: 'must be object',
                      schema: schema11.properties.environments.items.properties.aws.properties.synth.type,
                      parentSchema: schema11.properties.environments.items.properties.aws.properties.synth,
                      data: data59,
                    };
                    if (vErrors === null) {
                      vErrors = [err123];
                    } else {
                      vErrors.push(err123);
                    }
                    errors++;
                  }
                }
              } else {
                const err124 = {
                  instancePath: instancePath + '/environments/' + i0 + '/aws',
                  schemaPath: '#/properties/environments/items/properties/aws/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.environments.items.properties.aws.type,
                  parentSchema: schema11.properties.environments.items.properties.aws,
                  data: data35,
                };
                if (vErrors === null) {
                  vErrors = [err124];
                } else {
                  vErrors.push(err124);
                }
                errors++;
              }
            }
            if (data21.kubernetes !== undefined) {
              let data64 = data21.kubernetes;
              if (data64 && typeof data64 == 'object' && !Array.isArray(data64)) {
                for (const key11 in data64) {
                  if (
                    !func2.call(
                      schema11.properties.environments.items.properties.kubernetes.properties,
                      key11,
                    )
                  ) {
                    const err125 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key11 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.environments.items.properties.kubernetes,
                      data: data64,
                    };
                    if (vErrors === null) {
                      vErrors = [err125];
                    } else {
                      vErrors.push(err125);
                    }
                    errors++;
                  }
                }
                if (data64.kubeconfig !== undefined) {
                  let data65 = data64.kubeconfig;
                  if (typeof data65 !== 'string') {
                    const err126 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/kubeconfig',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/kubeconfig/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.kubeconfig
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.kubeconfig,
                      data: data65,
                    };
                    if (vErrors === null) {
                      vErrors = [err126];
                    } else {
                      vErrors.push(err126);
                    }
                    errors++;
                  }
                }
                if (data64.context !== undefined) {
                  let data66 = data64.context;
                  if (typeof data66 !== 'string') {
                    const err127 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/context',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/context/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.context.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.context,
                      data: data66,
                    };
                    if (vErrors === null) {
                      vErrors = [err127];
                    } else {
                      vErrors.push(err127);
                    }
                    errors++;
                  }
                }
                if (data64.namespace !== undefined) {
                  let data67 = data64.namespace;
                  if (typeof data67 !== 'string') {
                    const err128 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/namespace',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/namespace/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.namespace
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.namespace,
                      data: data67,
                    };
                    if (vErrors === null) {
                      vErrors = [err128];
                    } else {
                      vErrors.push(err128);
                    }
                    errors++;
                  }
                }
                if (data64.forceConflicts !== undefined) {
                  let data68 = data64.forceConflicts;
                  if (typeof data68 !== 'boolean') {
                    const err129 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/forceConflicts',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/forceConflicts/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.forceConflicts
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .forceConflicts,
                      data: data68,
                    };
                    if (vErrors === null) {
                      vErrors = [err129];
                    } else {
                      vErrors.push(err129);
                    }
                    errors++;
                  }
                }
                if (data64.pruneMaxShare !== undefined) {
                  let data69 = data64.pruneMaxShare;
                  if (typeof data69 == 'number') {
                    if (data69 > 1 || isNaN(data69)) {
                      const err130 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/pruneMaxShare',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/pruneMaxShare/maximum',
                        keyword: 'maximum',
                        params: { comparison: '<=', limit: 1 },
                        message: 'must be <= 1',
                        schema: 1,
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties
                            .pruneMaxShare,
                        data: data69,
                      };
                      if (vErrors === null) {
                        vErrors = [err130];
                      } else {
                        vErrors.push(err130);
                      }
                      errors++;
                    }
                    if (data69 < 0 || isNaN(data69)) {
                      const err131 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/pruneMaxShare',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/pruneMaxShare/minimum',
                        keyword: 'minimum',
                        params: { comparison: '>=', limit: 0 },
                        message: 'must be >= 0',
                        schema: 0,
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties
                            .pruneMaxShare,
                        data: data69,
                      };
                      if (vErrors === null) {
                        vErrors = [err131];
                      } else {
                        vErrors.push(err131);
                      }
                      errors++;
                    }
                  } else {
                    const err132 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/pruneMaxShare',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/pruneMaxShare/type',
                      keyword: 'type',
                      params: { type: 'number' },
                      message: 'must be number',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.pruneMaxShare
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.pruneMaxShare,
                      data: data69,
                    };
                    if (vErrors === null) {
                      vErrors = [err132];
                    } else {
                      vErrors.push(err132);
                    }
                    errors++;
                  }
                }
                if (data64.allowMassPrune !== undefined) {
                  let data70 = data64.allowMassPrune;
                  if (typeof data70 !== 'boolean') {
                    const err133 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/allowMassPrune',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/allowMassPrune/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.allowMassPrune
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .allowMassPrune,
                      data: data70,
                    };
                    if (vErrors === null) {
                      vErrors = [err133];
                    } else {
                      vErrors.push(err133);
                    }
                    errors++;
                  }
                }
                if (data64.healthTimeout !== undefined) {
                  let data71 = data64.healthTimeout;
                  if (typeof data71 === 'string') {
                    if (!pattern0.test(data71)) {
                      const err134 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/healthTimeout',
                        schemaPath: '#/definitions/duration/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                        message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                        schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                        parentSchema: schema12,
                        data: data71,
                      };
                      if (vErrors === null) {
                        vErrors = [err134];
                      } else {
                        vErrors.push(err134);
                      }
                      errors++;
                    }
                  } else {
                    const err135 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/healthTimeout',
                      schemaPath: '#/definitions/duration/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema12.type,
                      parentSchema: schema12,
                      data: data71,
                    };
                    if (vErrors === null) {
                      vErrors = [err135];
                    } else {
                      vErrors.push(err135);
                    }
                    errors++;
                  }
                }
                if (data64.concurrency !== undefined) {
                  let data72 = data64.concurrency;
                  if (!(typeof data72 == 'number' && !(data72 % 1) && !isNaN(data72))) {
                    const err136 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/concurrency',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/concurrency/type',
                      keyword: 'type',
                      params: { type: 'integer' },
                      message: 'must be integer',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.concurrency
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.concurrency,
                      data: data72,
                    };
                    if (vErrors === null) {
                      vErrors = [err136];
                    } else {
                      vErrors.push(err136);
                    }
                    errors++;
                  }
                  if (typeof data72 == 'number') {
                    if (data72 > 64 || isNaN(data72)) {
                      const err137 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/concurrency',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/concurrency/maximum',
                        keyword: 'maximum',
                        params: { comparison: '<=', limit: 64 },
                        message: 'must be <= 64',
                        schema: 64,
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties.concurrency,
                        data: data72,
                      };
                      if (vErrors === null) {
                        vErrors = [err137];
                      } else {
                        vErrors.push(err137);
                      }
                      errors++;
                    }
                    if (data72 < 1 || isNaN(data72)) {
                      const err138 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/concurrency',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/concurrency/minimum',
                        keyword: 'minimum',
                        params: { comparison: '>=', limit: 1 },
                        message: 'must be >= 1',
                        schema: 1,
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties.concurrency,
                        data: data72,
                      };
                      if (vErrors === null) {
                        vErrors = [err138];
                      } else {
                        vErrors.push(err138);
                      }
                      errors++;
                    }
                  }
                }
                if (data64.adopt !== undefined) {
                  let data73 = data64.adopt;
                  const _errs167 = errors;
                  let valid42 = false;
                  let passing1 = null;
                  const _errs168 = errors;
                  if (typeof data73 !== 'boolean') {
                    const err139 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adopt',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/adopt/oneOf/0/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt.oneOf[0]
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt
                          .oneOf[0],
                      data: data73,
                    };
                    if (vErrors === null) {
                      vErrors = [err139];
                    } else {
                      vErrors.push(err139);
                    }
                    errors++;
                  }
                  var _valid1 = _errs168 === errors;
                  if (_valid1) {
                    valid42 = true;
                    passing1 = 0;
                  }
                  const _errs170 = errors;
                  if (Array.isArray(data73)) {
                    const len7 = data73.length;
                    for (let i12 = 0; i12 < len7; i12++) {
                      let data74 = data73[i12];
                      if (typeof data74 === 'string') {
                        if (func3(data74) < 1) {
                          const err140 = {
                            instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adopt/' + i12,
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/adopt/oneOf/1/items/minLength',
                            keyword: 'minLength',
                            params: { limit: 1 },
                            message: 'must NOT have fewer than 1 characters',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties.adopt
                                .oneOf[1].items,
                            data: data74,
                          };
                          if (vErrors === null) {
                            vErrors = [err140];
                          } else {
                            vErrors.push(err140);
                          }
                          errors++;
                        }
                      } else {
                        const err141 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adopt/' + i12,
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/adopt/oneOf/1/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.adopt
                              .oneOf[1].items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.adopt
                              .oneOf[1].items,
                          data: data74,
                        };
                        if (vErrors === null) {
                          vErrors = [err141];
                        } else {
                          vErrors.push(err141);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err142 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adopt',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/adopt/oneOf/1/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt.oneOf[1]
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt
                          .oneOf[1],
                      data: data73,
                    };
                    if (vErrors === null) {
                      vErrors = [err142];
                    } else {
                      vErrors.push(err142);
                    }
                    errors++;
                  }
                  var _valid1 = _errs170 === errors;
                  if (_valid1 && valid42) {
                    valid42 = false;
                    passing1 = [passing1, 1];
                  } else {
                    if (_valid1) {
                      valid42 = true;
                      passing1 = 1;
                    }
                  }
                  if (!valid42) {
                    const err143 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adopt',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/adopt/oneOf',
                      keyword: 'oneOf',
                      params: { passingSchemas: passing1 },
                      message: 'must match exactly one schema in oneOf',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt.oneOf,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adopt,
                      data: data73,
                    };
                    if (vErrors === null) {
                      vErrors = [err143];
                    } else {
                      vErrors.push(err143);
                    }
                    errors++;
                  } else {
                    errors = _errs167;
                    if (vErrors !== null) {
                      if (_errs167) {
                        vErrors.length = _errs167;
                      } else {
                        vErrors = null;
                      }
                    }
                  }
                }
                if (data64.adoptUnowned !== undefined) {
                  let data75 = data64.adoptUnowned;
                  if (typeof data75 !== 'boolean') {
                    const err144 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/adoptUnowned',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/adoptUnowned/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adoptUnowned
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.adoptUnowned,
                      data: data75,
                    };
                    if (vErrors === null) {
                      vErrors = [err144];
                    } else {
                      vErrors.push(err144);
                    }
                    errors++;
                  }
                }
                if (data64.allowClusterPolicy !== undefined) {
                  let data76 = data64.allowClusterPolicy;
                  if (typeof data76 !== 'boolean') {
                    const err145 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/allowClusterPolicy',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/allowClusterPolicy/type',
                      keyword: 'type',
                      params: { type: 'boolean' },
                      message: 'must be boolean',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .allowClusterPolicy.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .allowClusterPolicy,
                      data: data76,
                    };
                    if (vErrors === null) {
                      vErrors = [err145];
                    } else {
                      vErrors.push(err145);
                    }
                    errors++;
                  }
                }
                if (data64.namespaces !== undefined) {
                  let data77 = data64.namespaces;
                  if (Array.isArray(data77)) {
                    const len8 = data77.length;
                    for (let i13 = 0; i13 < len8; i13++) {
                      let data78 = data77[i13];
                      if (typeof data78 === 'string') {
                        if (func3(data78) < 1) {
                          const err146 = {
                            instancePath:
                              instancePath + '/environments/' + i0 + '/kubernetes/namespaces/' + i13,
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/namespaces/items/minLength',
                            keyword: 'minLength',
                            params: { limit: 1 },
                            message: 'must NOT have fewer than 1 characters',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties
                                .namespaces.items,
                            data: data78,
                          };
                          if (vErrors === null) {
                            vErrors = [err146];
                          } else {
                            vErrors.push(err146);
                          }
                          errors++;
                        }
                      } else {
                        const err147 = {
                          instancePath:
                            instancePath + '/environments/' + i0 + '/kubernetes/namespaces/' + i13,
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/namespaces/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.namespaces
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.namespaces
                              .items,
                          data: data78,
                        };
                        if (vErrors === null) {
                          vErrors = [err147];
                        } else {
                          vErrors.push(err147);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err148 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/namespaces',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/namespaces/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.namespaces
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.namespaces,
                      data: data77,
                    };
                    if (vErrors === null) {
                      vErrors = [err148];
                    } else {
                      vErrors.push(err148);
                    }
                    errors++;
                  }
                }
                if (data64.clusterResources !== undefined) {
                  let data79 = data64.clusterResources;
                  if (Array.isArray(data79)) {
                    const len9 = data79.length;
                    for (let i14 = 0; i14 < len9; i14++) {
                      let data80 = data79[i14];
                      if (typeof data80 === 'string') {
                        if (func3(data80) < 1) {
                          const err149 = {
                            instancePath:
                              instancePath + '/environments/' + i0 + '/kubernetes/clusterResources/' + i14,
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/clusterResources/items/minLength',
                            keyword: 'minLength',
                            params: { limit: 1 },
                            message: 'must NOT have fewer than 1 characters',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties
                                .clusterResources.items,
                            data: data80,
                          };
                          if (vErrors === null) {
                            vErrors = [err149];
                          } else {
                            vErrors.push(err149);
                          }
                          errors++;
                        }
                      } else {
                        const err150 = {
                          instancePath:
                            instancePath + '/environments/' + i0 + '/kubernetes/clusterResources/' + i14,
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/clusterResources/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties
                              .clusterResources.items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties
                              .clusterResources.items,
                          data: data80,
                        };
                        if (vErrors === null) {
                          vErrors = [err150];
                        } else {
                          vErrors.push(err150);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err151 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/clusterResources',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/clusterResources/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .clusterResources.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .clusterResources,
                      data: data79,
                    };
                    if (vErrors === null) {
                      vErrors = [err151];
                    } else {
                      vErrors.push(err151);
                    }
                    errors++;
                  }
                }
                if (data64.hosts !== undefined) {
                  let data81 = data64.hosts;
                  if (Array.isArray(data81)) {
                    const len10 = data81.length;
                    for (let i15 = 0; i15 < len10; i15++) {
                      let data82 = data81[i15];
                      if (typeof data82 === 'string') {
                        if (!pattern25.test(data82)) {
                          const err152 = {
                            instancePath: instancePath + '/environments/' + i0 + '/kubernetes/hosts/' + i15,
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/hosts/items/pattern',
                            keyword: 'pattern',
                            params: {
                              pattern:
                                '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                            },
                            message:
                              'must match pattern "' +
                              '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' +
                              '"',
                            schema:
                              '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties.hosts
                                .items,
                            data: data82,
                          };
                          if (vErrors === null) {
                            vErrors = [err152];
                          } else {
                            vErrors.push(err152);
                          }
                          errors++;
                        }
                      } else {
                        const err153 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/hosts/' + i15,
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/hosts/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.hosts
                              .items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.hosts
                              .items,
                          data: data82,
                        };
                        if (vErrors === null) {
                          vErrors = [err153];
                        } else {
                          vErrors.push(err153);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err154 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/hosts',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/hosts/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.hosts.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.hosts,
                      data: data81,
                    };
                    if (vErrors === null) {
                      vErrors = [err154];
                    } else {
                      vErrors.push(err154);
                    }
                    errors++;
                  }
                }
                if (data64.clusterDomain !== undefined) {
                  let data83 = data64.clusterDomain;
                  if (typeof data83 === 'string') {
                    if (!pattern26.test(data83)) {
                      const err155 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/clusterDomain',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/clusterDomain/pattern',
                        keyword: 'pattern',
                        params: {
                          pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                        },
                        message:
                          'must match pattern "' +
                          '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' +
                          '"',
                        schema: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties
                            .clusterDomain,
                        data: data83,
                      };
                      if (vErrors === null) {
                        vErrors = [err155];
                      } else {
                        vErrors.push(err155);
                      }
                      errors++;
                    }
                  } else {
                    const err156 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/clusterDomain',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/clusterDomain/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.clusterDomain
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.clusterDomain,
                      data: data83,
                    };
                    if (vErrors === null) {
                      vErrors = [err156];
                    } else {
                      vErrors.push(err156);
                    }
                    errors++;
                  }
                }
                if (data64.sharedCredentials !== undefined) {
                  let data84 = data64.sharedCredentials;
                  if (Array.isArray(data84)) {
                    const len11 = data84.length;
                    for (let i16 = 0; i16 < len11; i16++) {
                      let data85 = data84[i16];
                      if (typeof data85 === 'string') {
                        if (!pattern27.test(data85)) {
                          const err157 = {
                            instancePath:
                              instancePath + '/environments/' + i0 + '/kubernetes/sharedCredentials/' + i16,
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/sharedCredentials/items/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^[A-Za-z][A-Za-z0-9]*/[-.*/a-z0-9]+$' },
                            message: 'must match pattern "' + '^[A-Za-z][A-Za-z0-9]*/[-.*/a-z0-9]+$' + '"',
                            schema: '^[A-Za-z][A-Za-z0-9]*/[-.*/a-z0-9]+$',
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties
                                .sharedCredentials.items,
                            data: data85,
                          };
                          if (vErrors === null) {
                            vErrors = [err157];
                          } else {
                            vErrors.push(err157);
                          }
                          errors++;
                        }
                      } else {
                        const err158 = {
                          instancePath:
                            instancePath + '/environments/' + i0 + '/kubernetes/sharedCredentials/' + i16,
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/sharedCredentials/items/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties
                              .sharedCredentials.items.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties
                              .sharedCredentials.items,
                          data: data85,
                        };
                        if (vErrors === null) {
                          vErrors = [err158];
                        } else {
                          vErrors.push(err158);
                        }
                        errors++;
                      }
                    }
                  } else {
                    const err159 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/sharedCredentials',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/sharedCredentials/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .sharedCredentials.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .sharedCredentials,
                      data: data84,
                    };
                    if (vErrors === null) {
                      vErrors = [err159];
                    } else {
                      vErrors.push(err159);
                    }
                    errors++;
                  }
                }
                if (data64.serviceAccount !== undefined) {
                  let data86 = data64.serviceAccount;
                  if (typeof data86 === 'string') {
                    if (!pattern28.test(data86)) {
                      const err160 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/serviceAccount',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/serviceAccount/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$' },
                        message:
                          'must match pattern "' +
                          '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$' +
                          '"',
                        schema: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$',
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties
                            .serviceAccount,
                        data: data86,
                      };
                      if (vErrors === null) {
                        vErrors = [err160];
                      } else {
                        vErrors.push(err160);
                      }
                      errors++;
                    }
                  } else {
                    const err161 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/serviceAccount',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/serviceAccount/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.serviceAccount
                          .type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .serviceAccount,
                      data: data86,
                    };
                    if (vErrors === null) {
                      vErrors = [err161];
                    } else {
                      vErrors.push(err161);
                    }
                    errors++;
                  }
                }
                if (data64.maxManifestBytes !== undefined) {
                  let data87 = data64.maxManifestBytes;
                  if (!(typeof data87 == 'number' && !(data87 % 1) && !isNaN(data87))) {
                    const err162 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/maxManifestBytes',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/maxManifestBytes/type',
                      keyword: 'type',
                      params: { type: 'integer' },
                      message: 'must be integer',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .maxManifestBytes.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties
                          .maxManifestBytes,
                      data: data87,
                    };
                    if (vErrors === null) {
                      vErrors = [err162];
                    } else {
                      vErrors.push(err162);
                    }
                    errors++;
                  }
                  if (typeof data87 == 'number') {
                    if (data87 < 1 || isNaN(data87)) {
                      const err163 = {
                        instancePath: instancePath + '/environments/' + i0 + '/kubernetes/maxManifestBytes',
                        schemaPath:
                          '#/properties/environments/items/properties/kubernetes/properties/maxManifestBytes/minimum',
                        keyword: 'minimum',
                        params: { comparison: '>=', limit: 1 },
                        message: 'must be >= 1',
                        schema: 1,
                        parentSchema:
                          schema11.properties.environments.items.properties.kubernetes.properties
                            .maxManifestBytes,
                        data: data87,
                      };
                      if (vErrors === null) {
                        vErrors = [err163];
                      } else {
                        vErrors.push(err163);
                      }
                      errors++;
                    }
                  }
                }
                if (data64.render !== undefined) {
                  let data88 = data64.render;
                  if (data88 && typeof data88 == 'object' && !Array.isArray(data88)) {
                    for (const key12 in data88) {
                      if (!(
                        key12 === 'isolation' ||
                        key12 === 'socket' ||
                        key12 === 'uid' ||
                        key12 === 'gid'
                      )) {
                        const err164 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render',
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/render/additionalProperties',
                          keyword: 'additionalProperties',
                          params: { additionalProperty: key12 },
                          message: 'must NOT have additional properties',
                          schema: false,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render,
                          data: data88,
                        };
                        if (vErrors === null) {
                          vErrors = [err164];
                        } else {
                          vErrors.push(err164);
                        }
                        errors++;
                      }
                    }
                    if (data88.isolation !== undefined) {
                      let data89 = data88.isolation;
                      if (!(data89 === 'bubblewrap' || data89 === 'sidecar' || data89 === 'none')) {
                        const err165 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/isolation',
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/render/properties/isolation/enum',
                          keyword: 'enum',
                          params: {
                            allowedValues:
                              schema11.properties.environments.items.properties.kubernetes.properties.render
                                .properties.isolation.enum,
                          },
                          message: 'must be equal to one of the allowed values',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.isolation.enum,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.isolation,
                          data: data89,
                        };
                        if (vErrors === null) {
                          vErrors = [err165];
                        } else {
                          vErrors.push(err165);
                        }
                        errors++;
                      }
                    }
                    if (data88.socket !== undefined) {
                      let data90 = data88.socket;
                      if (typeof data90 === 'string') {
                        if (!pattern23.test(data90)) {
                          const err166 = {
                            instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/socket',
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/render/properties/socket/pattern',
                            keyword: 'pattern',
                            params: { pattern: '^/' },
                            message: 'must match pattern "' + '^/' + '"',
                            schema: '^/',
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties.render
                                .properties.socket,
                            data: data90,
                          };
                          if (vErrors === null) {
                            vErrors = [err166];
                          } else {
                            vErrors.push(err166);
                          }
                          errors++;
                        }
                      } else {
                        const err167 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/socket',
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/render/properties/socket/type',
                          keyword: 'type',
                          params: { type: 'string' },
                          message: 'must be string',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.socket.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.socket,
                          data: data90,
                        };
                        if (vErrors === null) {
                          vErrors = [err167];
                        } else {
                          vErrors.push(err167);
                        }
                        errors++;
                      }
                    }
                    if (data88.uid !== undefined) {
                      let data91 = data88.uid;
                      if (!(typeof data91 == 'number' && !(data91 % 1) && !isNaN(data91))) {
                        const err168 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/uid',
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/render/properties/uid/type',
                          keyword: 'type',
                          params: { type: 'integer' },
                          message: 'must be integer',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.uid.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.uid,
                          data: data91,
                        };
                        if (vErrors === null) {
                          vErrors = [err168];
                        } else {
                          vErrors.push(err168);
                        }
                        errors++;
                      }
                      if (typeof data91 == 'number') {
                        if (data91 < 1 || isNaN(data91)) {
                          const err169 = {
                            instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/uid',
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/render/properties/uid/minimum',
                            keyword: 'minimum',
                            params: { comparison: '>=', limit: 1 },
                            message: 'must be >= 1',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties.render
                                .properties.uid,
                            data: data91,
                          };
                          if (vErrors === null) {
                            vErrors = [err169];
                          } else {
                            vErrors.push(err169);
                          }
                          errors++;
                        }
                      }
                    }
                    if (data88.gid !== undefined) {
                      let data92 = data88.gid;
                      if (!(typeof data92 == 'number' && !(data92 % 1) && !isNaN(data92))) {
                        const err170 = {
                          instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/gid',
                          schemaPath:
                            '#/properties/environments/items/properties/kubernetes/properties/render/properties/gid/type',
                          keyword: 'type',
                          params: { type: 'integer' },
                          message: 'must be integer',
                          schema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.gid.type,
                          parentSchema:
                            schema11.properties.environments.items.properties.kubernetes.properties.render
                              .properties.gid,
                          data: data92,
                        };
                        if (vErrors === null) {
                          vErrors = [err170];
                        } else {
                          vErrors.push(err170);
                        }
                        errors++;
                      }
                      if (typeof data92 == 'number') {
                        if (data92 < 1 || isNaN(data92)) {
                          const err171 = {
                            instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render/gid',
                            schemaPath:
                              '#/properties/environments/items/properties/kubernetes/properties/render/properties/gid/minimum',
                            keyword: 'minimum',
                            params: { comparison: '>=', limit: 1 },
                            message: 'must be >= 1',
                            schema: 1,
                            parentSchema:
                              schema11.properties.environments.items.properties.kubernetes.properties.render
                                .properties.gid,
                            data: data92,
                          };
                          if (vErrors === null) {
                            vErrors = [err171];
                          } else {
                            vErrors.push(err171);
                          }
                          errors++;
                        }
                      }
                    }
                  } else {
                    const err172 = {
                      instancePath: instancePath + '/environments/' + i0 + '/kubernetes/render',
                      schemaPath:
                        '#/properties/environments/items/properties/kubernetes/properties/render/type',
                      keyword: 'type',
                      params: { type: 'object' },
                      message: 'must be object',
                      schema:
                        schema11.properties.environments.items.properties.kubernetes.properties.render.type,
                      parentSchema:
                        schema11.properties.environments.items.properties.kubernetes.properties.render,
                      data: data88,
                    };
                    if (vErrors === null) {
                      vErrors = [err172];
                    } else {
                      vErrors.push(err172);
                    }
                    errors++;
                  }
                }
              } else {
                const err173 = {
                  instancePath: instancePath + '/environments/' + i0 + '/kubernetes',
                  schemaPath: '#/properties/environments/items/properties/kubernetes/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.environments.items.properties.kubernetes.type,
                  parentSchema: schema11.properties.environments.items.properties.kubernetes,
                  data: data64,
                };
                if (vErrors === null) {
                  vErrors = [err173];
                } else {
                  vErrors.push(err173);
                }
                errors++;
              }
            }
          } else {
            const err174 = {
              instancePath: instancePath + '/environments/' + i0,
              schemaPath: '#/properties/environments/items/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.environments.items.type,
              parentSchema: schema11.properties.environments.items,
              data: data21,
            };
            if (vErrors === null) {
              vErrors = [err174];
            } else {
              vErrors.push(err174);
            }
            errors++;
          }
        }
      } else {
        const err175 = {
          instancePath: instancePath + '/environments',
          schemaPath: '#/properties/environments/type',
          keyword: 'type',
          params: { type: 'array' },
          message: 'must be array',
          schema: schema11.properties.environments.type,
          parentSchema: schema11.properties.environments,
          data: data20,
        };
        if (vErrors === null) {
          vErrors = [err175];
        } else {
          vErrors.push(err175);
        }
        errors++;
      }
    }
    if (data.audit !== undefined) {
      let data93 = data.audit;
      if (data93 && typeof data93 == 'object' && !Array.isArray(data93)) {
        if (data93.dir === undefined) {
          const err176 = {
            instancePath: instancePath + '/audit',
            schemaPath: '#/properties/audit/required',
            keyword: 'required',
            params: { missingProperty: 'dir' },
            message: "must have required property '" + 'dir' + "'",
            schema: schema11.properties.audit.required,
            parentSchema: schema11.properties.audit,
            data: data93,
          };
          if (vErrors === null) {
            vErrors = [err176];
          } else {
            vErrors.push(err176);
          }
          errors++;
        }
        for (const key13 in data93) {
          if (!(
            key13 === 'backend' ||
            key13 === 'dir' ||
            key13 === 'witnessDir' ||
            key13 === 'keyFile' ||
            key13 === 'keyEnv' ||
            key13 === 'retiredKeys' ||
            key13 === 'unkeyed' ||
            key13 === 'dynamodb'
          )) {
            const err177 = {
              instancePath: instancePath + '/audit',
              schemaPath: '#/properties/audit/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key13 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.audit,
              data: data93,
            };
            if (vErrors === null) {
              vErrors = [err177];
            } else {
              vErrors.push(err177);
            }
            errors++;
          }
        }
        if (data93.backend !== undefined) {
          let data94 = data93.backend;
          if (!(data94 === 'jsonl' || data94 === 'dynamodb')) {
            const err178 = {
              instancePath: instancePath + '/audit/backend',
              schemaPath: '#/properties/audit/properties/backend/enum',
              keyword: 'enum',
              params: { allowedValues: schema11.properties.audit.properties.backend.enum },
              message: 'must be equal to one of the allowed values',
              schema: schema11.properties.audit.properties.backend.enum,
              parentSchema: schema11.properties.audit.properties.backend,
              data: data94,
            };
            if (vErrors === null) {
              vErrors = [err178];
            } else {
              vErrors.push(err178);
            }
            errors++;
          }
        }
        if (data93.dir !== undefined) {
          let data95 = data93.dir;
          if (typeof data95 === 'string') {
            if (func3(data95) < 1) {
              const err179 = {
                instancePath: instancePath + '/audit/dir',
                schemaPath: '#/properties/audit/properties/dir/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.audit.properties.dir,
                data: data95,
              };
              if (vErrors === null) {
                vErrors = [err179];
              } else {
                vErrors.push(err179);
              }
              errors++;
            }
          } else {
            const err180 = {
              instancePath: instancePath + '/audit/dir',
              schemaPath: '#/properties/audit/properties/dir/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.audit.properties.dir.type,
              parentSchema: schema11.properties.audit.properties.dir,
              data: data95,
            };
            if (vErrors === null) {
              vErrors = [err180];
            } else {
              vErrors.push(err180);
            }
            errors++;
          }
        }
        if (data93.witnessDir !== undefined) {
          let data96 = data93.witnessDir;
          if (typeof data96 === 'string') {
            if (func3(data96) < 1) {
              const err181 = {
                instancePath: instancePath + '/audit/witnessDir',
                schemaPath: '#/properties/audit/properties/witnessDir/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.audit.properties.witnessDir,
                data: data96,
              };
              if (vErrors === null) {
                vErrors = [err181];
              } else {
                vErrors.push(err181);
              }
              errors++;
            }
          } else {
            const err182 = {
              instancePath: instancePath + '/audit/witnessDir',
              schemaPath: '#/properties/audit/properties/witnessDir/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.audit.properties.witnessDir.type,
              parentSchema: schema11.properties.audit.properties.witnessDir,
              data: data96,
            };
            if (vErrors === null) {
              vErrors = [err182];
            } else {
              vErrors.push(err182);
            }
            errors++;
          }
        }
        if (data93.keyFile !== undefined) {
          let data97 = data93.keyFile;
          if (typeof data97 === 'string') {
            if (func3(data97) < 1) {
              const err183 = {
                instancePath: instancePath + '/audit/keyFile',
                schemaPath: '#/properties/audit/properties/keyFile/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.audit.properties.keyFile,
                data: data97,
              };
              if (vErrors === null) {
                vErrors = [err183];
              } else {
                vErrors.push(err183);
              }
              errors++;
            }
          } else {
            const err184 = {
              instancePath: instancePath + '/audit/keyFile',
              schemaPath: '#/properties/audit/properties/keyFile/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.audit.properties.keyFile.type,
              parentSchema: schema11.properties.audit.properties.keyFile,
              data: data97,
            };
            if (vErrors === null) {
              vErrors = [err184];
            } else {
              vErrors.push(err184);
            }
            errors++;
          }
        }
        if (data93.keyEnv !== undefined) {
          let data98 = data93.keyEnv;
          if (typeof data98 === 'string') {
            if (!pattern1.test(data98)) {
              const err185 = {
                instancePath: instancePath + '/audit/keyEnv',
                schemaPath: '#/definitions/envVarName/pattern',
                keyword: 'pattern',
                params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                parentSchema: schema13,
                data: data98,
              };
              if (vErrors === null) {
                vErrors = [err185];
              } else {
                vErrors.push(err185);
              }
              errors++;
            }
          } else {
            const err186 = {
              instancePath: instancePath + '/audit/keyEnv',
              schemaPath: '#/definitions/envVarName/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema13.type,
              parentSchema: schema13,
              data: data98,
            };
            if (vErrors === null) {
              vErrors = [err186];
            } else {
              vErrors.push(err186);
            }
            errors++;
          }
        }
        if (data93.retiredKeys !== undefined) {
          let data99 = data93.retiredKeys;
          if (Array.isArray(data99)) {
            const len12 = data99.length;
            for (let i17 = 0; i17 < len12; i17++) {
              let data100 = data99[i17];
              const _errs227 = errors;
              let valid58 = false;
              let passing2 = null;
              const _errs228 = errors;
              if (data100 && typeof data100 == 'object' && !Array.isArray(data100)) {
                if (data100.env === undefined) {
                  const err187 = {
                    instancePath: instancePath + '/audit/retiredKeys/' + i17,
                    schemaPath: '#/properties/audit/properties/retiredKeys/items/oneOf/0/required',
                    keyword: 'required',
                    params: { missingProperty: 'env' },
                    message: "must have required property '" + 'env' + "'",
                    schema: schema11.properties.audit.properties.retiredKeys.items.oneOf[0].required,
                    parentSchema: schema11.properties.audit.properties.retiredKeys.items.oneOf[0],
                    data: data100,
                  };
                  if (vErrors === null) {
                    vErrors = [err187];
                  } else {
                    vErrors.push(err187);
                  }
                  errors++;
                }
              }
              var _valid2 = _errs228 === errors;
              if (_valid2) {
                valid58 = true;
                passing2 = 0;
              }
              const _errs229 = errors;
              if (data100 && typeof data100 == 'object' && !Array.isArray(data100)) {
                if (data100.file === undefined) {
                  const err188 = {
                    instancePath: instancePath + '/audit/retiredKeys/' + i17,
                    schemaPath: '#/properties/audit/properties/retiredKeys/items/oneOf/1/required',
                    keyword: 'required',
                    params: { missingProperty: 'file' },
                    message: "must have required property '" + 'file' + "'",
                    schema: schema11.properties.audit.properties.retiredKeys.items.oneOf[1].required,
                    parentSchema: schema11.properties.audit.properties.retiredKeys.items.oneOf[1],
                    data: data100,
                  };
                  if (vErrors === null) {
                    vErrors = [err188];
                  } else {
                    vErrors.push(err188);
                  }
                  errors++;
                }
              }
              var _valid2 = _errs229 === errors;
              if (_valid2 && valid58) {
                valid58 = false;
                passing2 = [passing2, 1];
              } else {
                if (_valid2) {
                  valid58 = true;
                  passing2 = 1;
                }
              }
              if (!valid58) {
                const err189 = {
                  instancePath: instancePath + '/audit/retiredKeys/' + i17,
                  schemaPath: '#/properties/audit/properties/retiredKeys/items/oneOf',
                  keyword: 'oneOf',
                  params: { passingSchemas: passing2 },
                  message: 'must match exactly one schema in oneOf',
                  schema: schema11.properties.audit.properties.retiredKeys.items.oneOf,
                  parentSchema: schema11.properties.audit.properties.retiredKeys.items,
                  data: data100,
                };
                if (vErrors === null) {
                  vErrors = [err189];
                } else {
                  vErrors.push(err189);
                }
                errors++;
              } else {
                errors = _errs227;
                if (vErrors !== null) {
                  if (_errs227) {
                    vErrors.length = _errs227;
                  } else {
                    vErrors = null;
                  }
                }
              }
              if (data100 && typeof data100 == 'object' && !Array.isArray(data100)) {
                for (const key14 in data100) {
                  if (!(key14 === 'env' || key14 === 'file')) {
                    const err190 = {
                      instancePath: instancePath + '/audit/retiredKeys/' + i17,
                      schemaPath: '#/properties/audit/properties/retiredKeys/items/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key14 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.audit.properties.retiredKeys.items,
                      data: data100,
                    };
                    if (vErrors === null) {
                      vErrors = [err190];
                    } else {
                      vErrors.push(err190);
                    }
                    errors++;
                  }
                }
                if (data100.env !== undefined) {
                  let data101 = data100.env;
                  if (typeof data101 === 'string') {
                    if (!pattern1.test(data101)) {
                      const err191 = {
                        instancePath: instancePath + '/audit/retiredKeys/' + i17 + '/env',
                        schemaPath: '#/definitions/envVarName/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                        message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                        schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                        parentSchema: schema13,
                        data: data101,
                      };
                      if (vErrors === null) {
                        vErrors = [err191];
                      } else {
                        vErrors.push(err191);
                      }
                      errors++;
                    }
                  } else {
                    const err192 = {
                      instancePath: instancePath + '/audit/retiredKeys/' + i17 + '/env',
                      schemaPath: '#/definitions/envVarName/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema13.type,
                      parentSchema: schema13,
                      data: data101,
                    };
                    if (vErrors === null) {
                      vErrors = [err192];
                    } else {
                      vErrors.push(err192);
                    }
                    errors++;
                  }
                }
                if (data100.file !== undefined) {
                  let data102 = data100.file;
                  if (typeof data102 === 'string') {
                    if (func3(data102) < 1) {
                      const err193 = {
                        instancePath: instancePath + '/audit/retiredKeys/' + i17 + '/file',
                        schemaPath:
                          '#/properties/audit/properties/retiredKeys/items/properties/file/minLength',
                        keyword: 'minLength',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 characters',
                        schema: 1,
                        parentSchema: schema11.properties.audit.properties.retiredKeys.items.properties.file,
                        data: data102,
                      };
                      if (vErrors === null) {
                        vErrors = [err193];
                      } else {
                        vErrors.push(err193);
                      }
                      errors++;
                    }
                  } else {
                    const err194 = {
                      instancePath: instancePath + '/audit/retiredKeys/' + i17 + '/file',
                      schemaPath: '#/properties/audit/properties/retiredKeys/items/properties/file/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.audit.properties.retiredKeys.items.properties.file.type,
                      parentSchema: schema11.properties.audit.properties.retiredKeys.items.properties.file,
                      data: data102,
                    };
                    if (vErrors === null) {
                      vErrors = [err194];
                    } else {
                      vErrors.push(err194);
                    }
                    errors++;
                  }
                }
              } else {
                const err195 = {
                  instancePath: instancePath + '/audit/retiredKeys/' + i17,
                  schemaPath: '#/properties/audit/properties/retiredKeys/items/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.audit.properties.retiredKeys.items.type,
                  parentSchema: schema11.properties.audit.properties.retiredKeys.items,
                  data: data100,
                };
                if (vErrors === null) {
                  vErrors = [err195];
                } else {
                  vErrors.push(err195);
                }
                errors++;
              }
            }
          } else {
            const err196 = {
              instancePath: instancePath + '/audit/retiredKeys',
              schemaPath: '#/properties/audit/properties/retiredKeys/type',
              keyword: 'type',
              params: { type: 'array' },
              message: 'must be array',
              schema: schema11.properties.audit.properties.retiredKeys.type,
              parentSchema: schema11.properties.audit.properties.retiredKeys,
              data: data99,
            };
            if (vErrors === null) {
              vErrors = [err196];
            } else {
              vErrors.push(err196);
            }
            errors++;
          }
        }
        if (data93.unkeyed !== undefined) {
          let data103 = data93.unkeyed;
          if (typeof data103 !== 'boolean') {
            const err197 = {
              instancePath: instancePath + '/audit/unkeyed',
              schemaPath: '#/properties/audit/properties/unkeyed/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.audit.properties.unkeyed.type,
              parentSchema: schema11.properties.audit.properties.unkeyed,
              data: data103,
            };
            if (vErrors === null) {
              vErrors = [err197];
            } else {
              vErrors.push(err197);
            }
            errors++;
          }
        }
        if (data93.dynamodb !== undefined) {
          let data104 = data93.dynamodb;
          if (data104 && typeof data104 == 'object' && !Array.isArray(data104)) {
            if (data104.table === undefined) {
              const err198 = {
                instancePath: instancePath + '/audit/dynamodb',
                schemaPath: '#/properties/audit/properties/dynamodb/required',
                keyword: 'required',
                params: { missingProperty: 'table' },
                message: "must have required property '" + 'table' + "'",
                schema: schema11.properties.audit.properties.dynamodb.required,
                parentSchema: schema11.properties.audit.properties.dynamodb,
                data: data104,
              };
              if (vErrors === null) {
                vErrors = [err198];
              } else {
                vErrors.push(err198);
              }
              errors++;
            }
            if (data104.region === undefined) {
              const err199 = {
                instancePath: instancePath + '/audit/dynamodb',
                schemaPath: '#/properties/audit/properties/dynamodb/required',
                keyword: 'required',
                params: { missingProperty: 'region' },
                message: "must have required property '" + 'region' + "'",
                schema: schema11.properties.audit.properties.dynamodb.required,
                parentSchema: schema11.properties.audit.properties.dynamodb,
                data: data104,
              };
              if (vErrors === null) {
                vErrors = [err199];
              } else {
                vErrors.push(err199);
              }
              errors++;
            }
            for (const key15 in data104) {
              if (!(key15 === 'table' || key15 === 'region' || key15 === 'endpoint')) {
                const err200 = {
                  instancePath: instancePath + '/audit/dynamodb',
                  schemaPath: '#/properties/audit/properties/dynamodb/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key15 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.audit.properties.dynamodb,
                  data: data104,
                };
                if (vErrors === null) {
                  vErrors = [err200];
                } else {
                  vErrors.push(err200);
                }
                errors++;
              }
            }
            if (data104.table !== undefined) {
              let data105 = data104.table;
              if (typeof data105 === 'string') {
                if (func3(data105) < 3) {
                  const err201 = {
                    instancePath: instancePath + '/audit/dynamodb/table',
                    schemaPath: '#/properties/audit/properties/dynamodb/properties/table/minLength',
                    keyword: 'minLength',
                    params: { limit: 3 },
                    message: 'must NOT have fewer than 3 characters',
                    schema: 3,
                    parentSchema: schema11.properties.audit.properties.dynamodb.properties.table,
                    data: data105,
                  };
                  if (vErrors === null) {
                    vErrors = [err201];
                  } else {
                    vErrors.push(err201);
                  }
                  errors++;
                }
              } else {
                const err202 = {
                  instancePath: instancePath + '/audit/dynamodb/table',
                  schemaPath: '#/properties/audit/properties/dynamodb/properties/table/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.audit.properties.dynamodb.properties.table.type,
                  parentSchema: schema11.properties.audit.properties.dynamodb.properties.table,
                  data: data105,
                };
                if (vErrors === null) {
                  vErrors = [err202];
                } else {
                  vErrors.push(err202);
                }
                errors++;
              }
            }
            if (data104.region !== undefined) {
              let data106 = data104.region;
              if (typeof data106 === 'string') {
                if (func3(data106) < 1) {
                  const err203 = {
                    instancePath: instancePath + '/audit/dynamodb/region',
                    schemaPath: '#/properties/audit/properties/dynamodb/properties/region/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.audit.properties.dynamodb.properties.region,
                    data: data106,
                  };
                  if (vErrors === null) {
                    vErrors = [err203];
                  } else {
                    vErrors.push(err203);
                  }
                  errors++;
                }
              } else {
                const err204 = {
                  instancePath: instancePath + '/audit/dynamodb/region',
                  schemaPath: '#/properties/audit/properties/dynamodb/properties/region/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.audit.properties.dynamodb.properties.region.type,
                  parentSchema: schema11.properties.audit.properties.dynamodb.properties.region,
                  data: data106,
                };
                if (vErrors === null) {
                  vErrors = [err204];
                } else {
                  vErrors.push(err204);
                }
                errors++;
              }
            }
            if (data104.endpoint !== undefined) {
              let data107 = data104.endpoint;
              if (typeof data107 === 'string') {
                if (func3(data107) < 1) {
                  const err205 = {
                    instancePath: instancePath + '/audit/dynamodb/endpoint',
                    schemaPath: '#/properties/audit/properties/dynamodb/properties/endpoint/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.audit.properties.dynamodb.properties.endpoint,
                    data: data107,
                  };
                  if (vErrors === null) {
                    vErrors = [err205];
                  } else {
                    vErrors.push(err205);
                  }
                  errors++;
                }
              } else {
                const err206 = {
                  instancePath: instancePath + '/audit/dynamodb/endpoint',
                  schemaPath: '#/properties/audit/properties/dynamodb/properties/endpoint/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.audit.properties.dynamodb.properties.endpoint.type,
                  parentSchema: schema11.properties.audit.properties.dynamodb.properties.endpoint,
                  data: data107,
                };
                if (vErrors === null) {
                  vErrors = [err206];
                } else {
                  vErrors.push(err206);
                }
                errors++;
              }
            }
          } else {
            const err207 = {
              instancePath: instancePath + '/audit/dynamodb',
              schemaPath: '#/properties/audit/properties/dynamodb/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.audit.properties.dynamodb.type,
              parentSchema: schema11.properties.audit.properties.dynamodb,
              data: data104,
            };
            if (vErrors === null) {
              vErrors = [err207];
            } else {
              vErrors.push(err207);
            }
            errors++;
          }
        }
      } else {
        const err208 = {
          instancePath: instancePath + '/audit',
          schemaPath: '#/properties/audit/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.audit.type,
          parentSchema: schema11.properties.audit,
          data: data93,
        };
        if (vErrors === null) {
          vErrors = [err208];
        } else {
          vErrors.push(err208);
        }
        errors++;
      }
    }
    if (data.server !== undefined) {
      let data108 = data.server;
      if (data108 && typeof data108 == 'object' && !Array.isArray(data108)) {
        for (const key16 in data108) {
          if (!func2.call(schema11.properties.server.properties, key16)) {
            const err209 = {
              instancePath: instancePath + '/server',
              schemaPath: '#/properties/server/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key16 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.server,
              data: data108,
            };
            if (vErrors === null) {
              vErrors = [err209];
            } else {
              vErrors.push(err209);
            }
            errors++;
          }
        }
        if (data108.port !== undefined) {
          let data109 = data108.port;
          if (!(typeof data109 == 'number' && !(data109 % 1) && !isNaN(data109))) {
            const err210 = {
              instancePath: instancePath + '/server/port',
              schemaPath: '#/properties/server/properties/port/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.port.type,
              parentSchema: schema11.properties.server.properties.port,
              data: data109,
            };
            if (vErrors === null) {
              vErrors = [err210];
            } else {
              vErrors.push(err210);
            }
            errors++;
          }
          if (typeof data109 == 'number') {
            if (data109 > 65535 || isNaN(data109)) {
              const err211 = {
                instancePath: instancePath + '/server/port',
                schemaPath: '#/properties/server/properties/port/maximum',
                keyword: 'maximum',
                params: { comparison: '<=', limit: 65535 },
                message: 'must be <= 65535',
                schema: 65535,
                parentSchema: schema11.properties.server.properties.port,
                data: data109,
              };
              if (vErrors === null) {
                vErrors = [err211];
              } else {
                vErrors.push(err211);
              }
              errors++;
            }
            if (data109 < 0 || isNaN(data109)) {
              const err212 = {
                instancePath: instancePath + '/server/port',
                schemaPath: '#/properties/server/properties/port/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 0 },
                message: 'must be >= 0',
                schema: 0,
                parentSchema: schema11.properties.server.properties.port,
                data: data109,
              };
              if (vErrors === null) {
                vErrors = [err212];
              } else {
                vErrors.push(err212);
              }
              errors++;
            }
          }
        }
        if (data108.probePort !== undefined) {
          let data110 = data108.probePort;
          if (!(typeof data110 == 'number' && !(data110 % 1) && !isNaN(data110))) {
            const err213 = {
              instancePath: instancePath + '/server/probePort',
              schemaPath: '#/properties/server/properties/probePort/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.probePort.type,
              parentSchema: schema11.properties.server.properties.probePort,
              data: data110,
            };
            if (vErrors === null) {
              vErrors = [err213];
            } else {
              vErrors.push(err213);
            }
            errors++;
          }
          if (typeof data110 == 'number') {
            if (data110 > 65535 || isNaN(data110)) {
              const err214 = {
                instancePath: instancePath + '/server/probePort',
                schemaPath: '#/properties/server/properties/probePort/maximum',
                keyword: 'maximum',
                params: { comparison: '<=', limit: 65535 },
                message: 'must be <= 65535',
                schema: 65535,
                parentSchema: schema11.properties.server.properties.probePort,
                data: data110,
              };
              if (vErrors === null) {
                vErrors = [err214];
              } else {
                vErrors.push(err214);
              }
              errors++;
            }
            if (data110 < 0 || isNaN(data110)) {
              const err215 = {
                instancePath: instancePath + '/server/probePort',
                schemaPath: '#/properties/server/properties/probePort/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 0 },
                message: 'must be >= 0',
                schema: 0,
                parentSchema: schema11.properties.server.properties.probePort,
                data: data110,
              };
              if (vErrors === null) {
                vErrors = [err215];
              } else {
                vErrors.push(err215);
              }
              errors++;
            }
          }
        }
        if (data108.host !== undefined) {
          let data111 = data108.host;
          if (typeof data111 !== 'string') {
            const err216 = {
              instancePath: instancePath + '/server/host',
              schemaPath: '#/properties/server/properties/host/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.server.properties.host.type,
              parentSchema: schema11.properties.server.properties.host,
              data: data111,
            };
            if (vErrors === null) {
              vErrors = [err216];
            } else {
              vErrors.push(err216);
            }
            errors++;
          }
        }
        if (data108.webhookSecretEnv !== undefined) {
          let data112 = data108.webhookSecretEnv;
          if (typeof data112 === 'string') {
            if (!pattern1.test(data112)) {
              const err217 = {
                instancePath: instancePath + '/server/webhookSecretEnv',
                schemaPath: '#/definitions/envVarName/pattern',
                keyword: 'pattern',
                params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                parentSchema: schema13,
                data: data112,
              };
              if (vErrors === null) {
                vErrors = [err217];
              } else {
                vErrors.push(err217);
              }
              errors++;
            }
          } else {
            const err218 = {
              instancePath: instancePath + '/server/webhookSecretEnv',
              schemaPath: '#/definitions/envVarName/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema13.type,
              parentSchema: schema13,
              data: data112,
            };
            if (vErrors === null) {
              vErrors = [err218];
            } else {
              vErrors.push(err218);
            }
            errors++;
          }
        }
        if (data108.previousWebhookSecretEnv !== undefined) {
          let data113 = data108.previousWebhookSecretEnv;
          if (typeof data113 === 'string') {
            if (!pattern1.test(data113)) {
              const err219 = {
                instancePath: instancePath + '/server/previousWebhookSecretEnv',
                schemaPath: '#/definitions/envVarName/pattern',
                keyword: 'pattern',
                params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                parentSchema: schema13,
                data: data113,
              };
              if (vErrors === null) {
                vErrors = [err219];
              } else {
                vErrors.push(err219);
              }
              errors++;
            }
          } else {
            const err220 = {
              instancePath: instancePath + '/server/previousWebhookSecretEnv',
              schemaPath: '#/definitions/envVarName/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema13.type,
              parentSchema: schema13,
              data: data113,
            };
            if (vErrors === null) {
              vErrors = [err220];
            } else {
              vErrors.push(err220);
            }
            errors++;
          }
        }
        if (data108.apiTokenEnv !== undefined) {
          let data114 = data108.apiTokenEnv;
          if (typeof data114 === 'string') {
            if (!pattern1.test(data114)) {
              const err221 = {
                instancePath: instancePath + '/server/apiTokenEnv',
                schemaPath: '#/definitions/envVarName/pattern',
                keyword: 'pattern',
                params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                parentSchema: schema13,
                data: data114,
              };
              if (vErrors === null) {
                vErrors = [err221];
              } else {
                vErrors.push(err221);
              }
              errors++;
            }
          } else {
            const err222 = {
              instancePath: instancePath + '/server/apiTokenEnv',
              schemaPath: '#/definitions/envVarName/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema13.type,
              parentSchema: schema13,
              data: data114,
            };
            if (vErrors === null) {
              vErrors = [err222];
            } else {
              vErrors.push(err222);
            }
            errors++;
          }
        }
        if (data108.apiTokens !== undefined) {
          let data115 = data108.apiTokens;
          if (Array.isArray(data115)) {
            const len13 = data115.length;
            for (let i18 = 0; i18 < len13; i18++) {
              let data116 = data115[i18];
              const _errs269 = errors;
              let valid68 = false;
              let passing3 = null;
              const _errs270 = errors;
              if (data116 && typeof data116 == 'object' && !Array.isArray(data116)) {
                if (data116.env === undefined) {
                  const err223 = {
                    instancePath: instancePath + '/server/apiTokens/' + i18,
                    schemaPath: '#/properties/server/properties/apiTokens/items/oneOf/0/required',
                    keyword: 'required',
                    params: { missingProperty: 'env' },
                    message: "must have required property '" + 'env' + "'",
                    schema: schema11.properties.server.properties.apiTokens.items.oneOf[0].required,
                    parentSchema: schema11.properties.server.properties.apiTokens.items.oneOf[0],
                    data: data116,
                  };
                  if (vErrors === null) {
                    vErrors = [err223];
                  } else {
                    vErrors.push(err223);
                  }
                  errors++;
                }
              }
              var _valid3 = _errs270 === errors;
              if (_valid3) {
                valid68 = true;
                passing3 = 0;
              }
              const _errs271 = errors;
              if (data116 && typeof data116 == 'object' && !Array.isArray(data116)) {
                if (data116.file === undefined) {
                  const err224 = {
                    instancePath: instancePath + '/server/apiTokens/' + i18,
                    schemaPath: '#/properties/server/properties/apiTokens/items/oneOf/1/required',
                    keyword: 'required',
                    params: { missingProperty: 'file' },
                    message: "must have required property '" + 'file' + "'",
                    schema: schema11.properties.server.properties.apiTokens.items.oneOf[1].required,
                    parentSchema: schema11.properties.server.properties.apiTokens.items.oneOf[1],
                    data: data116,
                  };
                  if (vErrors === null) {
                    vErrors = [err224];
                  } else {
                    vErrors.push(err224);
                  }
                  errors++;
                }
              }
              var _valid3 = _errs271 === errors;
              if (_valid3 && valid68) {
                valid68 = false;
                passing3 = [passing3, 1];
              } else {
                if (_valid3) {
                  valid68 = true;
                  passing3 = 1;
                }
              }
              if (!valid68) {
                const err225 = {
                  instancePath: instancePath + '/server/apiTokens/' + i18,
                  schemaPath: '#/properties/server/properties/apiTokens/items/oneOf',
                  keyword: 'oneOf',
                  params: { passingSchemas: passing3 },
                  message: 'must match exactly one schema in oneOf',
                  schema: schema11.properties.server.properties.apiTokens.items.oneOf,
                  parentSchema: schema11.properties.server.properties.apiTokens.items,
                  data: data116,
                };
                if (vErrors === null) {
                  vErrors = [err225];
                } else {
                  vErrors.push(err225);
                }
                errors++;
              } else {
                errors = _errs269;
                if (vErrors !== null) {
                  if (_errs269) {
                    vErrors.length = _errs269;
                  } else {
                    vErrors = null;
                  }
                }
              }
              if (data116 && typeof data116 == 'object' && !Array.isArray(data116)) {
                if (data116.scopes === undefined) {
                  const err226 = {
                    instancePath: instancePath + '/server/apiTokens/' + i18,
                    schemaPath: '#/properties/server/properties/apiTokens/items/required',
                    keyword: 'required',
                    params: { missingProperty: 'scopes' },
                    message: "must have required property '" + 'scopes' + "'",
                    schema: schema11.properties.server.properties.apiTokens.items.required,
                    parentSchema: schema11.properties.server.properties.apiTokens.items,
                    data: data116,
                  };
                  if (vErrors === null) {
                    vErrors = [err226];
                  } else {
                    vErrors.push(err226);
                  }
                  errors++;
                }
                for (const key17 in data116) {
                  if (!(key17 === 'env' || key17 === 'file' || key17 === 'scopes')) {
                    const err227 = {
                      instancePath: instancePath + '/server/apiTokens/' + i18,
                      schemaPath: '#/properties/server/properties/apiTokens/items/additionalProperties',
                      keyword: 'additionalProperties',
                      params: { additionalProperty: key17 },
                      message: 'must NOT have additional properties',
                      schema: false,
                      parentSchema: schema11.properties.server.properties.apiTokens.items,
                      data: data116,
                    };
                    if (vErrors === null) {
                      vErrors = [err227];
                    } else {
                      vErrors.push(err227);
                    }
                    errors++;
                  }
                }
                if (data116.env !== undefined) {
                  let data117 = data116.env;
                  if (typeof data117 === 'string') {
                    if (!pattern1.test(data117)) {
                      const err228 = {
                        instancePath: instancePath + '/server/apiTokens/' + i18 + '/env',
                        schemaPath: '#/definitions/envVarName/pattern',
                        keyword: 'pattern',
                        params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                        message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                        schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                        parentSchema: schema13,
                        data: data117,
                      };
                      if (vErrors === null) {
                        vErrors = [err228];
                      } else {
                        vErrors.push(err228);
                      }
                      errors++;
                    }
                  } else {
                    const err229 = {
                      instancePath: instancePath + '/server/apiTokens/' + i18 + '/env',
                      schemaPath: '#/definitions/envVarName/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema13.type,
                      parentSchema: schema13,
                      data: data117,
                    };
                    if (vErrors === null) {
                      vErrors = [err229];
                    } else {
                      vErrors.push(err229);
                    }
                    errors++;
                  }
                }
                if (data116.file !== undefined) {
                  let data118 = data116.file;
                  if (typeof data118 === 'string') {
                    if (func3(data118) < 1) {
                      const err230 = {
                        instancePath: instancePath + '/server/apiTokens/' + i18 + '/file',
                        schemaPath:
                          '#/properties/server/properties/apiTokens/items/properties/file/minLength',
                        keyword: 'minLength',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 characters',
                        schema: 1,
                        parentSchema: schema11.properties.server.properties.apiTokens.items.properties.file,
                        data: data118,
                      };
                      if (vErrors === null) {
                        vErrors = [err230];
                      } else {
                        vErrors.push(err230);
                      }
                      errors++;
                    }
                  } else {
                    const err231 = {
                      instancePath: instancePath + '/server/apiTokens/' + i18 + '/file',
                      schemaPath: '#/properties/server/properties/apiTokens/items/properties/file/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.server.properties.apiTokens.items.properties.file.type,
                      parentSchema: schema11.properties.server.properties.apiTokens.items.properties.file,
                      data: data118,
                    };
                    if (vErrors === null) {
                      vErrors = [err231];
                    } else {
                      vErrors.push(err231);
                    }
                    errors++;
                  }
                }
                if (data116.scopes !== undefined) {
                  let data119 = data116.scopes;
                  if (Array.isArray(data119)) {
                    if (data119.length < 1) {
                      const err232 = {
                        instancePath: instancePath + '/server/apiTokens/' + i18 + '/scopes',
                        schemaPath:
                          '#/properties/server/properties/apiTokens/items/properties/scopes/minItems',
                        keyword: 'minItems',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 items',
                        schema: 1,
                        parentSchema: schema11.properties.server.properties.apiTokens.items.properties.scopes,
                        data: data119,
                      };
                      if (vErrors === null) {
                        vErrors = [err232];
                      } else {
                        vErrors.push(err232);
                      }
                      errors++;
                    }
                    const len14 = data119.length;
                    for (let i19 = 0; i19 < len14; i19++) {
                      let data120 = data119[i19];
                      if (!(data120 === 'read' || data120 === 'sync')) {
                        const err233 = {
                          instancePath: instancePath + '/server/apiTokens/' + i18 + '/scopes/' + i19,
                          schemaPath:
                            '#/properties/server/properties/apiTokens/items/properties/scopes/items/enum',
                          keyword: 'enum',
                          params: {
                            allowedValues:
                              schema11.properties.server.properties.apiTokens.items.properties.scopes.items
                                .enum,
                          },
                          message: 'must be equal to one of the allowed values',
                          schema:
                            schema11.properties.server.properties.apiTokens.items.properties.scopes.items
                              .enum,
                          parentSchema:
                            schema11.properties.server.properties.apiTokens.items.properties.scopes.items,
                          data: data120,
                        };
                        if (vErrors === null) {
                          vErrors = [err233];
                        } else {
                          vErrors.push(err233);
                        }
                        errors++;
                      }
                    }
                    let i20 = data119.length;
                    let j5;
                    if (i20 > 1) {
                      outer1: for (; i20--;) {
                        for (j5 = i20; j5--;) {
                          if (func0(data119[i20], data119[j5])) {
                            const err234 = {
                              instancePath: instancePath + '/server/apiTokens/' + i18 + '/scopes',
                              schemaPath:
                                '#/properties/server/properties/apiTokens/items/properties/scopes/uniqueItems',
                              keyword: 'uniqueItems',
                              params: { i: i20, j: j5 },
                              message:
                                'must NOT have duplicate items (items ## ' +
                                j5 +
                                ' and ' +
                                i20 +
                                ' are identical)',
                              schema: true,
                              parentSchema:
                                schema11.properties.server.properties.apiTokens.items.properties.scopes,
                              data: data119,
                            };
                            if (vErrors === null) {
                              vErrors = [err234];
                            } else {
                              vErrors.push(err234);
                            }
                            errors++;
                            break outer1;
                          }
                        }
                      }
                    }
                  } else {
                    const err235 = {
                      instancePath: instancePath + '/server/apiTokens/' + i18 + '/scopes',
                      schemaPath: '#/properties/server/properties/apiTokens/items/properties/scopes/type',
                      keyword: 'type',
                      params: { type: 'array' },
                      message: 'must be array',
                      schema: schema11.properties.server.properties.apiTokens.items.properties.scopes.type,
                      parentSchema: schema11.properties.server.properties.apiTokens.items.properties.scopes,
                      data: data119,
                    };
                    if (vErrors === null) {
                      vErrors = [err235];
                    } else {
                      vErrors.push(err235);
                    }
                    errors++;
                  }
                }
              } else {
                const err236 = {
                  instancePath: instancePath + '/server/apiTokens/' + i18,
                  schemaPath: '#/properties/server/properties/apiTokens/items/type',
                  keyword: 'type',
                  params: { type: 'object' },
                  message: 'must be object',
                  schema: schema11.properties.server.properties.apiTokens.items.type,
                  parentSchema: schema11.properties.server.properties.apiTokens.items,
                  data: data116,
                };
                if (vErrors === null) {
                  vErrors = [err236];
                } else {
                  vErrors.push(err236);
                }
                errors++;
              }
            }
          } else {
            const err237 = {
              instancePath: instancePath + '/server/apiTokens',
              schemaPath: '#/properties/server/properties/apiTokens/type',
              keyword: 'type',
              params: { type: 'array' },
              message: 'must be array',
              schema: schema11.properties.server.properties.apiTokens.type,
              parentSchema: schema11.properties.server.properties.apiTokens,
              data: data115,
            };
            if (vErrors === null) {
              vErrors = [err237];
            } else {
              vErrors.push(err237);
            }
            errors++;
          }
        }
        if (data108.maxBodySize !== undefined) {
          let data121 = data108.maxBodySize;
          if (!(typeof data121 == 'number' && !(data121 % 1) && !isNaN(data121))) {
            const err238 = {
              instancePath: instancePath + '/server/maxBodySize',
              schemaPath: '#/properties/server/properties/maxBodySize/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.maxBodySize.type,
              parentSchema: schema11.properties.server.properties.maxBodySize,
              data: data121,
            };
            if (vErrors === null) {
              vErrors = [err238];
            } else {
              vErrors.push(err238);
            }
            errors++;
          }
          if (typeof data121 == 'number') {
            if (data121 < 1024 || isNaN(data121)) {
              const err239 = {
                instancePath: instancePath + '/server/maxBodySize',
                schemaPath: '#/properties/server/properties/maxBodySize/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1024 },
                message: 'must be >= 1024',
                schema: 1024,
                parentSchema: schema11.properties.server.properties.maxBodySize,
                data: data121,
              };
              if (vErrors === null) {
                vErrors = [err239];
              } else {
                vErrors.push(err239);
              }
              errors++;
            }
          }
        }
        if (data108.maxConnections !== undefined) {
          let data122 = data108.maxConnections;
          if (!(typeof data122 == 'number' && !(data122 % 1) && !isNaN(data122))) {
            const err240 = {
              instancePath: instancePath + '/server/maxConnections',
              schemaPath: '#/properties/server/properties/maxConnections/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.maxConnections.type,
              parentSchema: schema11.properties.server.properties.maxConnections,
              data: data122,
            };
            if (vErrors === null) {
              vErrors = [err240];
            } else {
              vErrors.push(err240);
            }
            errors++;
          }
          if (typeof data122 == 'number') {
            if (data122 < 1 || isNaN(data122)) {
              const err241 = {
                instancePath: instancePath + '/server/maxConnections',
                schemaPath: '#/properties/server/properties/maxConnections/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.server.properties.maxConnections,
                data: data122,
              };
              if (vErrors === null) {
                vErrors = [err241];
              } else {
                vErrors.push(err241);
              }
              errors++;
            }
          }
        }
        if (data108.maxConnectionsPerClient !== undefined) {
          let data123 = data108.maxConnectionsPerClient;
          if (!(typeof data123 == 'number' && !(data123 % 1) && !isNaN(data123))) {
            const err242 = {
              instancePath: instancePath + '/server/maxConnectionsPerClient',
              schemaPath: '#/properties/server/properties/maxConnectionsPerClient/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.maxConnectionsPerClient.type,
              parentSchema: schema11.properties.server.properties.maxConnectionsPerClient,
              data: data123,
            };
            if (vErrors === null) {
              vErrors = [err242];
            } else {
              vErrors.push(err242);
            }
            errors++;
          }
          if (typeof data123 == 'number') {
            if (data123 < 1 || isNaN(data123)) {
              const err243 = {
                instancePath: instancePath + '/server/maxConnectionsPerClient',
                schemaPath: '#/properties/server/properties/maxConnectionsPerClient/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.server.properties.maxConnectionsPerClient,
                data: data123,
              };
              if (vErrors === null) {
                vErrors = [err243];
              } else {
                vErrors.push(err243);
              }
              errors++;
            }
          }
        }
        if (data108.headersTimeout !== undefined) {
          let data124 = data108.headersTimeout;
          if (typeof data124 === 'string') {
            if (!pattern0.test(data124)) {
              const err244 = {
                instancePath: instancePath + '/server/headersTimeout',
                schemaPath: '#/definitions/duration/pattern',
                keyword: 'pattern',
                params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                parentSchema: schema12,
                data: data124,
              };
              if (vErrors === null) {
                vErrors = [err244];
              } else {
                vErrors.push(err244);
              }
              errors++;
            }
          } else {
            const err245 = {
              instancePath: instancePath + '/server/headersTimeout',
              schemaPath: '#/definitions/duration/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema12.type,
              parentSchema: schema12,
              data: data124,
            };
            if (vErrors === null) {
              vErrors = [err245];
            } else {
              vErrors.push(err245);
            }
            errors++;
          }
        }
        if (data108.bodyTimeout !== undefined) {
          let data125 = data108.bodyTimeout;
          if (typeof data125 === 'string') {
            if (!pattern0.test(data125)) {
              const err246 = {
                instancePath: instancePath + '/server/bodyTimeout',
                schemaPath: '#/definitions/duration/pattern',
                keyword: 'pattern',
                params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                parentSchema: schema12,
                data: data125,
              };
              if (vErrors === null) {
                vErrors = [err246];
              } else {
                vErrors.push(err246);
              }
              errors++;
            }
          } else {
            const err247 = {
              instancePath: instancePath + '/server/bodyTimeout',
              schemaPath: '#/definitions/duration/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema12.type,
              parentSchema: schema12,
              data: data125,
            };
            if (vErrors === null) {
              vErrors = [err247];
            } else {
              vErrors.push(err247);
            }
            errors++;
          }
        }
        if (data108.maxBufferedBodySize !== undefined) {
          let data126 = data108.maxBufferedBodySize;
          if (!(typeof data126 == 'number' && !(data126 % 1) && !isNaN(data126))) {
            const err248 = {
              instancePath: instancePath + '/server/maxBufferedBodySize',
              schemaPath: '#/properties/server/properties/maxBufferedBodySize/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.server.properties.maxBufferedBodySize.type,
              parentSchema: schema11.properties.server.properties.maxBufferedBodySize,
              data: data126,
            };
            if (vErrors === null) {
              vErrors = [err248];
            } else {
              vErrors.push(err248);
            }
            errors++;
          }
          if (typeof data126 == 'number') {
            if (data126 < 65536 || isNaN(data126)) {
              const err249 = {
                instancePath: instancePath + '/server/maxBufferedBodySize',
                schemaPath: '#/properties/server/properties/maxBufferedBodySize/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 65536 },
                message: 'must be >= 65536',
                schema: 65536,
                parentSchema: schema11.properties.server.properties.maxBufferedBodySize,
                data: data126,
              };
              if (vErrors === null) {
                vErrors = [err249];
              } else {
                vErrors.push(err249);
              }
              errors++;
            }
          }
        }
        if (data108.publicUrl !== undefined) {
          let data127 = data108.publicUrl;
          if (typeof data127 === 'string') {
            if (!pattern2.test(data127)) {
              const err250 = {
                instancePath: instancePath + '/server/publicUrl',
                schemaPath: '#/properties/server/properties/publicUrl/pattern',
                keyword: 'pattern',
                params: { pattern: '^https?://[^\\s]+$' },
                message: 'must match pattern "' + '^https?://[^\\s]+$' + '"',
                schema: '^https?://[^\\s]+$',
                parentSchema: schema11.properties.server.properties.publicUrl,
                data: data127,
              };
              if (vErrors === null) {
                vErrors = [err250];
              } else {
                vErrors.push(err250);
              }
              errors++;
            }
          } else {
            const err251 = {
              instancePath: instancePath + '/server/publicUrl',
              schemaPath: '#/properties/server/properties/publicUrl/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.server.properties.publicUrl.type,
              parentSchema: schema11.properties.server.properties.publicUrl,
              data: data127,
            };
            if (vErrors === null) {
              vErrors = [err251];
            } else {
              vErrors.push(err251);
            }
            errors++;
          }
        }
        if (data108.metricsAuth !== undefined) {
          let data128 = data108.metricsAuth;
          if (typeof data128 !== 'boolean') {
            const err252 = {
              instancePath: instancePath + '/server/metricsAuth',
              schemaPath: '#/properties/server/properties/metricsAuth/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.server.properties.metricsAuth.type,
              parentSchema: schema11.properties.server.properties.metricsAuth,
              data: data128,
            };
            if (vErrors === null) {
              vErrors = [err252];
            } else {
              vErrors.push(err252);
            }
            errors++;
          }
        }
        if (data108.ui !== undefined) {
          let data129 = data108.ui;
          if (typeof data129 !== 'boolean') {
            const err253 = {
              instancePath: instancePath + '/server/ui',
              schemaPath: '#/properties/server/properties/ui/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.server.properties.ui.type,
              parentSchema: schema11.properties.server.properties.ui,
              data: data129,
            };
            if (vErrors === null) {
              vErrors = [err253];
            } else {
              vErrors.push(err253);
            }
            errors++;
          }
        }
      } else {
        const err254 = {
          instancePath: instancePath + '/server',
          schemaPath: '#/properties/server/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.server.type,
          parentSchema: schema11.properties.server,
          data: data108,
        };
        if (vErrors === null) {
          vErrors = [err254];
        } else {
          vErrors.push(err254);
        }
        errors++;
      }
    }
    if (data.reconcile !== undefined) {
      let data130 = data.reconcile;
      if (data130 && typeof data130 == 'object' && !Array.isArray(data130)) {
        for (const key18 in data130) {
          if (!(key18 === 'maxConcurrent')) {
            const err255 = {
              instancePath: instancePath + '/reconcile',
              schemaPath: '#/properties/reconcile/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key18 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.reconcile,
              data: data130,
            };
            if (vErrors === null) {
              vErrors = [err255];
            } else {
              vErrors.push(err255);
            }
            errors++;
          }
        }
        if (data130.maxConcurrent !== undefined) {
          let data131 = data130.maxConcurrent;
          if (!(typeof data131 == 'number' && !(data131 % 1) && !isNaN(data131))) {
            const err256 = {
              instancePath: instancePath + '/reconcile/maxConcurrent',
              schemaPath: '#/properties/reconcile/properties/maxConcurrent/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.reconcile.properties.maxConcurrent.type,
              parentSchema: schema11.properties.reconcile.properties.maxConcurrent,
              data: data131,
            };
            if (vErrors === null) {
              vErrors = [err256];
            } else {
              vErrors.push(err256);
            }
            errors++;
          }
          if (typeof data131 == 'number') {
            if (data131 < 1 || isNaN(data131)) {
              const err257 = {
                instancePath: instancePath + '/reconcile/maxConcurrent',
                schemaPath: '#/properties/reconcile/properties/maxConcurrent/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.reconcile.properties.maxConcurrent,
                data: data131,
              };
              if (vErrors === null) {
                vErrors = [err257];
              } else {
                vErrors.push(err257);
              }
              errors++;
            }
          }
        }
      } else {
        const err258 = {
          instancePath: instancePath + '/reconcile',
          schemaPath: '#/properties/reconcile/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.reconcile.type,
          parentSchema: schema11.properties.reconcile,
          data: data130,
        };
        if (vErrors === null) {
          vErrors = [err258];
        } else {
          vErrors.push(err258);
        }
        errors++;
      }
    }
    if (data.workspaces !== undefined) {
      let data132 = data.workspaces;
      if (data132 && typeof data132 == 'object' && !Array.isArray(data132)) {
        for (const key19 in data132) {
          if (!(key19 === 'dir' || key19 === 'keep' || key19 === 'maxFileSize')) {
            const err259 = {
              instancePath: instancePath + '/workspaces',
              schemaPath: '#/properties/workspaces/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key19 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.workspaces,
              data: data132,
            };
            if (vErrors === null) {
              vErrors = [err259];
            } else {
              vErrors.push(err259);
            }
            errors++;
          }
        }
        if (data132.dir !== undefined) {
          let data133 = data132.dir;
          if (typeof data133 !== 'string') {
            const err260 = {
              instancePath: instancePath + '/workspaces/dir',
              schemaPath: '#/properties/workspaces/properties/dir/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.workspaces.properties.dir.type,
              parentSchema: schema11.properties.workspaces.properties.dir,
              data: data133,
            };
            if (vErrors === null) {
              vErrors = [err260];
            } else {
              vErrors.push(err260);
            }
            errors++;
          }
        }
        if (data132.keep !== undefined) {
          let data134 = data132.keep;
          if (!(typeof data134 == 'number' && !(data134 % 1) && !isNaN(data134))) {
            const err261 = {
              instancePath: instancePath + '/workspaces/keep',
              schemaPath: '#/properties/workspaces/properties/keep/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.workspaces.properties.keep.type,
              parentSchema: schema11.properties.workspaces.properties.keep,
              data: data134,
            };
            if (vErrors === null) {
              vErrors = [err261];
            } else {
              vErrors.push(err261);
            }
            errors++;
          }
          if (typeof data134 == 'number') {
            if (data134 < 1 || isNaN(data134)) {
              const err262 = {
                instancePath: instancePath + '/workspaces/keep',
                schemaPath: '#/properties/workspaces/properties/keep/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.workspaces.properties.keep,
                data: data134,
              };
              if (vErrors === null) {
                vErrors = [err262];
              } else {
                vErrors.push(err262);
              }
              errors++;
            }
          }
        }
        if (data132.maxFileSize !== undefined) {
          let data135 = data132.maxFileSize;
          if (!(typeof data135 == 'number' && !(data135 % 1) && !isNaN(data135))) {
            const err263 = {
              instancePath: instancePath + '/workspaces/maxFileSize',
              schemaPath: '#/properties/workspaces/properties/maxFileSize/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.workspaces.properties.maxFileSize.type,
              parentSchema: schema11.properties.workspaces.properties.maxFileSize,
              data: data135,
            };
            if (vErrors === null) {
              vErrors = [err263];
            } else {
              vErrors.push(err263);
            }
            errors++;
          }
          if (typeof data135 == 'number') {
            if (data135 < 1 || isNaN(data135)) {
              const err264 = {
                instancePath: instancePath + '/workspaces/maxFileSize',
                schemaPath: '#/properties/workspaces/properties/maxFileSize/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.workspaces.properties.maxFileSize,
                data: data135,
              };
              if (vErrors === null) {
                vErrors = [err264];
              } else {
                vErrors.push(err264);
              }
              errors++;
            }
          }
        }
      } else {
        const err265 = {
          instancePath: instancePath + '/workspaces',
          schemaPath: '#/properties/workspaces/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.workspaces.type,
          parentSchema: schema11.properties.workspaces,
          data: data132,
        };
        if (vErrors === null) {
          vErrors = [err265];
        } else {
          vErrors.push(err265);
        }
        errors++;
      }
    }
    if (data.kubernetes !== undefined) {
      let data136 = data.kubernetes;
      if (data136 && typeof data136 == 'object' && !Array.isArray(data136)) {
        for (const key20 in data136) {
          if (!(
            key20 === 'requireServiceAccount' ||
            key20 === 'controllerNamespace' ||
            key20 === 'kustomize' ||
            key20 === 'helm'
          )) {
            const err266 = {
              instancePath: instancePath + '/kubernetes',
              schemaPath: '#/properties/kubernetes/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key20 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.kubernetes,
              data: data136,
            };
            if (vErrors === null) {
              vErrors = [err266];
            } else {
              vErrors.push(err266);
            }
            errors++;
          }
        }
        if (data136.requireServiceAccount !== undefined) {
          let data137 = data136.requireServiceAccount;
          if (typeof data137 !== 'boolean') {
            const err267 = {
              instancePath: instancePath + '/kubernetes/requireServiceAccount',
              schemaPath: '#/properties/kubernetes/properties/requireServiceAccount/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.kubernetes.properties.requireServiceAccount.type,
              parentSchema: schema11.properties.kubernetes.properties.requireServiceAccount,
              data: data137,
            };
            if (vErrors === null) {
              vErrors = [err267];
            } else {
              vErrors.push(err267);
            }
            errors++;
          }
        }
        if (data136.controllerNamespace !== undefined) {
          let data138 = data136.controllerNamespace;
          if (typeof data138 === 'string') {
            if (func3(data138) < 1) {
              const err268 = {
                instancePath: instancePath + '/kubernetes/controllerNamespace',
                schemaPath: '#/properties/kubernetes/properties/controllerNamespace/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.kubernetes.properties.controllerNamespace,
                data: data138,
              };
              if (vErrors === null) {
                vErrors = [err268];
              } else {
                vErrors.push(err268);
              }
              errors++;
            }
          } else {
            const err269 = {
              instancePath: instancePath + '/kubernetes/controllerNamespace',
              schemaPath: '#/properties/kubernetes/properties/controllerNamespace/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.kubernetes.properties.controllerNamespace.type,
              parentSchema: schema11.properties.kubernetes.properties.controllerNamespace,
              data: data138,
            };
            if (vErrors === null) {
              vErrors = [err269];
            } else {
              vErrors.push(err269);
            }
            errors++;
          }
        }
        if (data136.kustomize !== undefined) {
          let data139 = data136.kustomize;
          if (data139 && typeof data139 == 'object' && !Array.isArray(data139)) {
            for (const key21 in data139) {
              if (!(key21 === 'path')) {
                const err270 = {
                  instancePath: instancePath + '/kubernetes/kustomize',
                  schemaPath: '#/properties/kubernetes/properties/kustomize/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key21 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.kubernetes.properties.kustomize,
                  data: data139,
                };
                if (vErrors === null) {
                  vErrors = [err270];
                } else {
                  vErrors.push(err270);
                }
                errors++;
              }
            }
            if (data139.path !== undefined) {
              let data140 = data139.path;
              if (typeof data140 === 'string') {
                if (func3(data140) < 1) {
                  const err271 = {
                    instancePath: instancePath + '/kubernetes/kustomize/path',
                    schemaPath: '#/properties/kubernetes/properties/kustomize/properties/path/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.kubernetes.properties.kustomize.properties.path,
                    data: data140,
                  };
                  if (vErrors === null) {
                    vErrors = [err271];
                  } else {
                    vErrors.push(err271);
                  }
                  errors++;
                }
              } else {
                const err272 = {
                  instancePath: instancePath + '/kubernetes/kustomize/path',
                  schemaPath: '#/properties/kubernetes/properties/kustomize/properties/path/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.kubernetes.properties.kustomize.properties.path.type,
                  parentSchema: schema11.properties.kubernetes.properties.kustomize.properties.path,
                  data: data140,
                };
                if (vErrors === null) {
                  vErrors = [err272];
                } else {
                  vErrors.push(err272);
                }
                errors++;
              }
            }
          } else {
            const err273 = {
              instancePath: instancePath + '/kubernetes/kustomize',
              schemaPath: '#/properties/kubernetes/properties/kustomize/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.kubernetes.properties.kustomize.type,
              parentSchema: schema11.properties.kubernetes.properties.kustomize,
              data: data139,
            };
            if (vErrors === null) {
              vErrors = [err273];
            } else {
              vErrors.push(err273);
            }
            errors++;
          }
        }
        if (data136.helm !== undefined) {
          let data141 = data136.helm;
          if (data141 && typeof data141 == 'object' && !Array.isArray(data141)) {
            for (const key22 in data141) {
              if (!(key22 === 'path')) {
                const err274 = {
                  instancePath: instancePath + '/kubernetes/helm',
                  schemaPath: '#/properties/kubernetes/properties/helm/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key22 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.kubernetes.properties.helm,
                  data: data141,
                };
                if (vErrors === null) {
                  vErrors = [err274];
                } else {
                  vErrors.push(err274);
                }
                errors++;
              }
            }
            if (data141.path !== undefined) {
              let data142 = data141.path;
              if (typeof data142 === 'string') {
                if (func3(data142) < 1) {
                  const err275 = {
                    instancePath: instancePath + '/kubernetes/helm/path',
                    schemaPath: '#/properties/kubernetes/properties/helm/properties/path/minLength',
                    keyword: 'minLength',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 characters',
                    schema: 1,
                    parentSchema: schema11.properties.kubernetes.properties.helm.properties.path,
                    data: data142,
                  };
                  if (vErrors === null) {
                    vErrors = [err275];
                  } else {
                    vErrors.push(err275);
                  }
                  errors++;
                }
              } else {
                const err276 = {
                  instancePath: instancePath + '/kubernetes/helm/path',
                  schemaPath: '#/properties/kubernetes/properties/helm/properties/path/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.kubernetes.properties.helm.properties.path.type,
                  parentSchema: schema11.properties.kubernetes.properties.helm.properties.path,
                  data: data142,
                };
                if (vErrors === null) {
                  vErrors = [err276];
                } else {
                  vErrors.push(err276);
                }
                errors++;
              }
            }
          } else {
            const err277 = {
              instancePath: instancePath + '/kubernetes/helm',
              schemaPath: '#/properties/kubernetes/properties/helm/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.kubernetes.properties.helm.type,
              parentSchema: schema11.properties.kubernetes.properties.helm,
              data: data141,
            };
            if (vErrors === null) {
              vErrors = [err277];
            } else {
              vErrors.push(err277);
            }
            errors++;
          }
        }
      } else {
        const err278 = {
          instancePath: instancePath + '/kubernetes',
          schemaPath: '#/properties/kubernetes/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.kubernetes.type,
          parentSchema: schema11.properties.kubernetes,
          data: data136,
        };
        if (vErrors === null) {
          vErrors = [err278];
        } else {
          vErrors.push(err278);
        }
        errors++;
      }
    }
    if (data.telemetry !== undefined) {
      let data143 = data.telemetry;
      if (data143 && typeof data143 == 'object' && !Array.isArray(data143)) {
        for (const key23 in data143) {
          if (!(key23 === 'otlpEndpoint')) {
            const err279 = {
              instancePath: instancePath + '/telemetry',
              schemaPath: '#/properties/telemetry/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key23 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.telemetry,
              data: data143,
            };
            if (vErrors === null) {
              vErrors = [err279];
            } else {
              vErrors.push(err279);
            }
            errors++;
          }
        }
        if (data143.otlpEndpoint !== undefined) {
          let data144 = data143.otlpEndpoint;
          if (typeof data144 === 'string') {
            if (!pattern2.test(data144)) {
              const err280 = {
                instancePath: instancePath + '/telemetry/otlpEndpoint',
                schemaPath: '#/properties/telemetry/properties/otlpEndpoint/pattern',
                keyword: 'pattern',
                params: { pattern: '^https?://[^\\s]+$' },
                message: 'must match pattern "' + '^https?://[^\\s]+$' + '"',
                schema: '^https?://[^\\s]+$',
                parentSchema: schema11.properties.telemetry.properties.otlpEndpoint,
                data: data144,
              };
              if (vErrors === null) {
                vErrors = [err280];
              } else {
                vErrors.push(err280);
              }
              errors++;
            }
          } else {
            const err281 = {
              instancePath: instancePath + '/telemetry/otlpEndpoint',
              schemaPath: '#/properties/telemetry/properties/otlpEndpoint/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.telemetry.properties.otlpEndpoint.type,
              parentSchema: schema11.properties.telemetry.properties.otlpEndpoint,
              data: data144,
            };
            if (vErrors === null) {
              vErrors = [err281];
            } else {
              vErrors.push(err281);
            }
            errors++;
          }
        }
      } else {
        const err282 = {
          instancePath: instancePath + '/telemetry',
          schemaPath: '#/properties/telemetry/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.telemetry.type,
          parentSchema: schema11.properties.telemetry,
          data: data143,
        };
        if (vErrors === null) {
          vErrors = [err282];
        } else {
          vErrors.push(err282);
        }
        errors++;
      }
    }
    if (data.notifications !== undefined) {
      let data145 = data.notifications;
      if (Array.isArray(data145)) {
        if (data145.length > 32) {
          const err283 = {
            instancePath: instancePath + '/notifications',
            schemaPath: '#/properties/notifications/maxItems',
            keyword: 'maxItems',
            params: { limit: 32 },
            message: 'must NOT have more than 32 items',
            schema: 32,
            parentSchema: schema11.properties.notifications,
            data: data145,
          };
          if (vErrors === null) {
            vErrors = [err283];
          } else {
            vErrors.push(err283);
          }
          errors++;
        }
        const len15 = data145.length;
        for (let i21 = 0; i21 < len15; i21++) {
          let data146 = data145[i21];
          if (data146 && typeof data146 == 'object' && !Array.isArray(data146)) {
            if (data146.name === undefined) {
              const err284 = {
                instancePath: instancePath + '/notifications/' + i21,
                schemaPath: '#/properties/notifications/items/required',
                keyword: 'required',
                params: { missingProperty: 'name' },
                message: "must have required property '" + 'name' + "'",
                schema: schema11.properties.notifications.items.required,
                parentSchema: schema11.properties.notifications.items,
                data: data146,
              };
              if (vErrors === null) {
                vErrors = [err284];
              } else {
                vErrors.push(err284);
              }
              errors++;
            }
            if (data146.type === undefined) {
              const err285 = {
                instancePath: instancePath + '/notifications/' + i21,
                schemaPath: '#/properties/notifications/items/required',
                keyword: 'required',
                params: { missingProperty: 'type' },
                message: "must have required property '" + 'type' + "'",
                schema: schema11.properties.notifications.items.required,
                parentSchema: schema11.properties.notifications.items,
                data: data146,
              };
              if (vErrors === null) {
                vErrors = [err285];
              } else {
                vErrors.push(err285);
              }
              errors++;
            }
            if (data146.urlEnv === undefined) {
              const err286 = {
                instancePath: instancePath + '/notifications/' + i21,
                schemaPath: '#/properties/notifications/items/required',
                keyword: 'required',
                params: { missingProperty: 'urlEnv' },
                message: "must have required property '" + 'urlEnv' + "'",
                schema: schema11.properties.notifications.items.required,
                parentSchema: schema11.properties.notifications.items,
                data: data146,
              };
              if (vErrors === null) {
                vErrors = [err286];
              } else {
                vErrors.push(err286);
              }
              errors++;
            }
            if (data146.events === undefined) {
              const err287 = {
                instancePath: instancePath + '/notifications/' + i21,
                schemaPath: '#/properties/notifications/items/required',
                keyword: 'required',
                params: { missingProperty: 'events' },
                message: "must have required property '" + 'events' + "'",
                schema: schema11.properties.notifications.items.required,
                parentSchema: schema11.properties.notifications.items,
                data: data146,
              };
              if (vErrors === null) {
                vErrors = [err287];
              } else {
                vErrors.push(err287);
              }
              errors++;
            }
            for (const key24 in data146) {
              if (!(
                key24 === 'name' ||
                key24 === 'type' ||
                key24 === 'urlEnv' ||
                key24 === 'secretEnv' ||
                key24 === 'events' ||
                key24 === 'environments'
              )) {
                const err288 = {
                  instancePath: instancePath + '/notifications/' + i21,
                  schemaPath: '#/properties/notifications/items/additionalProperties',
                  keyword: 'additionalProperties',
                  params: { additionalProperty: key24 },
                  message: 'must NOT have additional properties',
                  schema: false,
                  parentSchema: schema11.properties.notifications.items,
                  data: data146,
                };
                if (vErrors === null) {
                  vErrors = [err288];
                } else {
                  vErrors.push(err288);
                }
                errors++;
              }
            }
            if (data146.name !== undefined) {
              let data147 = data146.name;
              if (typeof data147 === 'string') {
                if (!pattern40.test(data147)) {
                  const err289 = {
                    instancePath: instancePath + '/notifications/' + i21 + '/name',
                    schemaPath: '#/properties/notifications/items/properties/name/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
                    message: 'must match pattern "' + '^[a-z0-9][a-z0-9-]{0,62}$' + '"',
                    schema: '^[a-z0-9][a-z0-9-]{0,62}$',
                    parentSchema: schema11.properties.notifications.items.properties.name,
                    data: data147,
                  };
                  if (vErrors === null) {
                    vErrors = [err289];
                  } else {
                    vErrors.push(err289);
                  }
                  errors++;
                }
              } else {
                const err290 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/name',
                  schemaPath: '#/properties/notifications/items/properties/name/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.notifications.items.properties.name.type,
                  parentSchema: schema11.properties.notifications.items.properties.name,
                  data: data147,
                };
                if (vErrors === null) {
                  vErrors = [err290];
                } else {
                  vErrors.push(err290);
                }
                errors++;
              }
            }
            if (data146.type !== undefined) {
              let data148 = data146.type;
              if (!(data148 === 'slack' || data148 === 'webhook')) {
                const err291 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/type',
                  schemaPath: '#/properties/notifications/items/properties/type/enum',
                  keyword: 'enum',
                  params: { allowedValues: schema11.properties.notifications.items.properties.type.enum },
                  message: 'must be equal to one of the allowed values',
                  schema: schema11.properties.notifications.items.properties.type.enum,
                  parentSchema: schema11.properties.notifications.items.properties.type,
                  data: data148,
                };
                if (vErrors === null) {
                  vErrors = [err291];
                } else {
                  vErrors.push(err291);
                }
                errors++;
              }
            }
            if (data146.urlEnv !== undefined) {
              let data149 = data146.urlEnv;
              if (typeof data149 === 'string') {
                if (!pattern1.test(data149)) {
                  const err292 = {
                    instancePath: instancePath + '/notifications/' + i21 + '/urlEnv',
                    schemaPath: '#/definitions/envVarName/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                    message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                    schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                    parentSchema: schema13,
                    data: data149,
                  };
                  if (vErrors === null) {
                    vErrors = [err292];
                  } else {
                    vErrors.push(err292);
                  }
                  errors++;
                }
              } else {
                const err293 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/urlEnv',
                  schemaPath: '#/definitions/envVarName/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema13.type,
                  parentSchema: schema13,
                  data: data149,
                };
                if (vErrors === null) {
                  vErrors = [err293];
                } else {
                  vErrors.push(err293);
                }
                errors++;
              }
            }
            if (data146.secretEnv !== undefined) {
              let data150 = data146.secretEnv;
              if (typeof data150 === 'string') {
                if (!pattern1.test(data150)) {
                  const err294 = {
                    instancePath: instancePath + '/notifications/' + i21 + '/secretEnv',
                    schemaPath: '#/definitions/envVarName/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                    message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                    schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                    parentSchema: schema13,
                    data: data150,
                  };
                  if (vErrors === null) {
                    vErrors = [err294];
                  } else {
                    vErrors.push(err294);
                  }
                  errors++;
                }
              } else {
                const err295 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/secretEnv',
                  schemaPath: '#/definitions/envVarName/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema13.type,
                  parentSchema: schema13,
                  data: data150,
                };
                if (vErrors === null) {
                  vErrors = [err295];
                } else {
                  vErrors.push(err295);
                }
                errors++;
              }
            }
            if (data146.events !== undefined) {
              let data151 = data146.events;
              if (Array.isArray(data151)) {
                if (data151.length < 1) {
                  const err296 = {
                    instancePath: instancePath + '/notifications/' + i21 + '/events',
                    schemaPath: '#/properties/notifications/items/properties/events/minItems',
                    keyword: 'minItems',
                    params: { limit: 1 },
                    message: 'must NOT have fewer than 1 items',
                    schema: 1,
                    parentSchema: schema11.properties.notifications.items.properties.events,
                    data: data151,
                  };
                  if (vErrors === null) {
                    vErrors = [err296];
                  } else {
                    vErrors.push(err296);
                  }
                  errors++;
                }
                const len16 = data151.length;
                for (let i22 = 0; i22 < len16; i22++) {
                  let data152 = data151[i22];
                  if (!(
                    data152 === 'failed' ||
                    data152 === 'stalled' ||
                    data152 === 'recovered' ||
                    data152 === 'applied' ||
                    data152 === 'drift-repaired' ||
                    data152 === 'suspended'
                  )) {
                    const err297 = {
                      instancePath: instancePath + '/notifications/' + i21 + '/events/' + i22,
                      schemaPath: '#/properties/notifications/items/properties/events/items/enum',
                      keyword: 'enum',
                      params: {
                        allowedValues: schema11.properties.notifications.items.properties.events.items.enum,
                      },
                      message: 'must be equal to one of the allowed values',
                      schema: schema11.properties.notifications.items.properties.events.items.enum,
                      parentSchema: schema11.properties.notifications.items.properties.events.items,
                      data: data152,
                    };
                    if (vErrors === null) {
                      vErrors = [err297];
                    } else {
                      vErrors.push(err297);
                    }
                    errors++;
                  }
                }
                let i23 = data151.length;
                let j6;
                if (i23 > 1) {
                  outer2: for (; i23--;) {
                    for (j6 = i23; j6--;) {
                      if (func0(data151[i23], data151[j6])) {
                        const err298 = {
                          instancePath: instancePath + '/notifications/' + i21 + '/events',
                          schemaPath: '#/properties/notifications/items/properties/events/uniqueItems',
                          keyword: 'uniqueItems',
                          params: { i: i23, j: j6 },
                          message:
                            'must NOT have duplicate items (items ## ' +
                            j6 +
                            ' and ' +
                            i23 +
                            ' are identical)',
                          schema: true,
                          parentSchema: schema11.properties.notifications.items.properties.events,
                          data: data151,
                        };
                        if (vErrors === null) {
                          vErrors = [err298];
                        } else {
                          vErrors.push(err298);
                        }
                        errors++;
                        break outer2;
                      }
                    }
                  }
                }
              } else {
                const err299 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/events',
                  schemaPath: '#/properties/notifications/items/properties/events/type',
                  keyword: 'type',
                  params: { type: 'array' },
                  message: 'must be array',
                  schema: schema11.properties.notifications.items.properties.events.type,
                  parentSchema: schema11.properties.notifications.items.properties.events,
                  data: data151,
                };
                if (vErrors === null) {
                  vErrors = [err299];
                } else {
                  vErrors.push(err299);
                }
                errors++;
              }
            }
            if (data146.environments !== undefined) {
              let data153 = data146.environments;
              if (Array.isArray(data153)) {
                const len17 = data153.length;
                for (let i24 = 0; i24 < len17; i24++) {
                  let data154 = data153[i24];
                  if (typeof data154 === 'string') {
                    if (func3(data154) < 1) {
                      const err300 = {
                        instancePath: instancePath + '/notifications/' + i21 + '/environments/' + i24,
                        schemaPath:
                          '#/properties/notifications/items/properties/environments/items/minLength',
                        keyword: 'minLength',
                        params: { limit: 1 },
                        message: 'must NOT have fewer than 1 characters',
                        schema: 1,
                        parentSchema: schema11.properties.notifications.items.properties.environments.items,
                        data: data154,
                      };
                      if (vErrors === null) {
                        vErrors = [err300];
                      } else {
                        vErrors.push(err300);
                      }
                      errors++;
                    }
                  } else {
                    const err301 = {
                      instancePath: instancePath + '/notifications/' + i21 + '/environments/' + i24,
                      schemaPath: '#/properties/notifications/items/properties/environments/items/type',
                      keyword: 'type',
                      params: { type: 'string' },
                      message: 'must be string',
                      schema: schema11.properties.notifications.items.properties.environments.items.type,
                      parentSchema: schema11.properties.notifications.items.properties.environments.items,
                      data: data154,
                    };
                    if (vErrors === null) {
                      vErrors = [err301];
                    } else {
                      vErrors.push(err301);
                    }
                    errors++;
                  }
                }
              } else {
                const err302 = {
                  instancePath: instancePath + '/notifications/' + i21 + '/environments',
                  schemaPath: '#/properties/notifications/items/properties/environments/type',
                  keyword: 'type',
                  params: { type: 'array' },
                  message: 'must be array',
                  schema: schema11.properties.notifications.items.properties.environments.type,
                  parentSchema: schema11.properties.notifications.items.properties.environments,
                  data: data153,
                };
                if (vErrors === null) {
                  vErrors = [err302];
                } else {
                  vErrors.push(err302);
                }
                errors++;
              }
            }
          } else {
            const err303 = {
              instancePath: instancePath + '/notifications/' + i21,
              schemaPath: '#/properties/notifications/items/type',
              keyword: 'type',
              params: { type: 'object' },
              message: 'must be object',
              schema: schema11.properties.notifications.items.type,
              parentSchema: schema11.properties.notifications.items,
              data: data146,
            };
            if (vErrors === null) {
              vErrors = [err303];
            } else {
              vErrors.push(err303);
            }
            errors++;
          }
        }
      } else {
        const err304 = {
          instancePath: instancePath + '/notifications',
          schemaPath: '#/properties/notifications/type',
          keyword: 'type',
          params: { type: 'array' },
          message: 'must be array',
          schema: schema11.properties.notifications.type,
          parentSchema: schema11.properties.notifications,
          data: data145,
        };
        if (vErrors === null) {
          vErrors = [err304];
        } else {
          vErrors.push(err304);
        }
        errors++;
      }
    }
    if (data.sharding !== undefined) {
      let data155 = data.sharding;
      if (data155 && typeof data155 == 'object' && !Array.isArray(data155)) {
        for (const key25 in data155) {
          if (!func2.call(schema11.properties.sharding.properties, key25)) {
            const err305 = {
              instancePath: instancePath + '/sharding',
              schemaPath: '#/properties/sharding/additionalProperties',
              keyword: 'additionalProperties',
              params: { additionalProperty: key25 },
              message: 'must NOT have additional properties',
              schema: false,
              parentSchema: schema11.properties.sharding,
              data: data155,
            };
            if (vErrors === null) {
              vErrors = [err305];
            } else {
              vErrors.push(err305);
            }
            errors++;
          }
        }
        if (data155.enabled !== undefined) {
          let data156 = data155.enabled;
          if (typeof data156 !== 'boolean') {
            const err306 = {
              instancePath: instancePath + '/sharding/enabled',
              schemaPath: '#/properties/sharding/properties/enabled/type',
              keyword: 'type',
              params: { type: 'boolean' },
              message: 'must be boolean',
              schema: schema11.properties.sharding.properties.enabled.type,
              parentSchema: schema11.properties.sharding.properties.enabled,
              data: data156,
            };
            if (vErrors === null) {
              vErrors = [err306];
            } else {
              vErrors.push(err306);
            }
            errors++;
          }
        }
        if (data155.namespace !== undefined) {
          let data157 = data155.namespace;
          if (typeof data157 === 'string') {
            if (func3(data157) < 1) {
              const err307 = {
                instancePath: instancePath + '/sharding/namespace',
                schemaPath: '#/properties/sharding/properties/namespace/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.namespace,
                data: data157,
              };
              if (vErrors === null) {
                vErrors = [err307];
              } else {
                vErrors.push(err307);
              }
              errors++;
            }
          } else {
            const err308 = {
              instancePath: instancePath + '/sharding/namespace',
              schemaPath: '#/properties/sharding/properties/namespace/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.namespace.type,
              parentSchema: schema11.properties.sharding.properties.namespace,
              data: data157,
            };
            if (vErrors === null) {
              vErrors = [err308];
            } else {
              vErrors.push(err308);
            }
            errors++;
          }
        }
        if (data155.leaseDuration !== undefined) {
          let data158 = data155.leaseDuration;
          if (typeof data158 === 'string') {
            if (!pattern0.test(data158)) {
              const err309 = {
                instancePath: instancePath + '/sharding/leaseDuration',
                schemaPath: '#/definitions/duration/pattern',
                keyword: 'pattern',
                params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                parentSchema: schema12,
                data: data158,
              };
              if (vErrors === null) {
                vErrors = [err309];
              } else {
                vErrors.push(err309);
              }
              errors++;
            }
          } else {
            const err310 = {
              instancePath: instancePath + '/sharding/leaseDuration',
              schemaPath: '#/definitions/duration/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema12.type,
              parentSchema: schema12,
              data: data158,
            };
            if (vErrors === null) {
              vErrors = [err310];
            } else {
              vErrors.push(err310);
            }
            errors++;
          }
        }
        if (data155.renewInterval !== undefined) {
          let data159 = data155.renewInterval;
          if (typeof data159 === 'string') {
            if (!pattern0.test(data159)) {
              const err311 = {
                instancePath: instancePath + '/sharding/renewInterval',
                schemaPath: '#/definitions/duration/pattern',
                keyword: 'pattern',
                params: { pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' },
                message: 'must match pattern "' + '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$' + '"',
                schema: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$',
                parentSchema: schema12,
                data: data159,
              };
              if (vErrors === null) {
                vErrors = [err311];
              } else {
                vErrors.push(err311);
              }
              errors++;
            }
          } else {
            const err312 = {
              instancePath: instancePath + '/sharding/renewInterval',
              schemaPath: '#/definitions/duration/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema12.type,
              parentSchema: schema12,
              data: data159,
            };
            if (vErrors === null) {
              vErrors = [err312];
            } else {
              vErrors.push(err312);
            }
            errors++;
          }
        }
        if (data155.identity !== undefined) {
          let data160 = data155.identity;
          if (typeof data160 === 'string') {
            if (func3(data160) > 128) {
              const err313 = {
                instancePath: instancePath + '/sharding/identity',
                schemaPath: '#/properties/sharding/properties/identity/maxLength',
                keyword: 'maxLength',
                params: { limit: 128 },
                message: 'must NOT have more than 128 characters',
                schema: 128,
                parentSchema: schema11.properties.sharding.properties.identity,
                data: data160,
              };
              if (vErrors === null) {
                vErrors = [err313];
              } else {
                vErrors.push(err313);
              }
              errors++;
            }
            if (func3(data160) < 1) {
              const err314 = {
                instancePath: instancePath + '/sharding/identity',
                schemaPath: '#/properties/sharding/properties/identity/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.identity,
                data: data160,
              };
              if (vErrors === null) {
                vErrors = [err314];
              } else {
                vErrors.push(err314);
              }
              errors++;
            }
          } else {
            const err315 = {
              instancePath: instancePath + '/sharding/identity',
              schemaPath: '#/properties/sharding/properties/identity/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.identity.type,
              parentSchema: schema11.properties.sharding.properties.identity,
              data: data160,
            };
            if (vErrors === null) {
              vErrors = [err315];
            } else {
              vErrors.push(err315);
            }
            errors++;
          }
        }
        if (data155.kubeconfig !== undefined) {
          let data161 = data155.kubeconfig;
          if (typeof data161 === 'string') {
            if (func3(data161) < 1) {
              const err316 = {
                instancePath: instancePath + '/sharding/kubeconfig',
                schemaPath: '#/properties/sharding/properties/kubeconfig/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.kubeconfig,
                data: data161,
              };
              if (vErrors === null) {
                vErrors = [err316];
              } else {
                vErrors.push(err316);
              }
              errors++;
            }
          } else {
            const err317 = {
              instancePath: instancePath + '/sharding/kubeconfig',
              schemaPath: '#/properties/sharding/properties/kubeconfig/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.kubeconfig.type,
              parentSchema: schema11.properties.sharding.properties.kubeconfig,
              data: data161,
            };
            if (vErrors === null) {
              vErrors = [err317];
            } else {
              vErrors.push(err317);
            }
            errors++;
          }
        }
        if (data155.context !== undefined) {
          let data162 = data155.context;
          if (typeof data162 === 'string') {
            if (func3(data162) < 1) {
              const err318 = {
                instancePath: instancePath + '/sharding/context',
                schemaPath: '#/properties/sharding/properties/context/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.context,
                data: data162,
              };
              if (vErrors === null) {
                vErrors = [err318];
              } else {
                vErrors.push(err318);
              }
              errors++;
            }
          } else {
            const err319 = {
              instancePath: instancePath + '/sharding/context',
              schemaPath: '#/properties/sharding/properties/context/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.context.type,
              parentSchema: schema11.properties.sharding.properties.context,
              data: data162,
            };
            if (vErrors === null) {
              vErrors = [err319];
            } else {
              vErrors.push(err319);
            }
            errors++;
          }
        }
        if (data155.advertiseUrl !== undefined) {
          let data163 = data155.advertiseUrl;
          if (typeof data163 === 'string') {
            if (!pattern13.test(data163)) {
              const err320 = {
                instancePath: instancePath + '/sharding/advertiseUrl',
                schemaPath: '#/properties/sharding/properties/advertiseUrl/pattern',
                keyword: 'pattern',
                params: { pattern: '^https?://' },
                message: 'must match pattern "' + '^https?://' + '"',
                schema: '^https?://',
                parentSchema: schema11.properties.sharding.properties.advertiseUrl,
                data: data163,
              };
              if (vErrors === null) {
                vErrors = [err320];
              } else {
                vErrors.push(err320);
              }
              errors++;
            }
          } else {
            const err321 = {
              instancePath: instancePath + '/sharding/advertiseUrl',
              schemaPath: '#/properties/sharding/properties/advertiseUrl/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.advertiseUrl.type,
              parentSchema: schema11.properties.sharding.properties.advertiseUrl,
              data: data163,
            };
            if (vErrors === null) {
              vErrors = [err321];
            } else {
              vErrors.push(err321);
            }
            errors++;
          }
        }
        if (data155.shards !== undefined) {
          let data164 = data155.shards;
          if (!(typeof data164 == 'number' && !(data164 % 1) && !isNaN(data164))) {
            const err322 = {
              instancePath: instancePath + '/sharding/shards',
              schemaPath: '#/properties/sharding/properties/shards/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be integer',
              schema: schema11.properties.sharding.properties.shards.type,
              parentSchema: schema11.properties.sharding.properties.shards,
              data: data164,
            };
            if (vErrors === null) {
              vErrors = [err322];
            } else {
              vErrors.push(err322);
            }
            errors++;
          }
          if (typeof data164 == 'number') {
            if (data164 > 1024 || isNaN(data164)) {
              const err323 = {
                instancePath: instancePath + '/sharding/shards',
                schemaPath: '#/properties/sharding/properties/shards/maximum',
                keyword: 'maximum',
                params: { comparison: '<=', limit: 1024 },
                message: 'must be <= 1024',
                schema: 1024,
                parentSchema: schema11.properties.sharding.properties.shards,
                data: data164,
              };
              if (vErrors === null) {
                vErrors = [err323];
              } else {
                vErrors.push(err323);
              }
              errors++;
            }
            if (data164 < 1 || isNaN(data164)) {
              const err324 = {
                instancePath: instancePath + '/sharding/shards',
                schemaPath: '#/properties/sharding/properties/shards/minimum',
                keyword: 'minimum',
                params: { comparison: '>=', limit: 1 },
                message: 'must be >= 1',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.shards,
                data: data164,
              };
              if (vErrors === null) {
                vErrors = [err324];
              } else {
                vErrors.push(err324);
              }
              errors++;
            }
          }
        }
        if (data155.handoffKeyFile !== undefined) {
          let data165 = data155.handoffKeyFile;
          if (typeof data165 === 'string') {
            if (func3(data165) < 1) {
              const err325 = {
                instancePath: instancePath + '/sharding/handoffKeyFile',
                schemaPath: '#/properties/sharding/properties/handoffKeyFile/minLength',
                keyword: 'minLength',
                params: { limit: 1 },
                message: 'must NOT have fewer than 1 characters',
                schema: 1,
                parentSchema: schema11.properties.sharding.properties.handoffKeyFile,
                data: data165,
              };
              if (vErrors === null) {
                vErrors = [err325];
              } else {
                vErrors.push(err325);
              }
              errors++;
            }
          } else {
            const err326 = {
              instancePath: instancePath + '/sharding/handoffKeyFile',
              schemaPath: '#/properties/sharding/properties/handoffKeyFile/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema11.properties.sharding.properties.handoffKeyFile.type,
              parentSchema: schema11.properties.sharding.properties.handoffKeyFile,
              data: data165,
            };
            if (vErrors === null) {
              vErrors = [err326];
            } else {
              vErrors.push(err326);
            }
            errors++;
          }
        }
        if (data155.handoffKeyEnv !== undefined) {
          let data166 = data155.handoffKeyEnv;
          if (typeof data166 === 'string') {
            if (!pattern1.test(data166)) {
              const err327 = {
                instancePath: instancePath + '/sharding/handoffKeyEnv',
                schemaPath: '#/definitions/envVarName/pattern',
                keyword: 'pattern',
                params: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
                message: 'must match pattern "' + '^[A-Za-z_][A-Za-z0-9_]*$' + '"',
                schema: '^[A-Za-z_][A-Za-z0-9_]*$',
                parentSchema: schema13,
                data: data166,
              };
              if (vErrors === null) {
                vErrors = [err327];
              } else {
                vErrors.push(err327);
              }
              errors++;
            }
          } else {
            const err328 = {
              instancePath: instancePath + '/sharding/handoffKeyEnv',
              schemaPath: '#/definitions/envVarName/type',
              keyword: 'type',
              params: { type: 'string' },
              message: 'must be string',
              schema: schema13.type,
              parentSchema: schema13,
              data: data166,
            };
            if (vErrors === null) {
              vErrors = [err328];
            } else {
              vErrors.push(err328);
            }
            errors++;
          }
        }
        if (data155.peerUrls !== undefined) {
          let data167 = data155.peerUrls;
          if (Array.isArray(data167)) {
            const len18 = data167.length;
            for (let i25 = 0; i25 < len18; i25++) {
              let data168 = data167[i25];
              if (typeof data168 === 'string') {
                if (!pattern13.test(data168)) {
                  const err329 = {
                    instancePath: instancePath + '/sharding/peerUrls/' + i25,
                    schemaPath: '#/properties/sharding/properties/peerUrls/items/pattern',
                    keyword: 'pattern',
                    params: { pattern: '^https?://' },
                    message: 'must match pattern "' + '^https?://' + '"',
                    schema: '^https?://',
                    parentSchema: schema11.properties.sharding.properties.peerUrls.items,
                    data: data168,
                  };
                  if (vErrors === null) {
                    vErrors = [err329];
                  } else {
                    vErrors.push(err329);
                  }
                  errors++;
                }
              } else {
                const err330 = {
                  instancePath: instancePath + '/sharding/peerUrls/' + i25,
                  schemaPath: '#/properties/sharding/properties/peerUrls/items/type',
                  keyword: 'type',
                  params: { type: 'string' },
                  message: 'must be string',
                  schema: schema11.properties.sharding.properties.peerUrls.items.type,
                  parentSchema: schema11.properties.sharding.properties.peerUrls.items,
                  data: data168,
                };
                if (vErrors === null) {
                  vErrors = [err330];
                } else {
                  vErrors.push(err330);
                }
                errors++;
              }
            }
            let i26 = data167.length;
            let j7;
            if (i26 > 1) {
              const indices4 = {};
              for (; i26--;) {
                let item4 = data167[i26];
                if (typeof item4 !== 'string') {
                  continue;
                }
                if (typeof indices4[item4] == 'number') {
                  j7 = indices4[item4];
                  const err331 = {
                    instancePath: instancePath + '/sharding/peerUrls',
                    schemaPath: '#/properties/sharding/properties/peerUrls/uniqueItems',
                    keyword: 'uniqueItems',
                    params: { i: i26, j: j7 },
                    message:
                      'must NOT have duplicate items (items ## ' + j7 + ' and ' + i26 + ' are identical)',
                    schema: true,
                    parentSchema: schema11.properties.sharding.properties.peerUrls,
                    data: data167,
                  };
                  if (vErrors === null) {
                    vErrors = [err331];
                  } else {
                    vErrors.push(err331);
                  }
                  errors++;
                  break;
                }
                indices4[item4] = i26;
              }
            }
          } else {
            const err332 = {
              instancePath: instancePath + '/sharding/peerUrls',
              schemaPath: '#/properties/sharding/properties/peerUrls/type',
              keyword: 'type',
              params: { type: 'array' },
              message: 'must be array',
              schema: schema11.properties.sharding.properties.peerUrls.type,
              parentSchema: schema11.properties.sharding.properties.peerUrls,
              data: data167,
            };
            if (vErrors === null) {
              vErrors = [err332];
            } else {
              vErrors.push(err332);
            }
            errors++;
          }
        }
      } else {
        const err333 = {
          instancePath: instancePath + '/sharding',
          schemaPath: '#/properties/sharding/type',
          keyword: 'type',
          params: { type: 'object' },
          message: 'must be object',
          schema: schema11.properties.sharding.type,
          parentSchema: schema11.properties.sharding,
          data: data155,
        };
        if (vErrors === null) {
          vErrors = [err333];
        } else {
          vErrors.push(err333);
        }
        errors++;
      }
    }
  } else {
    const err334 = {
      instancePath,
      schemaPath: '#/type',
      keyword: 'type',
      params: { type: 'object' },
      message: 'must be object',
      schema: schema11.type,
      parentSchema: schema11,
      data,
    };
    if (vErrors === null) {
      vErrors = [err334];
    } else {
      vErrors.push(err334);
    }
    errors++;
  }
  validate10.errors = vErrors;
  return errors === 0;
}
