// The table of writes that take no resource type and change, stop or delete one existing resource
// by the id or name in the request, judged by hand: kept apart from ACCOUNT_SETTINGS
// (account-settings.ts, a setting every environment shares) and RESOURCELESS_TAG_WRITES
// (resourceless-tagging.ts, one resource's tags) because the refusal says what it changes in its
// own words. template-grants.ts reads all three.

import { actionTable } from './action-table';

/**
 * The actions that take no resource type and change, disable, stop or delete an existing resource
 * named by its id, name or ARN in the request (IAM gives the action no resource to bound, so it is
 * granted only on `*`, every environment's), each with what of another environment's it changes,
 * lower case; the refusal quotes it. Granted on `*`, environment a's role disables b's AppStream
 * users, rewrites b's AppSync resolvers, sets b's Cognito identity pool's roles, resets b's Glue
 * job bookmarks, deregisters b's task definitions, points b's stack's Git sync elsewhere. Found by
 * reading the actions outside BOUNDED_APART that take no resource type, that AWS files under Write
 * and that no other table holds (2,022 in the release RESOURCELESS_ACTIONS is generated from),
 * those whose names or descriptions modify, update, delete, disable, enable, remove, detach,
 * disassociate, reset, stop or cancel something the request names (776), service by service, then
 * those named `Start*`, `Send*`, `Put*`, `Associate*`, `Publish*`, `Invoke*`, `Execute*` or `Run*`
 * (288) for the ones that act on an existing resource by id (a third-party job's result, a
 * deployment's hook status, an outbound call from an instance); not
 * here: creates (`sqs:CreateQueue`-like, which the CDK grants on `*`), the caller's own session,
 * user or token (Cognito user pools' access-token actions, `opsworks:UpdateMyUserProfile`,
 * `redshift-data:CancelStatement`), settings of the account (ACCOUNT_SETTINGS' kind, not judged
 * here), and what the CDK grants on `*` (`codepipeline:PutJobSuccessResult` and
 * `PutJobFailureResult`: a pipeline's `LambdaInvokeAction`; `logs:UpdateLogDelivery` and
 * `DeleteLogDelivery`: a state machine's logging; `logs:PutIndexPolicy`, which a Bedrock
 * AgentCore evaluation grants on a log group pattern). Decided here, and only here; passes only
 * where `aws.externalTargets` lists the resource as written (`*`: an environment trusted with the
 * whole account). The CDK grants none of these by itself (aws-cdk-lib 2.276, searched as
 * `service:Action` and by name; a CloudFront `Distribution.grant()` puts on `*` whichever of
 * CloudFront's resourceless actions the app names; it grants
 * `codedeploy:PutLifecycleEventHookExecutionStatus` on a deployment group's ARN and
 * `inspector:StartAssessmentRun` on a template's, which pass as any grant on one ARN).
 */
