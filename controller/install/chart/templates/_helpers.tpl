{{/* The labels every object carries (the same as `cairn install --export`). */}}
{{- define "cairn.labels" -}}
app.kubernetes.io/name: cairn
app.kubernetes.io/part-of: cairn
{{- end -}}

{{/* The config text: the `config` value, or the example config shipped with the chart. */}}
{{- define "cairn.config" -}}
{{- .Values.config | default (.Files.Get "files/cairn.yaml") -}}
{{- end -}}

{{/* The name of the cluster-scoped RBAC objects, unique per namespace. */}}
{{- define "cairn.clusterRoleName" -}}
{{- if .Values.clusterAdmin -}}
cairn-cluster-admin:{{ .Values.namespace }}
{{- else -}}
cairn-apply:{{ .Values.namespace }}
{{- end -}}
{{- end -}}

{{/* The verbs server-side apply, the drift LIST, health waits and prune need. */}}
{{- define "cairn.verbs" -}}
[get, list, watch, create, update, patch, delete]
{{- end -}}

{{/* A container's security context, for the uid given as the context. */}}
{{- define "cairn.securityContext" -}}
runAsUser: {{ . }}
runAsGroup: {{ . }}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "cairn.resources" -}}
requests:
  cpu: 100m
  memory: 256Mi
limits:
  cpu: "1"
  memory: 1Gi
{{- end -}}

{{/* The synth runner's: a CDK synth is the pod's largest memory user. */}}
{{- define "cairn.runnerResources" -}}
requests:
  cpu: 100m
  memory: 256Mi
limits:
  cpu: "1"
  memory: 2Gi
{{- end -}}

{{/* The config as data, for the environments' identities and the replica check. */}}
{{- define "cairn.configData" -}}
{{- include "cairn.config" . | fromYaml | toJson -}}
{{- end -}}

{{/* A label-safe name (controller/kube/identity.ts dnsSafe): given (list text max). */}}
{{- define "cairn.dnsSafe" -}}
{{- $s := index . 0 | lower -}}
{{- $s = regexReplaceAll "[^a-z0-9-]" $s "-" -}}
{{- $s = regexReplaceAll "-+" $s "-" -}}
{{- $s = trunc (index . 1) $s -}}
{{- $s = regexReplaceAll "^-+|-+$" $s "" -}}
{{- $s | default "env" -}}
{{- end -}}

{{/*
An environment's owner mark (controller/kube/identity.ts ownerOf), as JSON {id, annotation}: given
(list env repositoryUrl). The repository loses its credentials and trailing slashes first.
*/}}
{{- define "cairn.owner" -}}
{{- $env := index . 0 -}}
{{- $repo := regexReplaceAll "^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@" (index . 1) "${1}" -}}
{{- $repo = regexReplaceAll "/+$" $repo "" -}}
{{- if $env.instance -}}
{{- $id := include "cairn.dnsSafe" (list $env.instance 63) -}}
{{- dict "id" $id "annotation" (printf "instance %s [%s]" $env.instance $id) | toJson -}}
{{- else -}}
{{- $name := include "cairn.dnsSafe" (list $env.name 40) -}}
{{- $hashed := ternary $repo (printf "%s\n%s" $repo $env.name) (eq $name $env.name) -}}
{{- $id := printf "%s-%s" $name (sha256sum $hashed | trunc 10) -}}
{{- dict "id" $id "annotation" (printf "environment %s of %s [%s]" $env.name $repo $id) | toJson -}}
{{- end -}}
{{- end -}}

{{/* The cluster-scoped kinds clusterResources may name without a group (kinds.ts CLUSTER_KINDS). */}}
{{- define "cairn.clusterKinds" -}}
{{- dict "Namespace" "" "PersistentVolume" "" "ClusterRole" "rbac.authorization.k8s.io" "ClusterRoleBinding" "rbac.authorization.k8s.io" "CustomResourceDefinition" "apiextensions.k8s.io" "StorageClass" "storage.k8s.io" "PriorityClass" "scheduling.k8s.io" "IngressClass" "networking.k8s.io" "MutatingWebhookConfiguration" "admissionregistration.k8s.io" "ValidatingWebhookConfiguration" "admissionregistration.k8s.io" | toJson -}}
{{- end -}}

