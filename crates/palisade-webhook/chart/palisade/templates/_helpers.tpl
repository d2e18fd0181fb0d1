{{- define "palisade.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "palisade.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "palisade.labels" -}}
app.kubernetes.io/name: {{ include "palisade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "palisade.selectorLabels" -}}
app.kubernetes.io/name: {{ include "palisade.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "palisade.serviceAccountName" -}}
{{- default (include "palisade.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "palisade.tlsSecret" -}}
{{- default (printf "%s-tls" (include "palisade.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{- define "palisade.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* CA bundle and serving certificate made once per render, shared by the Secret and the webhooks. */}}
{{- define "palisade.generatedTLS" -}}
{{- $svc := printf "%s.%s.svc" (include "palisade.fullname" .) .Release.Namespace -}}
{{- $ca := genCA (printf "%s-ca" (include "palisade.fullname" .)) 3650 -}}
{{- $cert := genSignedCert $svc nil (list $svc (printf "%s.cluster.local" $svc)) 3650 $ca -}}
{{- dict "ca" ($ca.Cert | b64enc) "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc) | toJson -}}
{{- end -}}

{{- define "palisade.webhookCommon" -}}
admissionReviewVersions: [v1]
sideEffects: NoneOnDryRun
timeoutSeconds: {{ .Values.timeoutSeconds }}
failurePolicy: {{ .Values.failurePolicy }}
matchPolicy: Equivalent
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ concat (list .Release.Namespace) .Values.excludeNamespaces | toJson }}
rules: {{ toJson .Values.rules }}
{{- end -}}
