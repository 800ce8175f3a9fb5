/**
 * The image recipe (deploy/Dockerfile) and compose.yaml, read as a reviewer would:
 * multi-stage with pinned bases, a distroless runtime without build tools or dev
 * dependencies, a numeric non-root user, a healthcheck, OCI labels; compose's two
 * profiles hardened where compose allows. `docker compose config` validates both
 * profiles where a working docker compose is present; otherwise the YAML parse and
 * the structural checks here stand in for it.
 */
import { describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../config/mod.ts';

const ROOT = join(import.meta.dir, '..');
const DOCKERFILE = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Instructions with continuation lines joined, comments dropped. */
const instructions = DOCKERFILE.replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (line.startsWith('FROM ')) stages.push([]);
  stages[stages.length - 1]?.push(line);
}
const final = stages[stages.length - 1] ?? [];
const args = Object.fromEntries(
  instructions.flatMap((l) => {
    const m = l.match(/^ARG (\w+)=(\S+)/);
    return m ? [[m[1], m[2]]] : [];
  }),
);
const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? `\${${name}}`);

describe('deploy/Dockerfile', () => {
  test('multi-stage, every base pinned to a version, Bun the version the lockfile installs', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(args.BUN_VERSION).toBe(lock.packages['node_modules/bun'].version);
    for (const stage of stages) {
      const image = expand((stage[0] as string).split(/\s+/)[1] as string);
      expect(image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/);
    }
  });

  test('the runtime stage: distroless, only production dependencies, no build tools', () => {
    expect(expand(final[0] as string)).toMatch(/distroless/);
    // Nothing is installed or built in the final stage: it only copies from earlier stages.
    expect(final.filter((l) => l.startsWith('RUN '))).toEqual([]);
    const install = instructions.find((l) => /bun install|npm ci/.test(l)) ?? '';
    expect(install).toMatch(/--production|--omit=dev/);
    expect(install).toContain('--frozen-lockfile');
    expect(install).toContain('--ignore-scripts');
    // No whole-context copy that would bring tests, benchmarks or local data along.
    expect(instructions.filter((l) => /^COPY \. /.test(l))).toEqual([]);
  });

  test('runs as a numeric non-root user, with a healthcheck, on a data volume and a read-only root', () => {
    const user = final.find((l) => l.startsWith('USER '));
    expect(user).toMatch(/^USER [1-9]\d*(:[1-9]\d*)?$/);
    expect(final.some((l) => /^HEALTHCHECK .*CMD .*\/healthz/.test(l))).toBe(true);
    const env = final.find((l) => l.startsWith('ENV ')) ?? '';
    expect(env).toContain('SCOPILOT_DATA_DIR=/data');
    expect(env).toContain('SCOPILOT_HTTP__HOST=0.0.0.0');
    // Bun's transpiler cache would write under the read-only root.
    expect(env).toContain('BUN_RUNTIME_TRANSPILER_CACHE_PATH=0');
    expect(final.some((l) => /^COPY .*--chown=10001:10001 .*\/data \/data$/.test(l))).toBe(true);
  });

  test('one image for every role: the role is an argument', () => {
    expect(final).toContain('ENTRYPOINT ["/usr/local/bin/bun", "cli/main.ts"]');
    expect(final).toContain('CMD ["serve", "--role", "all"]');
  });

  test('OCI labels', () => {
    const labels = final.filter((l) => l.startsWith('LABEL ')).join(' ');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision', 'source', 'created'])
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain(`org.opencontainers.image.licenses="${PACKAGE.license}"`);
  });

  test('the copied folders are the ones the product runs from', () => {
    const copied = instructions.flatMap((l) => {
      const m = l.match(/^COPY (\w[\w-]*) \.\/\1$/);
      return m?.[1] === undefined ? [] : [m[1]];
    });
    for (const dir of copied)
      expect({ dir, exists: existsSync(join(ROOT, dir)) }).toEqual({ dir, exists: true });
    expect(copied).toContain('cli');
    expect(copied).not.toContain('test');
    expect(copied).not.toContain('bench');
  });
});

