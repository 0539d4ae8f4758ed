{{- define "nats.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nats.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "nats.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nats.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nats.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nats.labels" -}}
{{ include "nats.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "nats.headlessName" -}}
{{ include "nats.fullname" . }}-headless
{{- end }}

{{- define "nats.replicas" -}}
{{- if .Values.config.cluster.enabled }}{{ int .Values.config.cluster.replicas }}{{ else }}1{{ end }}
{{- end }}

{{- define "nats.fileStorePvc" -}}
{{- $js := .Values.config.jetstream -}}
{{- if and $js.enabled $js.fileStore.enabled $js.fileStore.pvc.enabled }}true{{ end }}
{{- end }}

{{/* The nats container; .Values.container.merge is merged over it in the StatefulSet. */}}
{{- define "nats.container" -}}
name: nats
image: {{ printf "%s:%s" .Values.container.image.repository .Values.container.image.tag | quote }}
imagePullPolicy: {{ .Values.container.image.pullPolicy }}
args: ["--config", "/etc/nats-config/nats.conf"]
env:
  - name: SERVER_NAME
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
ports:
  - name: nats
    containerPort: {{ .Values.config.nats.port }}
  {{- if .Values.config.cluster.enabled }}
  - name: cluster
    containerPort: {{ .Values.config.cluster.port }}
  {{- end }}
  {{- if .Values.config.monitor.enabled }}
  - name: monitor
    containerPort: {{ .Values.config.monitor.port }}
  {{- end }}
volumeMounts:
  - name: config
    mountPath: /etc/nats-config
  {{- if eq (include "nats.fileStorePvc" .) "true" }}
  - name: {{ include "nats.fullname" . }}-js
    mountPath: {{ .Values.config.jetstream.fileStore.dir }}
  {{- end }}
{{- end }}
