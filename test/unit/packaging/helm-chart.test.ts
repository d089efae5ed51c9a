// The Helm chart (deploy/helm/portcullis) without a cluster: `helm lint` and `helm template` for
// the default and the production values, every rendered object validated against the
// Kubernetes schemas (kubernetes-validate, PyPI), the security-relevant values asserted, the
// rendered config accepted by our own loader for each service, and the plain manifests in
// deploy/kubernetes/ kept equal to `helm template` (scripts/render-manifests).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import { generateSecrets, writeSecretsDir } from '../../../cli/commands/keys-outputs.js';
import { parseConfigText } from '../../../config/index.js';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const root = repoRoot();
const chart = join(root, 'deploy', 'helm', 'portcullis');
const production = join(chart, 'values-production.yaml');

function tool(envName: string, cached: string, install: string): string {
  const bin = process.env[envName] || join(root, cached);
  if (!existsSync(bin)) {
    assert.fail(`${bin} not found: run ${install} (or set ${envName})`);
  }
  return bin;
}
const helm = (): string => tool('HELM_BIN', '.cache/go-bin/helm', 'scripts/setup/helm');
const kubernetesValidate = (): string =>
  tool(
    'KUBERNETES_VALIDATE_BIN',
    '.cache/kubernetes-validate/bin/kubernetes-validate',
    'scripts/setup/kubernetes-validate',
  );

type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
// biome-ignore lint/suspicious/noExplicitAny: walking rendered manifests
type Any = any;

function template(...args: string[]): { text: string; objects: Obj[] } {
  const text = execFileSync(helm(), ['template', 'portcullis', chart, ...args], {
    encoding: 'utf8',
  });
  const objects = parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
  return { text, objects };
}

const RENDERINGS: Record<string, string[]> = {
  default: [],
  'default with cert-manager and the Prometheus Operator': [
    '--api-versions',
    'cert-manager.io/v1',
    '--api-versions',
    'monitoring.coreos.com/v1',
  ],
  production: ['-f', production],
};

const find = (objects: Obj[], kind: string, name: string): Any => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
};

