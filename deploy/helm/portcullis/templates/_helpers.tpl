{{/* Names: <release>-portcullis, or the release name when it already says portcullis. */}}
{{- define "portcullis.fullname" -}}
{{- if contains "portcullis" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-portcullis" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "portcullis.labels" -}}
app.kubernetes.io/name: portcullis
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "authorize"). */}}
{{- define "portcullis.selector" -}}
app.kubernetes.io/name: portcullis
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* "true" when cert-manager issues the internal certificates. */}}
{{- define "portcullis.certManager" -}}
{{- $e := toString .Values.tls.certManager.enabled -}}
{{- if or (eq $e "true") (and (eq $e "auto") (.Capabilities.APIVersions.Has "cert-manager.io/v1")) -}}true{{- end -}}
{{- end -}}

{{- define "portcullis.serviceMonitor" -}}
{{- $e := toString .Values.metrics.serviceMonitor.enabled -}}
{{- if or (eq $e "true") (and (eq $e "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) -}}true{{- end -}}
{{- end -}}

{{/* Pod-level fields shared by every Deployment. */}}
{{- define "portcullis.podSpecCommon" -}}
serviceAccountName: {{ include "portcullis.fullname" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "portcullis.podAnnotations" -}}
{{- if .Values.metrics.annotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Spread replicas over nodes (dict "root" $ "component" "authorize"). */}}
{{- define "portcullis.affinity" -}}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "portcullis.selector" . | nindent 14 }}
{{- end -}}

{{/* The Portcullis container (dict "root" $ "component" "authorize" "services" "authorize" "env" list "ports" list). */}}
{{- define "portcullis.container" -}}
{{- $root := .root -}}
- name: portcullis
  image: "{{ $root.Values.image.repository }}:{{ $root.Values.image.tag }}"
  imagePullPolicy: {{ $root.Values.image.pullPolicy }}
  args: ["start", "-c", "/etc/portcullis/config/{{ .config | default "config.yaml" }}"]
  env:
    - name: SERVICES
      value: {{ .services }}
    - name: PORTCULLIS_HEALTHCHECK_URL
      value: "http://127.0.0.1:{{ $root.Values.metrics.port }}/metrics"
    {{- with .env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    {{- with .ports }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    - name: metrics
      containerPort: {{ $root.Values.metrics.port }}
      protocol: TCP
  # Readiness is portcullis_ready on /metrics (cli/healthcheck.ts: the databroker answers,
  # Envoy accepted its configuration); liveness only asks that the process serves at all.
  startupProbe:
    tcpSocket: { port: metrics }
    periodSeconds: 2
    failureThreshold: 60
  readinessProbe:
    exec:
      command: ["node", "/app/dist/cli/healthcheck.js"]
    periodSeconds: 5
    timeoutSeconds: 4
    failureThreshold: 2
  livenessProbe:
    tcpSocket: { port: metrics }
    periodSeconds: 10
    failureThreshold: 3
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- toYaml $root.Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    - { name: config, mountPath: /etc/portcullis/config, readOnly: true }
    # whole folders, not subPath: a changed ConfigMap or Secret reaches the running process, which reloads it
    - { name: secrets, mountPath: /etc/portcullis/secrets, readOnly: true }
    {{- if ne .services "proxy" }}
    - { name: databroker, mountPath: /etc/portcullis/databroker, readOnly: true }
    {{- end }}
    - { name: tls, mountPath: /etc/portcullis-tls, readOnly: true }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* The volumes the Portcullis container mounts. */}}
{{- define "portcullis.volumes" -}}
- name: config
  configMap:
    name: {{ include "portcullis.fullname" . }}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
    items:
      {{- range list "shared_secret" "cookie_secret" "signing_key" "idp_client_secret" }}
      - { key: {{ . }}, path: {{ . }} }
      {{- end }}
- name: databroker
  secret:
    secretName: {{ .Values.databroker.existingSecret }}
    defaultMode: 0440
    items:
      - { key: {{ .Values.databroker.connectionStringKey }}, path: connection_string }
      {{- if .Values.databroker.caKey }}
      - { key: {{ .Values.databroker.caKey }}, path: ca.pem }
      {{- end }}
{{ include "portcullis.tlsVolume" . }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{/* The proxy pod: shared_secret and the TLS files for portcullis (ADS), the CA and Envoy's
     client certificate for Envoy; no cookie secret, signing key, IdP secret or PostgreSQL. */}}
{{- define "portcullis.proxyVolumes" -}}
- name: config
  configMap:
    name: {{ include "portcullis.fullname" . }}
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
    items:
      - { key: shared_secret, path: shared_secret }
{{ include "portcullis.tlsVolume" . }}
{{ include "portcullis.tlsVolume" (dict "root" . "name" "envoy-tls" "files" (list "ca.pem" "client.pem" "client-key.pem")) }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{/* /etc/portcullis-tls: the same file names from cert-manager's Secrets or from keys generate --tls.
     Called with the root context (every file, volume `tls`) or a dict of root, name and files. */}}
{{- define "portcullis.tlsVolume" -}}
{{- $root := . -}}
{{- $name := "tls" -}}
{{- $files := list "ca.pem" "server.pem" "server-key.pem" "client.pem" "client-key.pem" -}}
{{- if kindIs "map" . }}{{- if hasKey . "root" }}{{ $root = .root }}{{ $name = .name }}{{ $files = .files }}{{- end }}{{- end }}
- name: {{ $name }}
{{- if include "portcullis.certManager" $root }}
  projected:
    defaultMode: 0440
    sources:
      - secret:
          name: {{ include "portcullis.fullname" $root }}-server-tls
          items:
            {{- if has "ca.pem" $files }}
            - { key: ca.crt, path: ca.pem }
            {{- end }}
            {{- if has "server.pem" $files }}
            - { key: tls.crt, path: server.pem }
            - { key: tls.key, path: server-key.pem }
            {{- end }}
      {{- if has "client.pem" $files }}
      - secret:
          name: {{ include "portcullis.fullname" $root }}-client-tls
          items:
            - { key: tls.crt, path: client.pem }
            - { key: tls.key, path: client-key.pem }
      {{- end }}
{{- else }}
  secret:
    secretName: {{ $root.Values.tls.existingSecret }}
    defaultMode: 0440
    items:
      {{- range $files }}
      - { key: {{ . }}, path: {{ . }} }
      {{- end }}
{{- end }}
{{- end -}}
