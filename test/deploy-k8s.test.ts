/**
 * deploy/k8s rendered as a platform team applies it (`kubectl kustomize`), checked
 * against the rules a restricted cluster admits: every container hardened with probes,
 * resources and a pinned image; every multi-replica workload under a PDB; HPAs aimed at
 * Deployments that exist; a default-deny network with only the flows each role needs;
 * Secrets referenced, never inlined; JetStream on 3 servers with the product told so.
 * Without kubectl the suite is skipped with one loud line (SCOPILOT_TEST_REQUIRE_KUBECTL=1,
 * as in .ci/run, makes that a failure).
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../config/mod.ts';

const ROOT = join(import.meta.dir, '..');
const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const kubectl = Bun.which('kubectl');
if (kubectl === null) {
  if (process.env.SCOPILOT_TEST_REQUIRE_KUBECTL === '1')
    throw new Error('SCOPILOT_TEST_REQUIRE_KUBECTL=1 but kubectl is not on the PATH');
  console.error('\n!!! KUBERNETES MANIFEST TESTS SKIPPED: kubectl is not on the PATH. !!!\n');
}

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field
type Obj = Record<string, any>;

function render(overlay: string): Obj[] {
  const proc = Bun.spawnSync(
    [kubectl ?? 'kubectl', 'kustomize', join(ROOT, 'deploy/k8s/overlays', overlay)],
    {
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  if (proc.exitCode !== 0) throw new Error(`kubectl kustomize ${overlay}: ${proc.stderr.toString()}`);
  return parseAllDocuments(proc.stdout.toString()).map((d) => {
    if (d.errors.length > 0) throw new Error(d.errors.join('; '));
    return d.toJS() as Obj;
  });
}

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];
const podSpec = (w: Obj): Obj => w.spec.template.spec;
const matches = (selector: Obj, labels: Obj) =>
  Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (selector.matchExpressions ?? []).every((e: Obj) =>
    e.operator === 'In'
      ? e.values.includes(labels[e.key])
      : e.operator !== 'NotIn' || !e.values.includes(labels[e.key]),
  );

const describeK8s = kubectl === null ? describe.skip : describe;

for (const overlay of ['production', 'embedded']) {
  describeK8s(`deploy/k8s/overlays/${overlay}`, () => {
    const objects = kubectl === null ? [] : render(overlay);
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    const workloads = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
    const product = of('Deployment').filter(
      (d) => d.metadata.labels?.['app.kubernetes.io/name'] === 'segmentation-copilot',
    );

    test('one namespace, enforcing the restricted Pod Security Standard, holds everything', () => {
      const namespaces = of('Namespace');
      expect(namespaces).toHaveLength(1);
      const ns = namespaces[0] as Obj;
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      for (const o of objects.filter((x) => x.kind !== 'Namespace'))
        expect(o.metadata.namespace).toBe(ns.metadata.name);
    });

    test('every container is hardened, sized, probed and pinned', () => {
      expect(workloads.length).toBeGreaterThan(0);
      for (const w of workloads) {
        const spec = podSpec(w);
        expect(spec.securityContext.runAsNonRoot).toBe(true);
        expect(spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
        expect(spec.automountServiceAccountToken).toBe(false);
        expect(spec.hostNetwork ?? false).toBe(false);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${w.kind}/${w.metadata.name} ${c.name}`;
          const sc = c.securityContext ?? {};
          expect({ where, runAsNonRoot: sc.runAsNonRoot ?? spec.securityContext.runAsNonRoot }).toEqual({
            where,
            runAsNonRoot: true,
          });
          expect({ where, escalation: sc.allowPrivilegeEscalation }).toEqual({ where, escalation: false });
          expect({ where, readOnlyRoot: sc.readOnlyRootFilesystem }).toEqual({ where, readOnlyRoot: true });
          expect({ where, drop: sc.capabilities?.drop }).toEqual({ where, drop: ['ALL'] });
          expect({ where, add: sc.capabilities?.add }).toEqual({ where, add: undefined });
          expect(sc.seccompProfile?.type ?? spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
          for (const r of ['cpu', 'memory']) {
            expect({ where, r, request: c.resources?.requests?.[r] !== undefined }).toEqual({
              where,
              r,
              request: true,
            });
            expect({ where, r, limit: c.resources?.limits?.[r] !== undefined }).toEqual({
              where,
              r,
              limit: true,
            });
          }
          expect({ where, readiness: c.readinessProbe?.httpGet !== undefined }).toEqual({
            where,
            readiness: true,
          });
          expect({ where, liveness: c.livenessProbe?.httpGet !== undefined }).toEqual({
            where,
            liveness: true,
          });
          // A tag, never latest (or a digest).
          expect({ where, image: /(:(?!latest$)[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(c.image) }).toEqual({
            where,
            image: true,
          });
        }
      }
    });

    test("the product's pods: /readyz and /healthz, the release's image, data and tmp on volumes", () => {
      expect(product.length).toBeGreaterThan(0);
      for (const d of product) {
        const c = podSpec(d).containers[0];
        expect(c.image).toBe(`segmentation-copilot:${VERSION}`);
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.securityContext.runAsUser).toBe(10001);
        const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.mountPath, m.name]));
        expect(Object.keys(mounts).sort()).toEqual(['/data', '/tmp']);
        expect(c.args.slice(0, 2)).toEqual(['serve', '--role']);
      }
    });

    test('Secrets are referenced, never inlined', () => {
      expect(of('Secret')).toEqual([]);
      for (const d of product) {
        const c = podSpec(d).containers[0];
        expect(c.envFrom.some((e: Obj) => e.secretRef?.name === 'scopilot-secrets')).toBe(true);
        for (const e of c.env ?? [])
          if (/KEY|TOKEN|PASSWORD|SECRET/.test(e.name))
            expect({ name: e.name, value: e.value }).toEqual({ name: e.name, value: undefined });
      }
      for (const cm of of('ConfigMap'))
        for (const name of Object.keys(cm.data ?? {})) expect(name).not.toMatch(/KEY|TOKEN|PASSWORD|SECRET/);
    });

    test('every multi-replica workload has a PDB, and every HPA targets a Deployment here', () => {
      const hpas = of('HorizontalPodAutoscaler');
      for (const h of hpas) {
        const target = workloads.find(
          (w) => w.kind === h.spec.scaleTargetRef.kind && w.metadata.name === h.spec.scaleTargetRef.name,
        );
        expect({ hpa: h.metadata.name, target: target !== undefined }).toEqual({
          hpa: h.metadata.name,
          target: true,
        });
        expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
      }
      for (const w of workloads) {
        const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === w.metadata.name);
        const replicas = Math.max(w.spec.replicas ?? 1, hpa?.spec.minReplicas ?? 0);
        if (replicas < 2) continue;
        const labels = w.spec.template.metadata.labels;
        const pdbs = of('PodDisruptionBudget').filter((p) => matches(p.spec.selector, labels));
        expect({ workload: w.metadata.name, pdbs: pdbs.length }).toEqual({
          workload: w.metadata.name,
          pdbs: 1,
        });
      }
    });

    test('network: default deny for every pod, then named flows only', () => {
      const policies = of('NetworkPolicy');
      const deny = policies.find(
        (p) =>
          Object.keys(p.spec.podSelector).length === 0 &&
          p.spec.ingress === undefined &&
          p.spec.egress === undefined,
      );
      expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
      // Nothing allows all traffic: every rule names its peers and its ports.
      for (const p of policies)
        for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
          expect({ policy: p.metadata.name, peers: (rule.from ?? rule.to ?? []).length > 0 }).toEqual({
            policy: p.metadata.name,
            peers: true,
          });
          expect({ policy: p.metadata.name, ports: (rule.ports ?? []).length > 0 }).toEqual({
            policy: p.metadata.name,
            ports: true,
          });
        }
      // The edge (or the one pod) takes HTTP from the ingress controller.
      const http = product.find((d) =>
        ['edge', undefined].includes(d.metadata.labels['app.kubernetes.io/component']),
      );
      const labels = http?.spec.template.metadata.labels ?? {};
      const fromIngress = policies.filter(
        (p) =>
          matches(p.spec.podSelector, labels) &&
          (p.spec.ingress ?? []).some((r: Obj) =>
            r.from.some(
              (f: Obj) =>
                f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'ingress-nginx',
            ),
          ),
      );
      expect(fromIngress.length).toBe(1);
      // Public HTTPS only on 443, never to private ranges.
      const https = policies.flatMap((p) =>
        (p.spec.egress ?? []).filter((r: Obj) => r.to.some((t: Obj) => t.ipBlock?.cidr === '0.0.0.0/0')),
      );
      expect(https.length).toBeGreaterThan(0);
      for (const rule of https) {
        expect(rule.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
        expect(rule.to[0].ipBlock.except).toContain('10.0.0.0/8');
      }
    });

    test('every SCOPILOT_ setting it sets is one the product knows', () => {
      const env: Record<string, string> = {};
      for (const cm of of('ConfigMap').filter((c) => c.metadata.name.startsWith('scopilot-config')))
        Object.assign(env, cm.data);
      for (const d of product)
        for (const e of podSpec(d).containers[0].env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      expect(() => loadConfig(env)).not.toThrow();
    });

    if (overlay === 'production') {
      test('each role is its own Deployment; edge and engine scale; tail never runs twice', () => {
        const roles = Object.fromEntries(product.map((d) => [podSpec(d).containers[0].args[2], d]));
        expect(Object.keys(roles).sort()).toEqual(['edge', 'engine', 'scheduler', 'tail', 'threat']);
        expect(
          of('HorizontalPodAutoscaler')
            .map((h) => h.spec.scaleTargetRef.name)
            .sort(),
        ).toEqual(['scopilot-edge', 'scopilot-engine']);
        expect(roles.tail?.spec.replicas).toBe(1);
        expect(roles.tail?.spec.strategy.type).toBe('Recreate');
        expect(roles.scheduler?.spec.replicas).toBe(2);
        const ingress = of('Ingress')[0] as Obj;
        const backend = ingress.spec.rules[0].http.paths[0].backend.service.name;
        const service = of('Service').find((s) => s.metadata.name === backend) as Obj;
        expect(service.spec.selector['app.kubernetes.io/component']).toBe('edge');
      });

      test('NATS: a 3-server JetStream StatefulSet on volumes, and the product told to replicate 3 ways', () => {
        const nats = of('StatefulSet').find((s) => s.metadata.name === 'nats') as Obj;
        expect(nats.spec.replicas).toBe(3);
        expect(nats.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
        const config = of('ConfigMap').find((c) => c.metadata.name.startsWith('nats-config')) as Obj;
        const conf = config.data['nats.conf'] as string;
        expect(conf).toMatch(/jetstream\s*\{[^}]*store_dir:\s*\/data/);
        expect(conf).toMatch(/cluster\s*\{/);
        expect(conf.match(/nats:\/\/nats-\d\.nats-headless:6222/g)).toHaveLength(3);
        expect(
          podSpec(nats).containers[0].volumeMounts.some(
            (m: Obj) => m.name === 'data' && m.mountPath === '/data',
          ),
        ).toBe(true);
        const settings =
          of('ConfigMap').find((c) => c.metadata.name.startsWith('scopilot-config'))?.data ?? {};
        expect(settings.SCOPILOT_NATS__REPLICAS).toBe('3');
        expect(settings.SCOPILOT_NATS_URL.split(',')).toHaveLength(3);
        const pdb = of('PodDisruptionBudget').find((p) => p.metadata.name === 'nats');
        expect(pdb?.spec.maxUnavailable).toBe(1);
      });
    } else {
      test('one pod of every role on a PersistentVolumeClaim, replaced not rolled', () => {
        expect(product).toHaveLength(1);
        const d = product[0] as Obj;
        expect(d.spec.replicas).toBe(1);
        expect(d.spec.strategy.type).toBe('Recreate');
        expect(podSpec(d).containers[0].args).toEqual(['serve', '--role', 'all']);
        const data = podSpec(d).volumes.find((v: Obj) => v.name === 'data');
        expect(data.emptyDir).toBeUndefined();
        expect(of('PersistentVolumeClaim').map((p) => p.metadata.name)).toEqual([
          data.persistentVolumeClaim.claimName,
        ]);
        const settings =
          of('ConfigMap').find((c) => c.metadata.name.startsWith('scopilot-config'))?.data ?? {};
        expect(settings.SCOPILOT_NATS_URL).toBeUndefined();
      });
    }
  });
}

describe('deploy/k8s/overlays/embedded/maintenance-pod.yaml (backups, docs/runbook.md)', () => {
  test("hardened like the overlay's pod, on its volume, with its image", () => {
    const pod = parse(
      readFileSync(join(ROOT, 'deploy/k8s/overlays/embedded/maintenance-pod.yaml'), 'utf8'),
    ) as Obj;
    const c = pod.spec.containers[0];
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(pod.spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.image).toBe(`segmentation-copilot:${VERSION}`);
    expect(pod.spec.volumes.find((v: Obj) => v.name === 'data').persistentVolumeClaim.claimName).toBe(
      'scopilot-data',
    );
  });
});
