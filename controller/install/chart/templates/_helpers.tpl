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
