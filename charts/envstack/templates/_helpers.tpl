{{/* Hand-written. The generated templates (templates/generated/, from `npm run synth`) call these. */}}

{{- define "envstack.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "envstack.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "envstack.controllerName" -}}
{{- printf "%s-controller" (include "envstack.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "envstack.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "envstack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: envstack
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "envstack.selectorLabels" -}}
app.kubernetes.io/name: {{ include "envstack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "envstack.controllerLabels" -}}
{{ include "envstack.labels" . }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "envstack.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create -}}
{{- default (include "envstack.controllerName" .) .Values.controller.serviceAccount.name -}}
{{- else -}}
{{- required "controller.serviceAccount.name is required when controller.serviceAccount.create is false" .Values.controller.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "envstack.image" -}}
{{- $i := .Values.controller.image -}}
{{- $repo := ternary $i.repository (printf "%s/%s" (trimSuffix "/" $i.registry) $i.repository) (empty $i.registry) -}}
{{- if $i.digest -}}
{{- printf "%s@%s" $repo $i.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion $i.tag) -}}
{{- end -}}
{{- end -}}

{{/*
A Crossplane package reference (list $ "org/name:tag"), fully qualified: .Values.packageRegistry when it is set
(a mirror of everything), else .Values.packageRegistries.<org>. Fails, rather than render an object the API server
rejects, when the result does not match the rule of Crossplane's package CRDs (a registry host with a dot, a
repository, and a tag or digest).
*/}}
{{- define "envstack.package" -}}
{{- $root := index . 0 -}}
{{- $ref := index . 1 -}}
{{- $org := first (splitList "/" $ref) -}}
{{- $registry := $root.Values.packageRegistry | default (get ($root.Values.packageRegistries | default dict) $org) | default "" | trimSuffix "/" -}}
{{- $full := ternary $ref (printf "%s/%s" $registry $ref) (empty $registry) -}}
{{- if not (regexMatch "^[^\\./]+(\\.[^\\./]+)+(/[^/:@]+)+(:[^:@]+(@sha256.+)?|@sha256.+)$" $full) -}}
{{- fail (printf "package %q is not fully qualified, so Crossplane would reject it: a package needs a registry host with a dot, a repository and a tag (e.g. xpkg.crossplane.io/crossplane-contrib/function-auto-ready:v0.7.0). Set packageRegistry (one registry or mirror for every package) or packageRegistries.%s to such a host, e.g. registry.example.com:5000" $full $org) -}}
{{- end -}}
{{- $full -}}
{{- end -}}

{{/*
The annotations key of an object, or nothing. (dict "root" $ "wave" "-10" "skipDryRun" true "keep" true)
wave/skipDryRun are Argo CD sync hints (harmless to Helm); keep protects objects whose deletion would
cascade to every environment (definitions, providers) from `helm uninstall` and from Argo CD pruning.
*/}}
{{- define "envstack.annotations" -}}
{{- $root := .root -}}
{{- $a := dict -}}
{{- $opts := list -}}
{{- if $root.Values.argocd.annotations -}}
{{- if hasKey . "wave" -}}
{{- $_ := set $a "argocd.argoproj.io/sync-wave" (toString .wave) -}}
{{- end -}}
{{- if .skipDryRun -}}
{{- $opts = append $opts "SkipDryRunOnMissingResource=true" -}}
{{- end -}}
{{- end -}}
{{- if and .keep $root.Values.keepOnUninstall -}}
{{- $_ := set $a "helm.sh/resource-policy" "keep" -}}
{{- if $root.Values.argocd.annotations -}}
{{- $opts = append $opts "Delete=false" -}}
{{- end -}}
{{- end -}}
{{- if $opts -}}
{{- $_ := set $a "argocd.argoproj.io/sync-options" (join "," $opts) -}}
{{- end -}}
{{- with .extra -}}
{{- $a = merge $a . -}}
{{- end -}}
{{- if $a -}}
annotations:
  {{- toYaml $a | nindent 2 }}
{{- end -}}
{{- end -}}