test('helm lint passes for the default and the production values', () => {
  for (const extra of [[], ['-f', production]]) {
    const r = spawnSync(helm(), ['lint', '--strict', chart, ...extra], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  }
});

test('every rendered object passes kubernetes-validate --strict; custom resources have their required fields', () => {
  const customKinds = new Set([
    'cert-manager.io/v1 Certificate',
    'cert-manager.io/v1 Issuer',
    'monitoring.coreos.com/v1 ServiceMonitor',
  ]);
  const dir = tempDir();
  for (const [name, args] of Object.entries(RENDERINGS)) {
    const { text, objects } = template(...args);
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const r = spawnSync(
      kubernetesValidate(),
      ['--strict', '--kubernetes-version', '1.30.0', file],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, `${name}:\n${r.stdout}${r.stderr}`);
    const passed = r.stdout.split('\n').filter((l) => l.includes(' passed for resource ')).length;
    const custom = objects.filter((o) => customKinds.has(`${o.apiVersion} ${o.kind}`));
    assert.equal(
      passed + custom.length,
      objects.length,
      `${name}: every object was checked\n${r.stdout}${r.stderr}`,
    );
    for (const o of objects.filter((x) => !customKinds.has(`${x.apiVersion} ${x.kind}`))) {
      assert.ok(
        !`${o.apiVersion}`.includes('cert-manager') && !`${o.apiVersion}`.includes('coreos'),
      );
    }
    for (const o of custom as Any[]) {
      if (o.kind === 'Certificate') {
        assert.ok(o.spec.secretName && o.spec.issuerRef?.name, `${o.metadata.name}`);
      } else if (o.kind === 'Issuer') {
        assert.ok(o.spec.selfSigned || o.spec.ca?.secretName, `${o.metadata.name}`);
      } else {
        assert.equal(o.spec.endpoints[0].port, 'metrics');
      }
    }
  }
});

test('the chart renders the security-relevant values: non-root, no privilege escalation, read-only root, gRPC port private, TLS on', () => {
  for (const [name, args] of Object.entries(RENDERINGS)) {
    const { objects } = template(...args);
    const deployments = objects.filter((o) => o.kind === 'Deployment') as Any[];
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [
      'portcullis-authenticate',
      'portcullis-authorize',
      'portcullis-proxy',
    ]);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const where = `${name}: ${d.metadata.name}`;
      assert.equal(pod.securityContext.runAsNonRoot, true, where);
      assert.notEqual(pod.securityContext.runAsUser, 0, where);
      assert.equal(pod.automountServiceAccountToken, false, where);
      assert.equal(pod.hostNetwork ?? false, false, where);
      for (const c of pod.containers) {
        const sc = c.securityContext;
        assert.equal(sc.allowPrivilegeEscalation, false, `${where}/${c.name}`);
        assert.equal(sc.readOnlyRootFilesystem, true, `${where}/${c.name}`);
        assert.equal(sc.privileged, false, `${where}/${c.name}`);
        assert.deepEqual(sc.capabilities.drop, ['ALL'], `${where}/${c.name}`);
        assert.equal(sc.capabilities.add, undefined, `${where}/${c.name}`);
        assert.notEqual(sc.runAsUser, 0, `${where}/${c.name}`);
        assert.ok(c.readinessProbe && c.livenessProbe, `${where}/${c.name} has probes`);
      }
      const portcullis = pod.containers.find((c: Any) => c.name === 'portcullis');
      assert.deepEqual(portcullis.readinessProbe.exec.command, [
        'node',
        '/app/dist/cli/healthcheck.js',
      ]);
      assert.equal(d.spec.template.metadata.annotations['prometheus.io/scrape'], 'true');
    }
    // authorize: Deployment scaled by an HPA, guarded by a PDB, headless Service on 5443 only
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'portcullis-authorize');
    assert.equal(hpa.spec.scaleTargetRef.name, 'portcullis-authorize');
    assert.ok(find(objects, 'PodDisruptionBudget', 'portcullis-authorize').spec.minAvailable >= 1);
    const authzSvc = find(objects, 'Service', 'portcullis-authorize');
    assert.equal(authzSvc.spec.clusterIP, 'None');
    assert.deepEqual(
      authzSvc.spec.ports.map((p: Any) => p.port),
      [5443],
    );
    // the proxy Service exposes Envoy's HTTP port only (never ADS or gRPC)
    const proxySvc = find(objects, 'Service', 'portcullis-proxy');
    assert.deepEqual(
      proxySvc.spec.ports.map((p: Any) => p.targetPort),
      ['http'],
    );

    // NetworkPolicies: default deny; 5443 and 5080 only from the proxy pods
    const deny = find(objects, 'NetworkPolicy', 'portcullis-default-deny');
    assert.deepEqual(deny.spec.ingress, []);
    assert.deepEqual(deny.spec.policyTypes, ['Ingress']);
    for (const [policy, port, component] of [
      ['portcullis-authorize-grpc', 5443, 'authorize'],
      ['portcullis-authenticate-internal', 5080, 'authenticate'],
    ] as const) {
      const np = find(objects, 'NetworkPolicy', policy);
      assert.equal(np.spec.podSelector.matchLabels['app.kubernetes.io/component'], component);
      assert.equal(np.spec.ingress.length, 1);
      assert.deepEqual(np.spec.ingress[0].ports, [{ port, protocol: 'TCP' }]);
      assert.deepEqual(np.spec.ingress[0].from, [
        {
          podSelector: {
            matchLabels: {
              'app.kubernetes.io/name': 'portcullis',
              'app.kubernetes.io/instance': 'portcullis',
              'app.kubernetes.io/component': 'proxy',
            },
          },
        },
      ]);
    }
    for (const np of objects.filter((o) => o.kind === 'NetworkPolicy') as Any[]) {
      for (const rule of np.spec.ingress) {
        for (const p of rule.ports ?? []) {
          if (p.port === 5443 || p.port === 5450 || p.port === 5080) {
            assert.ok(
              rule.from?.length,
              `${name}: ${np.metadata.name} opens ${p.port} to everyone`,
            );
          }
        }
      }
    }

    // TLS on every internal hop
    const config: Any = parseAllDocuments(
      find(objects, 'ConfigMap', 'portcullis').data['config.yaml'],
    )[0]?.toJS();
    assert.equal(config.grpc_insecure, false);
    assert.equal(config.grpc_address, '127.0.0.1:5450');
    assert.deepEqual(config.authorize_service_urls, ['https://portcullis-authorize:5443']);
    assert.equal(config.authenticate_internal_service_url, 'https://portcullis-authenticate:5080');
    assert.ok(
      config.grpc_client_ca_file && config.certificate_file && config.grpc_client_certificate_file,
    );
    for (const key of [
      'shared_secret',
      'cookie_secret',
      'signing_key',
      'idp_client_secret',
      'databroker_storage_connection_string',
    ]) {
      assert.equal(config[key], undefined, `${name}: ${key} is never in the ConfigMap`);
      assert.ok(config[`${key}_file`], `${name}: ${key}_file`);
    }
    const bootstrap = find(objects, 'ConfigMap', 'portcullis').data['envoy-bootstrap.yaml'];
    assert.match(bootstrap, /UpstreamTlsContext/);
    assert.match(bootstrap, /client-key\.pem/);
    const tls = find(objects, 'Deployment', 'portcullis-authorize').spec.template.spec.volumes.find(
      (v: Any) => v.name === 'tls',
    );
    if (name === 'default') assert.equal(tls.secret.secretName, 'portcullis-tls');
    else {
      assert.deepEqual(
        tls.projected.sources.map((s: Any) => s.secret.name),
        ['portcullis-server-tls', 'portcullis-client-tls'],
      );
      const server = find(objects, 'Certificate', 'portcullis-server');
      assert.ok(server.spec.dnsNames.includes('portcullis-authorize'));
      assert.ok(server.spec.dnsNames.includes('portcullis-authenticate'));
      assert.deepEqual(server.spec.ipAddresses, ['127.0.0.1']);
    }
  }
});