{{/* A Kind's plural (kinds.ts pluralOf). */}}
{{- define "cairn.plural" -}}
{{- $l := lower . -}}
{{- if regexMatch "(s|x|z|ch|sh)$" $l -}}{{ $l }}es
{{- else if regexMatch "[^aeiou]y$" $l -}}{{ trimSuffix "y" $l }}ies
{{- else -}}{{ $l }}s
{{- end -}}
{{- end -}}

{{/*
The environments bound to a ServiceAccount (environment-grants.ts identityFacts), as JSON: grants
(env, sa namespace and name, default namespace, namespaces, globs, whether it lists hosts, cluster
resources, inventory names), unbound (names), namespaces (name, owner) in first-seen order.
*/}}
{{- define "cairn.identities" -}}
{{- $cfg := include "cairn.configData" . | fromJson -}}
{{- $repo := dig "repository" "url" "" $cfg -}}
{{- $kinds := include "cairn.clusterKinds" . | fromJson -}}
{{- $refused := list "kube-system" "kube-public" "kube-node-lease" .Values.namespace (dig "kubernetes" "controllerNamespace" "" $cfg) -}}
{{- if dig "sharding" "enabled" false $cfg -}}{{- $refused = append $refused (dig "sharding" "namespace" "" $cfg) -}}{{- end -}}
{{- $grants := list -}}
{{- $unbound := list -}}
{{- $nsOrder := list -}}
{{- $nsOwner := dict -}}
{{- range $i, $env := (get $cfg "environments" | default list) -}}
{{- $k := get $env "kubernetes" | default dict -}}
{{- if not (and (hasKey $k "serviceAccount") (kindIs "string" (get $k "serviceAccount"))) -}}
{{- $unbound = append $unbound (toString $env.name) -}}
{{- else -}}
{{- $parts := splitList "/" $k.serviceAccount -}}
{{- if or (ne (len $parts) 2) (not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" (index $parts 0))) (eq (index $parts 1) "") -}}
{{- fail (printf "environments[%d].kubernetes.serviceAccount: %q is not <namespace>/<name>" $i $k.serviceAccount) -}}
{{- end -}}
{{- $default := get $k "namespace" | default "default" -}}
{{- $plain := list $default -}}
{{- $globs := list -}}
{{- range (get $k "namespaces" | default list) -}}
{{- if contains "*" . -}}{{- $globs = append $globs . -}}{{- else -}}{{- $plain = append $plain . -}}{{- end -}}
{{- end -}}
{{- $plain = uniq $plain -}}
{{- range (append $plain (index $parts 0)) -}}
{{- if has . $refused -}}
{{- fail (printf "environments[%d].kubernetes: environment %s would be granted namespace %q, which is never an environment's" $i $env.name .) -}}
{{- end -}}
{{- end -}}
{{- $owner := include "cairn.owner" (list $env $repo) | fromJson -}}
{{- range $plain -}}
{{- if not (get $nsOwner .) -}}
{{- if not (has . $nsOrder) -}}{{- $nsOrder = append $nsOrder . -}}{{- end -}}
{{- $_ := set $nsOwner . $owner -}}
{{- end -}}
{{- end -}}
{{- if not (has (index $parts 0) $nsOrder) -}}{{- $nsOrder = append $nsOrder (index $parts 0) -}}{{- end -}}
{{- $cluster := list -}}
{{- $listed := ternary (get $k "clusterResources") (list "Namespace") (hasKey $k "clusterResources") -}}
{{- range ($listed | default list) -}}
{{- if hasKey $kinds . -}}
{{- $cluster = append $cluster (dict "group" (get $kinds .) "resource" (include "cairn.plural" .)) -}}
{{- else if regexMatch "^[a-z0-9.-]+/[A-Z][A-Za-z0-9]*$" . -}}
{{- $group := regexReplaceAll "/.*$" . "" -}}
{{- $cluster = append $cluster (dict "group" (ternary "" $group (eq $group "core")) "resource" (include "cairn.plural" (regexReplaceAll "^.*/" . ""))) -}}
{{- else -}}
{{- fail (printf "environments[%d].kubernetes.clusterResources: %q is neither group/Kind nor a cluster-scoped Kind cairn knows" $i .) -}}
{{- end -}}
{{- end -}}
{{- $legacy := printf "cairn-inventory-%s" (regexReplaceAll "^-+|-+$" (regexReplaceAll "[^a-z0-9-]" (lower (toString $env.name)) "-") "") | trunc 253 -}}
{{- $grants = append $grants (dict "env" (toString $env.name) "saNamespace" (index $parts 0) "saName" (index $parts 1) "defaultNamespace" $default "namespaces" $plain "globs" $globs "hostsListed" (kindIs "slice" (get $k "hosts")) "cluster" $cluster "inventory" (uniq (list (printf "cairn-inventory-%s" $owner.id) $legacy))) -}}
{{- end -}}
{{- end -}}
{{- if and (dig "kubernetes" "requireServiceAccount" false $cfg) $unbound -}}
{{- fail (printf "kubernetes.requireServiceAccount: true, but environment %s has no kubernetes.serviceAccount" (join ", " $unbound)) -}}
{{- end -}}
{{- $namespaces := list -}}
{{- range $nsOrder -}}
{{- $namespaces = append $namespaces (dict "name" . "owner" (get $nsOwner .)) -}}
{{- end -}}
{{- dict "grants" $grants "unbound" $unbound "namespaces" $namespaces "sharding" (dig "sharding" "enabled" false $cfg) | toJson -}}
{{- end -}}

{{/*
A config whose environment runs jobs in the sidecar runner needs an API token and /metrics behind
it (config-checks.ts checkSidecarServer, which cairn install and cairn run apply; the chart does not
run cairn, so it refuses the same configs here, with the same first words).
*/}}
{{- define "cairn.sidecarServer" -}}
{{- $cfg := include "cairn.configData" . | fromJson -}}
{{- $server := get $cfg "server" | default dict -}}
{{- $sidecar := "" -}}
{{- range $i, $env := (get $cfg "environments" | default list) -}}
{{- if and (not $sidecar) (eq (toString (dig "aws" "synth" "isolation" "" $env)) "sidecar") -}}
{{- $sidecar = printf "environments[%d] (%s) has aws.synth.isolation: sidecar" $i (toString $env.name) -}}
{{- end -}}
{{- if and (not $sidecar) (eq (toString (dig "kubernetes" "render" "isolation" "" $env)) "sidecar") -}}
{{- $sidecar = printf "environments[%d] (%s) has kubernetes.render.isolation: sidecar" $i (toString $env.name) -}}
{{- end -}}
{{- end -}}
{{- if $sidecar -}}
{{- if not (or (get $server "apiTokenEnv") (get $server "apiTokens")) -}}
{{- fail (printf "server.apiTokens: none is configured, but %s, and the code the synth-runner container runs shares the controller's network namespace; add server.apiTokens (or server.apiTokenEnv)" $sidecar) -}}
{{- end -}}
{{- if not (eq (toString (get $server "metricsAuth")) "true") -}}
{{- fail (printf "server.metricsAuth: is not true, but %s, and the code the synth-runner container runs shares the controller's network namespace; set server.metricsAuth: true" $sidecar) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" when cairn's own ServiceAccount still needs the cluster-wide ClusterRole (manifests.ts needsClusterApply). */}}
{{- define "cairn.needsClusterApply" -}}
{{- $ids := include "cairn.identities" . | fromJson -}}
{{- if or (gt (len $ids.unbound) 0) (eq (len $ids.grants) 0) -}}true{{- end -}}
{{- end -}}