export const RESOURCELESS_WRITES_BY_ID: ReadonlyMap<string, string> = actionTable(
  'RESOURCELESS_WRITES_BY_ID',
  (group) => {
    group(
      "any AppStream 2.0 user of the account's user pool by its user name (disabled, enabled or deleted: b's users lose their stacks), any streaming session by its id (ended), or any Directory Config by name (its service account credentials, which join b's fleets and image builders to Active Directory)",
      'appstream:deleteuser',
      'appstream:disableuser',
      'appstream:enableuser',
      'appstream:expiresession',
      'appstream:updatedirectoryconfig',
      'appstream:deletedirectoryconfig',
    );
    group(
      "any WorkDocs site's users, groups, folders and documents by id: a user's activation, attributes and administrative rights (UpdateUser grants or revokes a site administrator), its deletion; a document's or folder's sharing permissions (AddResourcePermissions shares b's documents with whom the request names), contents, versions, comments, labels and metadata; the site's notification permissions and subscriptions, alias, directory and deletion",
      'workdocs:updateuser',
      'workdocs:activateuser',
      'workdocs:deactivateuser',
      'workdocs:deleteuser',
      'workdocs:updateuseradministrativesettings',
      'workdocs:addusertogroup',
      'workdocs:addresourcepermissions',
      'workdocs:removeresourcepermission',
      'workdocs:removeallresourcepermissions',
      'workdocs:deletecomment',
      'workdocs:deletecustommetadata',
      'workdocs:deletedocument',
      'workdocs:deletedocumentversion',
      'workdocs:deletefolder',
      'workdocs:deletefoldercontents',
      'workdocs:deletelabels',
      'workdocs:deletenotificationsubscription',
      'workdocs:restoredocumentversions',
      'workdocs:updatedocument',
      'workdocs:updatedocumentversion',
      'workdocs:updatefolder',
      'workdocs:abortdocumentversionupload',
      'workdocs:addnotificationpermissions',
      'workdocs:deletenotificationpermissions',
      'workdocs:deregisterdirectory',
      'workdocs:deleteinstance',
      'workdocs:updateinstancealias',
    );
    group(
      "any AppSync GraphQL API's resolvers, functions, data sources, types, API keys, cache and environment variables by the API's id (UpdateResolver and UpdateFunction rewrite the code that answers b's clients, with b's data sources and their roles)",
      'appsync:updateresolver',
      'appsync:deleteresolver',
      'appsync:updatefunction',
      'appsync:deletefunction',
      'appsync:updatedatasource',
      'appsync:deletedatasource',
      'appsync:updatetype',
      'appsync:deletetype',
      'appsync:updateapikey',
      'appsync:deleteapikey',
      'appsync:updateapicache',
      'appsync:deleteapicache',
      'appsync:putgraphqlapienvironmentvariables',
    );
    group(
      "any Cognito identity pool's roles by the pool's id (which role its authenticated and unauthenticated identities get credentials for), or its identities (deleted)",
      'cognito-identity:setidentitypoolroles',
      'cognito-identity:deleteidentities',
    );
    group(
      "any Glue job's bookmark by the job's name (reset: b's job reprocesses, or skips, its data), any crawler's schedule by its name (stopped, started or changed), and any classifier, custom entity type or security configuration by name (updated or deleted: the encryption b's jobs and crawlers write with)",
      'glue:resetjobbookmark',
      'glue:stopcrawlerschedule',
      'glue:startcrawlerschedule',
      'glue:updatecrawlerschedule',
      'glue:updateclassifier',
      'glue:deleteclassifier',
      'glue:deletecustomentitytype',
      'glue:deletesecurityconfiguration',
    );
    group(
      "any EMR security configuration by name (deleted: the encryption and authentication b's clusters launch with), or EMR notebook Git repository by id (updated with other credentials, unlinked or deleted)",
      'elasticmapreduce:deletesecurityconfiguration',
      'elasticmapreduce:updaterepository',
      'elasticmapreduce:unlinkrepository',
      'elasticmapreduce:deleterepository',
    );
    group(
      "any ECS task definition revision by its family and revision (deregistered: b's services and scheduled tasks can no longer start new tasks from it)",
      'ecs:deregistertaskdefinition',
    );
    group(
      "any CodeBuild source credentials by ARN (deleted: the GitHub, GitHub Enterprise or Bitbucket token b's projects fetch their source with) and the console's OAuth tokens",
      'codebuild:deletesourcecredentials',
      'codebuild:deleteoauthtoken',
    );
    group(
      'any CodeDeploy deployment by its id (stopped, continued, or its old instances terminated at once), any on-premises resources by external id (deleted), or the GitHub account token by name (deleted)',
      'codedeploy:stopdeployment',
      'codedeploy:continuedeployment',
      'codedeploy:skipwaittimeforinstancetermination',
      'codedeploy:deleteresourcesbyexternalid',
      'codedeploy:deletegithubaccounttoken',
    );
    group(
      'any CodeCommit approval rule template by name (its rules, which apply to the pull requests of every repository it is associated with, rewritten or deleted)',
      'codecommit:updateapprovalruletemplatecontent',
      'codecommit:updateapprovalruletemplatename',
      'codecommit:updateapprovalruletemplatedescription',
      'codecommit:deleteapprovalruletemplate',
    );
    group(
      "any Git sync configuration by the name of the resource it syncs (a CloudFormation stack's: the repository, branch and file it deploys from, and its blockers), rewritten or deleted",
      'codeconnections:updatesyncconfiguration',
      'codeconnections:deletesyncconfiguration',
      'codeconnections:updatesyncblocker',
      'codestar-connections:updatesyncconfiguration',
      'codestar-connections:deletesyncconfiguration',
      'codestar-connections:updatesyncblocker',
      'proton:updateservicesyncconfig',
      'proton:deleteservicesyncconfig',
      'proton:updateservicesyncblocker',
      'proton:updatetemplatesyncconfig',
      'proton:deletetemplatesyncconfig',
    );
    group(
      'any notification rule target by its ARN (deleted from every rule that sends to it)',
      'codestar-notifications:deletetarget',
    );
    group(
      'any MediaLive channel, input, input security group or multiplex by its id (stopped or deleted)',
      'medialive:batchstop',
      'medialive:batchdelete',
    );
    group(
      'any GameLift game session by its id (updated or terminated), game session placement or matchmaking request (stopped), or VPC peering connection or authorization (deleted)',
      'gamelift:updategamesession',
      'gamelift:terminategamesession',
      'gamelift:stopgamesessionplacement',
      'gamelift:stopmatchmaking',
      'gamelift:deletevpcpeeringconnection',
      'gamelift:deletevpcpeeringauthorization',
    );
    group(
      "any DAX parameter group or subnet group by name (modified or deleted: the settings and subnets of b's clusters)",
      'dax:updateparametergroup',
      'dax:deleteparametergroup',
      'dax:updatesubnetgroup',
      'dax:deletesubnetgroup',
    );
    group(
      "any CloudFront key group or public key by its id (UpdateKeyGroup puts a key of the caller's in the group whose signed URLs and cookies b's distributions trust), any field-level encryption configuration by id, or a distribution's additional metrics (disabled)",
      'cloudfront:updatekeygroup',
      'cloudfront:deletekeygroup',
      'cloudfront:updatepublickey',
      'cloudfront:deletepublickey',
      'cloudfront:updatefieldlevelencryptionconfig',
      'cloudfront:deletemonitoringsubscription',
    );
    group(
      "any OpenSearch Service domain's VPC endpoints and endpoint access by the domain's or endpoint's id (RevokeVpcEndpointAccess cuts off whom b opened it to, UpdateVpcEndpoint moves b's endpoint), its cross-cluster connections (rejected or deleted), and any package by id (updated: the dictionaries and plugins b's domains load); and any OpenSearch Serverless VPC endpoint by id",
      'es:revokevpcendpointaccess',
      'es:updatevpcendpoint',
      'es:deletevpcendpoint',
      'es:deleteinboundconnection',
      'es:deleteinboundcrossclustersearchconnection',
      'es:deleteoutboundconnection',
      'es:deleteoutboundcrossclustersearchconnection',
      'es:rejectinboundconnection',
      'es:rejectinboundcrossclustersearchconnection',
      'es:updatepackage',
      'es:updatepackagescope',
      'es:deletepackage',
      'aoss:updatevpcendpoint',
      'aoss:deletevpcendpoint',
    );
    group(
      "any Lake Formation data cells filter, LF-tag or LF-tag expression by name (the rows, columns and tag values that decide who reads b's tables), any registered location by its ARN (deregistered or given another role), and any governed table's objects, storage optimizer and transactions",
      'lakeformation:updatedatacellsfilter',
      'lakeformation:deletedatacellsfilter',
      'lakeformation:updatelftag',
      'lakeformation:deletelftag',
      'lakeformation:updatelftagexpression',
      'lakeformation:deletelftagexpression',
      'lakeformation:deregisterresource',
      'lakeformation:updateresource',
      'lakeformation:updatetableobjects',
      'lakeformation:updatetablestorageoptimizer',
      'lakeformation:canceltransaction',
      'lakeformation:deleteobjectsoncancel',
    );
    group(
      "any CloudWatch Logs saved query by its id (rewritten or deleted), export or import task by id (cancelled), or S3 Tables integration's log sources (associated or removed)",
      'logs:putquerydefinition',
      'logs:deletequerydefinition',
      'logs:cancelexporttask',
      'logs:cancelimporttask',
      'logs:associatesourcetos3tableintegration',
      'logs:disassociatesourcefroms3tableintegration',
      'logs:deleteintegration',
    );
    group(
      "any CloudWatch anomaly detection model by its metric (rewritten or deleted: the band b's alarms compare with)",
      'cloudwatch:putanomalydetector',
      'cloudwatch:deleteanomalydetector',
    );
    group(
      "any ECR pull through cache rule or repository creation template by its prefix (rewritten or deleted: the upstream registry, credentials, repository policy and encryption of b's repositories created under it)",
      'ecr:updatepullthroughcacherule',
      'ecr:deletepullthroughcacherule',
      'ecr:updaterepositorycreationtemplate',
      'ecr:deleterepositorycreationtemplate',
    );
    group(
      "any Redshift authentication profile, managed VPC endpoint or scheduled action by name, a namespace's data sharing registration, a cluster's partner integrations; and any Redshift Serverless scheduled action, snapshot copy configuration or usage limit by id (rewritten or deleted)",
      'redshift:modifyauthenticationprofile',
      'redshift:deleteauthenticationprofile',
      'redshift:modifyendpointaccess',
      'redshift:deleteendpointaccess',
      'redshift:modifyscheduledaction',
      'redshift:deletescheduledaction',
      'redshift:deregisternamespace',
      'redshift:addpartner',
      'redshift-serverless:updatescheduledaction',
      'redshift-serverless:deletescheduledaction',
      'redshift-serverless:updatesnapshotcopyconfiguration',
      'redshift-serverless:deletesnapshotcopyconfiguration',
      'redshift-serverless:updateusagelimit',
      'redshift-serverless:deleteusagelimit',
    );
    group('any RDS snapshot export task by its id (cancelled)', 'rds:cancelexporttask');
    group(
      "any Service Catalog provisioned product by its id (updated, its properties and owner changed, or terminated, with the resources it provisioned), any portfolio's products, constraints, budgets and self-service actions by id",
      'servicecatalog:updateprovisionedproduct',
      'servicecatalog:updateprovisionedproductproperties',
      'servicecatalog:terminateprovisionedproduct',
      'servicecatalog:deleteprovisionedproductplan',
      'servicecatalog:associateproductwithportfolio',
      'servicecatalog:disassociateproductfromportfolio',
      'servicecatalog:updateconstraint',
      'servicecatalog:deleteconstraint',
      'servicecatalog:updateserviceaction',
      'servicecatalog:deleteserviceaction',
      'servicecatalog:batchdisassociateserviceactionfromprovisioningartifact',
      'servicecatalog:associatebudgetwithresource',
      'servicecatalog:disassociatebudgetfromresource',
    );
    group('any WorkSpaces Pool session by its id (terminated)', 'workspaces:terminateworkspacespoolsession');
    group(
      "any Chime room, its members, bot and events configuration by id, any phone number of the account (deleted, restored, updated, assigned to or taken from a user or Voice Connector group), a Voice Connector group or SIP rule (deleted), a Voice Connector's Amazon Connect instance, and a meeting's transcription (stopped)",
      'chime:updateroom',
      'chime:deleteroom',
      'chime:updateroommembership',
      'chime:deleteroommembership',
      'chime:updatebot',
      'chime:puteventsconfiguration',
      'chime:deleteeventsconfiguration',
      'chime:updatephonenumber',
      'chime:batchupdatephonenumber',
      'chime:deletephonenumber',
      'chime:batchdeletephonenumber',
      'chime:restorephonenumber',
      'chime:associatephonenumberwithuser',
      'chime:disassociatephonenumberfromuser',
      'chime:associatephonenumberswithvoiceconnectorgroup',
      'chime:disassociatephonenumbersfromvoiceconnectorgroup',
      'chime:deletevoiceconnectorgroup',
      'chime:deletesiprule',
      'chime:associatevoiceconnectorconnect',
      'chime:disassociatevoiceconnectorconnect',
      'chime:stopmeetingtranscription',
    );
    group('any IoT bulk thing registration task by its id (stopped)', 'iot:stopthingregistrationtask');
    group(
      "any Inspector Classic assessment target, template or run by its ARN (updated, stopped or deleted), its findings' attributes, and its event subscriptions (unsubscribed)",
      'inspector:updateassessmenttarget',
      'inspector:deleteassessmenttarget',
      'inspector:deleteassessmenttemplate',
      'inspector:deleteassessmentrun',
      'inspector:stopassessmentrun',
      'inspector:addattributestofindings',
      'inspector:removeattributesfromfindings',
      'inspector:unsubscribefromevent',
    );
    group(
      "any OpsWorks for Chef Automate or Puppet Enterprise server by name (updated, restored from a backup, deleted with its stack), its backups and nodes, or any OpsWorks user profile by the user's ARN (deleted)",
      'opsworks-cm:updateserver',
      'opsworks-cm:updateserverengineattributes',
      'opsworks-cm:restoreserver',
      'opsworks-cm:deleteserver',
      'opsworks-cm:deletebackup',
      'opsworks-cm:associatenode',
      'opsworks-cm:disassociatenode',
      'opsworks:deleteuserprofile',
    );
    group(
      "any CloudWatch Application Insights application by its resource group's name: its components, their configuration, log patterns, workloads and problems (updated or deleted)",
      'applicationinsights:updateapplication',
      'applicationinsights:deleteapplication',
      'applicationinsights:updatecomponent',
      'applicationinsights:updatecomponentconfiguration',
      'applicationinsights:deletecomponent',
      'applicationinsights:updatelogpattern',
      'applicationinsights:deletelogpattern',
      'applicationinsights:addworkload',
      'applicationinsights:updateworkload',
      'applicationinsights:removeworkload',
      'applicationinsights:updateproblem',
    );
    group(
      'any Billing and Cost Management dashboard or scheduled report by its ARN (rewritten or deleted)',
      'bcm-dashboards:updatedashboard',
      'bcm-dashboards:deletedashboard',
      'bcm-dashboards:updatescheduledreport',
      'bcm-dashboards:deletescheduledreport',
    );
    group('any Directory Service directory assessment by its id (deleted)', 'ds:deleteadassessment');
    group(
      "any Direct Connect gateway association by its id (its allowed prefixes, which routes reach b's virtual private gateway or transit gateway) or association proposal (deleted)",
      'directconnect:updatedirectconnectgatewayassociation',
      'directconnect:deletedirectconnectgatewayassociationproposal',
    );
    group(
      "any network interface by its id (a branch put on or taken off a trunk interface), a subnet's CIDR reservation (deleted), a bundle, conversion task or Reserved Instance listing (cancelled)",
      'ec2:associatetrunkinterface',
      'ec2:disassociatetrunkinterface',
      'ec2:deletesubnetcidrreservation',
      'ec2:cancelbundletask',
      'ec2:cancelconversiontask',
      'ec2:cancelreservedinstanceslisting',
    );
    group(
      "any AWS Config rule's remediation exceptions by the rule's name (added or removed: which of b's resources its remediation skips)",
      'config:putremediationexceptions',
      'config:deleteremediationexceptions',
    );
    group(
      "any Route 53 Profile by its id (deleted, associated with or taken from a VPC, its DNS Firewall rule groups, private hosted zones and Resolver rules added, removed or changed: the DNS b's VPCs resolve with), and any Route 53 Global Resolver's firewall rules and hosted zone associations by id",
      'route53profiles:associateprofile',
      'route53profiles:disassociateprofile',
      'route53profiles:deleteprofile',
      'route53profiles:associateresourcetoprofile',
      'route53profiles:disassociateresourcefromprofile',
      'route53profiles:updateprofileresourceassociation',
      'route53globalresolver:updatefirewallrule',
      'route53globalresolver:batchupdatefirewallrule',
      'route53globalresolver:deletefirewallrule',
      'route53globalresolver:batchdeletefirewallrule',
      'route53globalresolver:associatehostedzone',
      'route53globalresolver:disassociatehostedzone',
      'route53globalresolver:updatehostedzoneassociation',
    );
    group(
      "any Shield Advanced protected resource's application layer automatic response by the resource's ARN (enabled, changed or disabled)",
      'shield:enableapplicationlayerautomaticresponse',
      'shield:updateapplicationlayerautomaticresponse',
      'shield:disableapplicationlayerautomaticresponse',
    );
    group(
      "any Lightsail instance's or disk's add-ons and automatic snapshots by its name (disabled, changed or deleted)",
      'lightsail:enableaddon',
      'lightsail:disableaddon',
      'lightsail:deleteautosnapshot',
    );
    group(
      'any Storage Gateway archived tape by its ARN (deleted from the tape shelf)',
      'storagegateway:deletetapearchive',
    );
    group(
      "any AWS Backup job by its id (stopped) or restore job's validation result (written)",
      'backup:stopbackupjob',
      'backup:putrestorevalidationresult',
    );
    group(
      'any Snow Family job or cluster by its id (updated or cancelled)',
      'snowball:updatejob',
      'snowball:canceljob',
      'snowball:updatecluster',
      'snowball:cancelcluster',
      'snowball:updatejobshipmentstate',
    );
    group(
      'any HealthOmics annotation or variant import job by its id (cancelled) or share (deleted)',
      'omics:cancelannotationimportjob',
      'omics:cancelvariantimportjob',
      'omics:deleteshare',
    );
    group(
      "any S3 bucket's Macie sensitivity score and detections by the bucket's name (overridden or excluded)",
      'macie2:updateresourceprofile',
      'macie2:updateresourceprofiledetections',
    );
    group(
      'any Comprehend Medical or Translate job by its id (stopped)',
      'comprehendmedical:stopentitiesdetectionv2job',
      'comprehendmedical:stopicd10cminferencejob',
      'comprehendmedical:stopphidetectionjob',
      'comprehendmedical:stoprxnorminferencejob',
      'comprehendmedical:stopsnomedctinferencejob',
      'translate:stoptexttranslationjob',
    );
    group(
      'any Timestream query by its id (cancelled) or batch load task (resumed)',
      'timestream:cancelquery',
      'timestream:resumebatchloadtask',
    );
    group(
      "any Personalize event tracker's dataset by the tracker's id (events and action interactions written into it, which b's recommenders train on)",
      'personalize:putevents',
      'personalize:putactioninteractions',
    );
    group(
      "any Transfer Family server's access by the server's id and the access's external id (its role, home directory and policy, which decide what b's users reach)",
      'transfer:updateaccess',
    );
    group(
      "any End User Messaging SMS and voice configuration set by name (deleted, or its event destinations changed: where b's message events go)",
      'sms-voice:deleteconfigurationset',
      'sms-voice:deleteconfigurationseteventdestination',
      'sms-voice:updateconfigurationseteventdestination',
    );
    group(
      'any SSM for SAP HANA database by its id (restored over, or its backup settings changed)',
      'ssm-sap:restoredatabase',
      'ssm-sap:updatehanabackupsettings',
    );
    group('any Fleet Manager GUI Connect connection by its id (ended)', 'ssm-guiconnect:cancelconnection');
    group(
      "any Amazon Connect instance's outbound campaigns configuration, integrations and onboarding job by the instance's id (changed or removed)",
      'connect-campaigns:putconnectinstanceintegration',
      'connect-campaigns:deleteconnectinstanceintegration',
      'connect-campaigns:deleteconnectinstanceconfig',
      'connect-campaigns:deleteinstanceonboardingjob',
      'connect-campaigns:putinstancecommunicationlimits',
    );
    group(
      "any Auto Scaling plan by name (updated or deleted: the scaling of b's resources)",
      'autoscaling-plans:updatescalingplan',
      'autoscaling-plans:deletescalingplan',
    );
    group(
      'any MediaTailor playback configuration by name (overwritten) or IVS ad configuration by ARN (updated)',
      'mediatailor:putplaybackconfiguration',
      'ivs:updateadconfiguration',
    );
    group(
      "any Lookout for Vision project's dataset by the project's name (its entries changed or deleted), any RoboMaker world by ARN (deleted)",
      'lookoutvision:updatedatasetentries',
      'lookoutvision:deletedataset',
      'robomaker:batchdeleteworlds',
    );
    group(
      'any CloudTrail Lake import by its id (stopped), any CloudHSM Classic HSM by ARN (deleted), any Cloud Directory development schema by ARN (replaced), any WAF API key (deleted)',
      'cloudtrail:stopimport',
      'cloudhsm:deletehsm',
      'clouddirectory:putschemafromjson',
      'wafv2:deleteapikey',
    );
    group(
      'any Honeycode team by id (updated, its groups removed) or its domains (deleted)',
      'honeycode:updateteam',
      'honeycode:deregistergroups',
      'honeycode:deletedomains',
    );
    // Starts, sends, puts and runs that act on an existing resource the request names by id.
    group(
      "any CodePipeline third-party job by its id (reported succeeded or failed: b's pipeline goes on past a stage that did not run, or fails)",
      'codepipeline:putthirdpartyjobsuccessresult',
      'codepipeline:putthirdpartyjobfailureresult',
    );
    group(
      "any CodeDeploy deployment's lifecycle hook by the deployment's id (reported succeeded or failed: b's deployment goes on past its validation, or rolls back)",
      'codedeploy:putlifecycleeventhookexecutionstatus',
    );
    group(
      'any Amazon Connect instance by its id: outbound calls placed from its numbers through its contact flows, its integration events and chat integration events sent, and its outbound campaigns onboarding started (its encryption configuration set)',
      'connect:startoutboundvoicecontact',
      'connect:sendintegrationevent',
      'connect:sendchatintegrationevent',
      'connect-campaigns:startinstanceonboardingjob',
    );
    group(
      "any AWS Config rule's remediation by the rule's name (run on the resources the request names), and the recorded configuration of any custom resource by its type and id (overwritten)",
      'config:startremediationexecution',
      'config:putresourceconfig',
    );
    group(
      "any Service Catalog provisioned product's plan by its id, or service action by the product's and action's ids (executed: b's product changed, or an SSM document run against it)",
      'servicecatalog:executeprovisionedproductplan',
      'servicecatalog:executeprovisionedproductserviceaction',
    );
    group(
      "any AppSync API's schema by the API's id (replaced), and any Amplify app's UI Builder metadata flag by the app's id (set)",
      'appsync:startschemacreation',
      'amplifyuibuilder:putmetadataflag',
    );
    group(
      "any CloudTrail Lake event data store by its ARN (events imported into it from a bucket the caller names: b's audit record holds events that did not happen)",
      'cloudtrail:startimport',
    );
    group(
      "any AWS Backup job's recovery point by the job's id (data written into it: b's backup holds what the caller wrote)",
      'backup-storage:putchunk',
      'backup-storage:putobject',
      'backup-storage:startobject',
    );
    group(
      "any GameLift matchmaking configuration by name (players matched into b's queues and fleets) or game session by ARN (backfilled with players)",
      'gamelift:startmatchmaking',
      'gamelift:startmatchbackfill',
    );
    group(
      'any Server Migration Service application or replication job by its id (its launch, replication and validation configuration replaced, its replication started)',
      'sms:putapplaunchconfiguration',
      'sms:putappreplicationconfiguration',
      'sms:putappvalidationconfiguration',
      'sms:startappreplication',
      'sms:startondemandappreplication',
      'sms:startondemandreplicationrun',
    );
    group(
      "any OpsWorks for Chef Automate or Puppet Enterprise server by name (its maintenance started now, out of its window), any Inspector Classic assessment template by ARN (run), any QuickSight dashboard's snapshot schedule by id (run, sent to its recipients), any Clean Rooms ML membership's configuration by id (where its ML output goes, and with what role), any End User Messaging voice configuration set or origination number (a voice message sent as b), and any Cost Optimization Automation recommended action by id (carried out on b's resources)",
      'opsworks-cm:startmaintenance',
      'inspector:startassessmentrun',
      'quicksight:startdashboardsnapshotjobschedule',
      'cleanrooms-ml:putmlconfiguration',
      'sms-voice:sendvoicemessage',
      'aco-automation:startautomationevent',
    );
  },
);