/** The config file a portcullis container starts with (`-c /etc/portcullis/config/<file>`). */
const configFileOf = (container: Any): string => {
  const path = container.args[container.args.indexOf('-c') + 1] as string;
  assert.match(path, /^\/etc\/portcullis\/config\/[\w.-]+$/);
  return path.split('/').at(-1) as string;
};

test('the rendered config is accepted by the config loader for each service, with its secrets as files', () => {
  for (const [name, args] of Object.entries(RENDERINGS)) {
    const { objects } = template(...args);
    const dir = tempDir();
    writeSecretsDir(join(dir, 'secrets'), generateSecrets('idp-secret'), false);
    generateTlsFiles({ dir: join(dir, 'tls'), names: ['portcullis-authorize'], configDir: dir });
    writeFileSync(join(dir, 'connection_string'), 'postgres://u:p@db:5432/portcullis\n');
    writeFileSync(join(dir, 'ca.pem'), readFileSync(join(dir, 'tls', 'ca.pem')));
    const data = find(objects, 'ConfigMap', 'portcullis').data as Record<string, string>;
    for (const d of objects.filter((o) => o.kind === 'Deployment') as Any[]) {
      const c = d.spec.template.spec.containers.find((x: Any) => x.name === 'portcullis');
      const text = (data[configFileOf(c)] as string)
        .replaceAll('/etc/portcullis/secrets/', `${dir}/secrets/`)
        .replaceAll('/etc/portcullis-tls/', `${dir}/tls/`)
        .replaceAll('/etc/portcullis/databroker/', `${dir}/`);
      const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
      const { config } = parseConfigText(text, { file: join(dir, 'config.yaml'), env });
      const where = `${name}: ${d.metadata.name}`;
      assert.ok(config.shared_secret, where);
      if (env.SERVICES === 'proxy') {
        // Envoy + ADS: no session, IdP or store secrets.
        assert.equal(config.databroker_storage_connection_string, undefined, where);
        assert.equal(config.cookie_secret, undefined, where);
        assert.equal(config.signing_key, undefined, where);
        assert.equal(config.idp_client_secret, undefined, where);
        continue;
      }
      assert.equal(
        config.databroker_storage_connection_string,
        'postgres://u:p@db:5432/portcullis',
        where,
      );
      assert.equal(config.idp_client_secret, 'idp-secret', where);
    }
  }
});