// biome-ignore lint/suspicious/noExplicitAny: compose documents are checked field by field
type Obj = Record<string, any>;
const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as Obj;
const services = compose.services as Record<string, Obj>;
const inProfile = (profile: string) =>
  Object.entries(services).filter(([, s]) => s.profiles?.includes(profile));

describe('compose.yaml', () => {
  test('two profiles: embedded (one process) and nats (3 JetStream servers, one container per role)', () => {
    for (const [name, s] of Object.entries(services))
      expect({ name, profiles: s.profiles?.length }).toEqual({ name, profiles: 1 });
    const embedded = inProfile('embedded');
    expect(embedded.map(([n]) => n)).toEqual(['scopilot']);
    expect(embedded[0]?.[1].command).toEqual(['serve', '--role', 'all']);
    expect(embedded[0]?.[1].environment.SCOPILOT_NATS_URL).toBeUndefined();
    const nats = inProfile('nats');
    const servers = nats.filter(([, s]) => String(s.image).startsWith('nats:'));
    expect(servers).toHaveLength(3);
    for (const [name, s] of servers) {
      expect(s.command).toContain('-js');
      expect(s.command).toContain('--routes');
      expect(s.volumes).toEqual([`${name}-data:/data`]);
    }
    const roles = nats.filter(([, s]) => s.image === `segmentation-copilot:${PACKAGE.version}`);
    expect(roles.map(([, s]) => s.command[2]).sort()).toEqual([
      'edge',
      'engine',
      'scheduler',
      'tail',
      'threat',
    ]);
    for (const [, s] of roles) {
      expect(s.environment.SCOPILOT_NATS_URL.split(',')).toHaveLength(3);
      expect(s.environment.SCOPILOT_NATS__REPLICAS).toBe('3');
    }
  });

  test('every container hardened where compose allows', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, read_only: s.read_only }).toEqual({ name, read_only: true });
      expect({ name, cap_drop: s.cap_drop }).toEqual({ name, cap_drop: ['ALL'] });
      expect({ name, security_opt: s.security_opt }).toEqual({
        name,
        security_opt: ['no-new-privileges:true'],
      });
      expect(s.tmpfs.some((t: string) => t.startsWith('/tmp'))).toBe(true);
      expect(s.privileged ?? false).toBe(false);
      expect(s.healthcheck?.test?.[0]).toBe('CMD');
      if (s.image.startsWith('segmentation-copilot:')) {
        expect({ name, user: s.user }).toEqual({ name, user: '10001:10001' });
        expect(s.build.dockerfile).toBe('deploy/Dockerfile');
      }
    }
    expect(services.scopilot?.volumes).toContain('scopilot-data:/data');
  });

  test('every SCOPILOT_ setting it passes is one the product knows', () => {
    for (const [, s] of Object.entries(services)) {
      if (!String(s.image).startsWith('segmentation-copilot:')) continue;
      const env = Object.fromEntries(
        Object.entries(s.environment as Record<string, string>).map(([k, v]) => [
          k,
          String(v).replace(/\$\{\w+:-([^}]*)\}/, '$1'),
        ]),
      );
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  const docker = Bun.which('docker');
  const composeWorks =
    docker !== null &&
    Bun.spawnSync([docker, 'compose', 'version'], { stdout: 'pipe', stderr: 'pipe' }).exitCode === 0;
  test.skipIf(!composeWorks)('docker compose config validates both profiles', () => {
    for (const profile of ['embedded', 'nats']) {
      const proc = Bun.spawnSync([docker as string, 'compose', '--profile', profile, 'config', '--quiet'], {
        cwd: ROOT,
        stdout: 'pipe',
        stderr: 'pipe',
      });
      expect({ profile, code: proc.exitCode, stderr: proc.stderr.toString() }).toEqual({
        profile,
        code: 0,
        stderr: '',
      });
    }
  });
});