/** Files a container sees from Secrets: mountPath/path for every item of a secret volume. */
function mountedSecretFiles(pod: Any, container: Any): Set<string> {
  const files = new Set<string>();
  for (const m of container.volumeMounts as Any[]) {
    const v = (pod.volumes as Any[]).find((x) => x.name === m.name);
    assert.ok(v, `volume ${m.name}`);
    const sources: Any[] = v.secret
      ? [v.secret]
      : ((v.projected?.sources ?? []) as Any[]).flatMap((s) => (s.secret ? [s.secret] : []));
    for (const s of sources) {
      assert.ok(Array.isArray(s.items), `volume ${v.name} lists the keys it mounts`);
      for (const item of s.items as Any[]) files.add(`${m.mountPath}/${item.path}`);
    }
  }
  return files;
}

/** The secret files a process reads: `*_file` keys of its config, `filename:` of Envoy's bootstrap. */
function filesRead(text: string, kind: 'config' | 'bootstrap'): Set<string> {
  const re = kind === 'config' ? /^\s*\w+_file: (\S+)$/gm : /filename: (\S+?) *\}?$/gm;
  return new Set([...text.matchAll(re)].map((m) => m[1] as string));
}

test('each pod mounts exactly the secret files its processes read (the proxy pod: shared_secret, TLS; Envoy: the CA and its client certificate)', () => {
  for (const [name, args] of Object.entries(RENDERINGS)) {
    const { objects } = template(...args);
    const data = find(objects, 'ConfigMap', 'portcullis').data as Record<string, string>;
    for (const d of objects.filter((o) => o.kind === 'Deployment') as Any[]) {
      const pod = d.spec.template.spec;
      for (const c of pod.containers as Any[]) {
        const where = `${name}: ${d.metadata.name}/${c.name}`;
        const read =
          c.name === 'envoy'
            ? filesRead(data['envoy-bootstrap.yaml'] as string, 'bootstrap')
            : filesRead(data[configFileOf(c)] as string, 'config');
        assert.ok(read.size > 0, where);
        assert.deepEqual([...mountedSecretFiles(pod, c)].sort(), [...read].sort(), where);
      }
    }
    const proxy = find(objects, 'Deployment', 'portcullis-proxy').spec.template.spec;
    const portcullis = proxy.containers.find((x: Any) => x.name === 'portcullis');
    assert.deepEqual(
      [...mountedSecretFiles(proxy, portcullis)].filter((f) => f.startsWith('/etc/portcullis/')),
      ['/etc/portcullis/secrets/shared_secret'],
      `${name}: the proxy pod holds no cookie secret, signing key, IdP secret or database password`,
    );
  }
});

test('the plain manifests in deploy/kubernetes are exactly what helm template renders (scripts/render-manifests)', () => {
  const dir = join(root, 'deploy', 'kubernetes');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const first = text.split('\n')[0] ?? '';
    const m = /^# helm template (.+)$/.exec(first);
    assert.ok(m, `${f} starts with the command that made it`);
    const args = m[1]!.split(' ').map((a) => (a === 'deploy/helm/portcullis' ? chart : a));
    const rendered = execFileSync(helm(), ['template', ...args], { encoding: 'utf8' });
    const body = text.split('\n').slice(2).join('\n');
    assert.ok(body === rendered, `${f} drifted from the chart: run scripts/render-manifests`);
  }
});
