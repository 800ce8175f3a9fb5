/**
 * Every setting, once (DESIGN §10). Environment variables `SCOPILOT_*` map to
 * this tree with `__` between groups and `_` words turned camelCase:
 * `SCOPILOT_API__REQUIRE_AUTH` → `api.requireAuth`. Values arrive as strings
 * and are coerced here; defaults live here and nowhere else.
 */
import * as v from 'valibot';
import { TENANT_ID } from '../streams/tenant.ts';

const text = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'));
const secret = text;
const url = v.pipe(v.string(), v.trim(), v.url('must be a URL'));
const natsUrl = v.pipe(
  v.string(),
  v.trim(),
  v.regex(
    /^(nats|tls|wss?):\/\/[^\s]+(,(nats|tls|wss?):\/\/[^\s]+)*$/,
    'must be nats://host:port (comma-separated for a cluster)',
  ),
);
const bool = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.picklist(['true', 'false', '1', '0', 'yes', 'no'], 'must be true or false'),
  v.transform((s) => s === 'true' || s === '1' || s === 'yes'),
);
const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/, 'must be a whole number'),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const Role = v.picklist(['viewer', 'operator', 'admin']);
/**
 * Whose key it is, as an email: audit records then name the person, and the
 * four-eyes rule recognises them on every channel (WebEx names people by email).
 */
const KeyUser = v.optional(
  v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(200), v.email('user must be an email')),
);
export const ApiKey = v.union(
  [
    v.strictObject({
      token: v.pipe(v.string(), v.minLength(16, 'tokens need at least 16 characters')),
      tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
      role: Role,
      user: KeyUser,
    }),
    v.strictObject({
      sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits')),
      tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
      role: Role,
      user: KeyUser,
    }),
  ],
  'must be {token, tenant, role, user?} or {sha256, tenant, role, user?}; tokens need at least 16 characters, roles are viewer, operator or admin, user an email',
);
export type ApiKey = v.InferOutput<typeof ApiKey>;

const apiKeys = v.pipe(
  v.string(),
  v.parseJson(undefined, 'must be JSON'),
  v.array(ApiKey, 'must be a JSON list of {token|sha256, tenant, role}'),
);

/** Comma-separated emails or `@domain` entries. */
const approvers = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  ),
  v.array(
    v.pipe(
      v.string(),
      v.regex(/^([^@\s]+@[^@\s]+\.[^@\s]+|@[^@\s]+\.[^@\s]+)$/, 'must be an email or @domain'),
    ),
  ),
);

/** An IPv4 or IPv6 address, optionally with a prefix length. */
const CIDR = /^([0-9.]+|[0-9a-fA-F:.]+)(\/\d{1,3})?$/;

/** One remote log file followed over SSH. Give a key file or a password, and pin the host key. */
export const SshSource = v.pipe(
  v.strictObject({
    host: text,
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)), 22),
    username: text,
    path: v.pipe(v.string(), v.startsWith('/', 'must be an absolute path')),
    tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
    privateKeyFile: v.optional(text),
    passphrase: v.optional(v.string()),
    password: v.optional(v.string()),
    /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; or give knownHostsFile. */
    hostKeyFingerprint: v.optional(
      v.pipe(v.string(), v.regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be SHA256:<base64>')),
    ),
    knownHostsFile: v.optional(text),
  }),
  v.check(
    (s) => s.privateKeyFile !== undefined || s.password !== undefined,
    'needs privateKeyFile or password',
  ),
  v.check(
    (s) => s.hostKeyFingerprint !== undefined || s.knownHostsFile !== undefined,
    'needs hostKeyFingerprint or knownHostsFile: an unverified host key is never accepted',
  ),
);
export type SshSource = v.InferOutput<typeof SshSource>;

/**
 * A duration as people write it: `24h`, `30m`, `90s`, `0s`, `1d`, `1h30m`;
 * read as milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const Duration = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(/^(\d{1,6}(ms|s|m|h|d))+$/, 'must be a duration such as 24h, 30m, 90s or 0s'),
  v.transform((s) => {
    let ms = 0;
    for (const m of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    return ms;
  }),
  v.maxValue(365 * 86_400_000, 'must be at most a year'),
);

/** A ratio 0–1 written as a decimal (`0.99`). */
export const Ratio = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?|\.\d{1,6})$/, 'must be a number from 0 to 1, such as 0.99'),
  v.transform(Number),
);

/** One more tenant's ISE (the default tenant's is the `SCOPILOT_ISE__*` settings themselves). */
export const IseTenantSettings = v.pipe(
  v.strictObject({
    tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
    url: v.pipe(v.string(), v.trim(), v.regex(/^https:\/\/[^\s/]+/, 'must be an https:// URL')),
    username: text,
    password: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
    /** A file holding the password (a mounted secret); its trailing newline is ignored. */
    passwordFile: v.optional(text),
    caFile: v.optional(text),
    insecure: v.optional(v.boolean(), false),
    monitorSoak: v.optional(Duration),
    denyDefaultMinReadiness: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  }),
  v.check(
    (s) => (s.password === undefined) !== (s.passwordFile === undefined),
    'needs password or passwordFile (one of them)',
  ),
);
export type IseTenantSettings = v.InferOutput<typeof IseTenantSettings>;

/** One tenant's quotas, replacing the defaults of `SCOPILOT_QUOTAS__*` for that tenant; 0 is no limit. */
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000_000));
export const TenantQuotas = v.strictObject({
  tenant: v.pipe(v.string(), v.regex(TENANT_ID, 'must be a tenant id')),
  linesPerSecond: v.optional(count),
  flows: v.optional(count),
  openProposals: v.optional(count),
  llmCallsPerHour: v.optional(count),
});

/** A settings group: every key optional, so an absent group takes all its defaults. */
const group = <T extends v.ObjectEntries>(entries: T) =>
  v.optional(v.strictObject(entries), {} as v.InferInput<v.StrictObjectSchema<T, undefined>>);

export const ConfigSchema = v.strictObject({
  natsUrl: v.optional(natsUrl),
  natsName: v.optional(text),
  /**
   * How to reach NATS beyond its URLs (comma-separated seeds in SCOPILOT_NATS_URL): credentials,
   * TLS, and the replica count of every stream and bucket. Files are read at start-up (config/nats.ts).
   */
  nats: v.optional(
    v.pipe(
      v.strictObject({
        /** Replicas of every stream and KV bucket: 3 needs a JetStream cluster of at least three servers. */
        replicas: v.optional(
          v.pipe(
            v.string(),
            v.trim(),
            v.picklist(['1', '3'], 'must be 1 or 3'),
            v.transform((s) => Number(s) as 1 | 3),
          ),
          '1',
        ),
        user: v.optional(text),
        password: v.optional(secret),
        token: v.optional(secret),
        /** A file holding an NKey user seed (SU…). */
        nkeySeedFile: v.optional(text),
        /** A `.creds` file (user JWT and seed), as `nsc` writes it. */
        credsFile: v.optional(text),
        /** PEM CA bundle that signed the servers' certificates; setting it requires TLS. */
        tlsCaFile: v.optional(text),
        /** Client certificate and key, for servers that verify clients. */
        tlsCertFile: v.optional(text),
        tlsKeyFile: v.optional(text),
      }),
      v.forward(
        v.check(
          (s) => (s.user === undefined) === (s.password === undefined),
          'SCOPILOT_NATS__USER and SCOPILOT_NATS__PASSWORD go together',
        ),
        ['user'],
      ),
      v.forward(
        v.check(
          (s) => [s.user, s.token, s.nkeySeedFile, s.credsFile].filter((x) => x !== undefined).length <= 1,
          'one way to authenticate: user and password, token, NKey seed or creds file',
        ),
        ['user'],
      ),
      v.forward(
        v.check(
          (s) => (s.tlsCertFile === undefined) === (s.tlsKeyFile === undefined),
          'SCOPILOT_NATS__TLS_CERT_FILE and SCOPILOT_NATS__TLS_KEY_FILE go together',
        ),
        ['tlsCertFile'],
      ),
    ),
    {},
  ),
  /**
   * Unset: the subject, stream and bucket names of DESIGN §4–5. Set (e.g. `staging`): every
   * name gets this prefix, so several installations can share one NATS account.
   */
  namespace: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z][a-z0-9]{0,30}$/, 'must match [a-z][a-z0-9]{0,30}')),
  ),
  dataDir: v.optional(text, './data'),
  defaultTenantId: v.optional(
    v.pipe(v.string(), v.regex(TENANT_ID, 'must be a tenant id ([a-z0-9][a-z0-9-]{0,62})')),
    'default',
  ),
  logLevel: v.optional(v.picklist(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info'),
  /**
   * `auto`: readable lines when stdout is a terminal, JSON lines otherwise (a
   * log collector, a pipe, a file); `json` or `pretty` force one.
   */
  logFormat: v.optional(v.picklist(['auto', 'json', 'pretty']), 'auto'),
  http: group({
    host: v.optional(text, '127.0.0.1'),
    port: v.optional(int(0, 65535), '8000'),
    /**
     * Comma-separated origins the dashboard is reached under behind a proxy that
     * rewrites Host (e.g. `https://scopilot.example.com`); its CSRF check accepts them.
     */
    trustedOrigins: v.optional(
      v.pipe(
        v.string(),
        v.transform((s) =>
          s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
        v.array(
          v.pipe(
            v.string(),
            v.regex(/^https?:\/\/[^/\s]+$/, 'must be an origin: http(s)://host[:port], no path'),
            v.transform((o) => new URL(o).origin),
          ),
        ),
      ),
      '',
    ),
  }),
  api: group({
    requireAuth: v.optional(bool, 'true'),
    /** Requests per minute one caller (API key, OIDC subject or session) may make, across all replicas; 0 is no limit. */
    requestsPerMinute: v.optional(int(0, 1_000_000), '1200'),
    apiKeys: v.optional(apiKeys, '[]'),
    oidcJwksUrl: v.optional(url),
    oidcIssuer: v.optional(text),
    oidcAudience: v.optional(text),
  }),
  /**
   * What one tenant may use, so a noisy one cannot slow the others (docs/cluster.md). Every quota
   * is per tenant and shared by all replicas; 0 is no limit. A tenant over a quota is held back
   * and counted (`scopilot_quota_throttled_total`), never dropped without a trace.
   */
  quotas: group({
    /** Syslog lines read per second (tail, SSH, syslog listeners and REST ingest together). */
    linesPerSecond: v.optional(int(0, 1_000_000_000), '50000'),
    /** Distinct flows in the inventory. */
    flows: v.optional(int(0, 1_000_000_000), '250000'),
    /** Proposals open (undecided) at once. */
    openProposals: v.optional(int(0, 1_000_000_000), '500'),
    /** Classification calls to the LLM per hour; beyond it flows are classified by the heuristics. */
    llmCallsPerHour: v.optional(int(0, 1_000_000_000), '120'),
    /** Other quotas for some tenants: a JSON list of {"tenant", "linesPerSecond"?, "flows"?, …}. */
    tenants: v.optional(
      v.pipe(
        v.string(),
        v.parseJson(undefined, 'must be JSON'),
        v.array(
          TenantQuotas,
          'must be a JSON list of {"tenant", "linesPerSecond"?, "flows"?, "openProposals"?, "llmCallsPerHour"?}',
        ),
        v.check((l) => new Set(l.map((t) => t.tenant)).size === l.length, 'each tenant may appear once'),
      ),
      '[]',
    ),
  }),
  engine: group({
    passivateAfterSeconds: v.optional(int(1, 86_400), '300'),
    ackWaitSeconds: v.optional(int(1, 3_600), '30'),
    maxDeliver: v.optional(int(1, 1_000), '5'),
    leaseSeconds: v.optional(int(2, 600), '15'),
  }),
  tail: group({
    /** Log files the tail role follows: a JSON list of {"path", "tenant"}. */
    files: v.optional(
      v.pipe(
        v.string(),
        v.parseJson(undefined, 'must be JSON'),
        v.array(
          v.strictObject({
            path: v.pipe(v.string(), v.minLength(1)),
            tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
          }),
          'must be a JSON list of {"path": "/var/log/…", "tenant": "acme"}',
        ),
      ),
      '[]',
    ),
    /** A file with no saved position is read from its start, or only what is appended (`end`). */
    from: v.optional(v.picklist(['start', 'end']), 'end'),
    /** Remote log files followed over SSH: a JSON list of SshSource. */
    ssh: v.optional(
      v.pipe(
        v.string(),
        v.parseJson(undefined, 'must be JSON'),
        v.array(SshSource, 'must be a JSON list of {"host", "username", "path", "tenant", …}'),
      ),
      '[]',
    ),
  }),
  syslog: v.optional(
    v.pipe(
      v.strictObject({
        /** Address the receiver binds to. */
        host: v.optional(text, '0.0.0.0'),
        /** Unset: that listener is off. */
        udpPort: v.optional(int(1, 65535)),
        tcpPort: v.optional(int(1, 65535)),
        tlsPort: v.optional(int(1, 65535)),
        tlsCertFile: v.optional(text),
        tlsKeyFile: v.optional(text),
        /** SO_RCVBUF asked for on the UDP socket; unprivileged, Linux caps it at net.core.rmem_max. */
        udpRcvbufBytes: v.optional(int(1_024, 1_073_741_824), '8388608'),
        /** Which tenant a sender's lines belong to; a sender that matches no entry is dropped and counted. */
        senders: v.optional(
          v.pipe(
            v.string(),
            v.parseJson(undefined, 'must be JSON'),
            v.array(
              v.strictObject({
                from: v.pipe(v.string(), v.regex(CIDR, 'must be an address or CIDR')),
                tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
              }),
              'must be a JSON list of {"from": "10.1.0.0/16", "tenant": "acme"}',
            ),
          ),
          '[]',
        ),
      }),
      v.forward(
        v.check(
          (s) => s.tlsPort === undefined || (s.tlsCertFile !== undefined && s.tlsKeyFile !== undefined),
          'a TLS listener needs SCOPILOT_SYSLOG__TLS_CERT_FILE and SCOPILOT_SYSLOG__TLS_KEY_FILE',
        ),
        ['tlsPort'],
      ),
    ),
    {},
  ),
  anthropic: group({
    apiKey: v.optional(secret),
    model: v.optional(text, 'claude-sonnet-4-5'),
    /** Calls to the Messages API per minute from all replicas together (the account's rate limit). */
    callsPerMinute: v.optional(int(1, 100_000), '50'),
    baseUrl: v.optional(url),
  }),
  sched: group({
    scanIntervalMinutes: v.optional(int(1, 10_080), '15'),
    classificationCacheDays: v.optional(int(1, 365), '7'),
  }),
  proposals: group({
    /** Open proposals nobody decided on expire after this long. */
    expiryHours: v.optional(int(1, 8_760), '72'),
    /** After a tenant's first flow, only observe for this long. */
    learningPeriodHours: v.optional(int(0, 8_760), '0'),
    /** Flows seen on fewer distinct days are flagged rare. */
    rareDays: v.optional(int(1, 365), '3'),
    /** Refuse an approval by the person who created a manual proposal. */
    fourEyes: v.optional(bool, 'false'),
  }),
  threat: group({
    abuseipdbApiKey: v.optional(secret),
    abuseipdbBaseUrl: v.optional(url),
    otxApiKey: v.optional(secret),
    otxBaseUrl: v.optional(url),
    virustotalApiKey: v.optional(secret),
    virustotalBaseUrl: v.optional(url),
    talosEnabled: v.optional(bool, 'false'),
    talosBaseUrl: v.optional(url),
    blocklistDir: v.optional(text),
    /** A provider score (0–100) at or above this makes a destination malicious. */
    scoreThreshold: v.optional(int(1, 100), '75'),
    /** How long verdicts are cached, by outcome. */
    cacheMaliciousHours: v.optional(int(1, 168), '24'),
    cacheCleanHours: v.optional(int(1, 168), '24'),
    cacheNoAnswerMinutes: v.optional(int(1, 1_440), '15'),
    /** Per provider call. */
    timeoutMs: v.optional(int(100, 60_000), '5000'),
    /**
     * Replaces a provider's built-in free-tier limits (a paid plan), e.g.
     * {"virustotal": [{"count": 1000, "perSeconds": 60}]}.
     */
    rateLimits: v.optional(
      v.pipe(
        v.string(),
        v.parseJson(undefined, 'must be JSON'),
        v.record(
          v.picklist(
            ['abuseipdb', 'otx', 'virustotal', 'talos'],
            'providers are abuseipdb, otx, virustotal and talos',
          ),
          v.array(
            v.strictObject({
              count: v.pipe(v.number(), v.integer(), v.minValue(1)),
              perSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86_400)),
            }),
          ),
          'must be a JSON object: provider → [{"count", "perSeconds"}]',
        ),
      ),
      '{}',
    ),
  }),
  webex: group({
    botAccessToken: v.optional(secret),
    webhookSecret: v.optional(secret),
    operatorsRoomId: v.optional(text),
    apiBaseUrl: v.optional(url, 'https://webexapis.com/v1'),
    allowedApprovers: v.optional(approvers, ''),
  }),
  /**
   * Cisco ISE's ERS API, for the default tenant (other tenants: `tenants`).
   * Without a URL the tenant has no ISE; with one, username and password are needed.
   */
  ise: v.optional(
    v.pipe(
      v.strictObject({
        url: v.optional(
          v.pipe(v.string(), v.trim(), v.regex(/^https:\/\/[^\s/]+/, 'must be an https:// URL')),
        ),
        username: v.optional(text),
        password: v.optional(secret),
        /** PEM bundle of the CA that signed ISE's ERS certificate, read at start-up. */
        caFile: v.optional(text),
        /** Skip TLS verification (a lab only): warned about loudly at every start. */
        insecure: v.optional(bool, 'false'),
        /** How long a pushed cell stays in monitor before `enforce` may promote it. */
        monitorSoak: v.optional(Duration, '24h'),
        /** `deny-default` is refused below this readiness unless forced. */
        denyDefaultMinReadiness: v.optional(Ratio, '0.99'),
        /** How often the scheduler compares each tenant's approved matrix with ISE. */
        driftIntervalMinutes: v.optional(int(1, 10_080), '15'),
        /** Other tenants' ISE: a JSON list of IseTenantSettings. */
        tenants: v.optional(
          v.pipe(
            v.string(),
            v.parseJson(undefined, 'must be JSON'),
            v.array(
              IseTenantSettings,
              'must be a JSON list of {"tenant", "url", "username", "password" | "passwordFile", "caFile"?, …}',
            ),
          ),
          '[]',
        ),
      }),
      v.forward(
        v.check(
          (s) => s.url === undefined || (s.username !== undefined && s.password !== undefined),
          'ISE needs SCOPILOT_ISE__USERNAME and SCOPILOT_ISE__PASSWORD with its URL',
        ),
        ['url'],
      ),
      v.forward(
        v.check(
          (s) =>
            s.url !== undefined ||
            (s.username === undefined && s.password === undefined && s.caFile === undefined),
          'set SCOPILOT_ISE__URL too, or remove the other SCOPILOT_ISE__ connection settings',
        ),
        ['url'],
      ),
      v.forward(
        v.check(
          (s) => new Set(s.tenants.map((t) => t.tenant)).size === s.tenants.length,
          'each tenant may appear once',
        ),
        ['tenants'],
      ),
    ),
    {},
  ),
  /** The MCP server at /mcp: tools that change more than proposals are off unless enabled here. */
  mcp: group({
    /** Offer `set_sgt_name` (names SGTs for everyone; the caller still needs the admin role). */
    allowDictionaryEdit: v.optional(bool, 'false'),
    /** Offer `rollback_matrix` (moves the live matrix; the caller still needs the admin role). */
    allowRollback: v.optional(bool, 'false'),
    /** Offer `ise_push` and `ise_import` (write to Cisco ISE; the caller still needs the admin role). */
    allowIseWrite: v.optional(bool, 'false'),
  }),
});
export type Config = v.InferOutput<typeof ConfigSchema>;

/** Variables read by the `scopilot` client and the tests, not by the server; allowed beside the settings. */
export const CLIENT_VARIABLES = ['SCOPILOT_API_BASE', 'SCOPILOT_API_TOKEN'] as const;
export const CLIENT_VARIABLE_PREFIXES = ['SCOPILOT_TEST_', 'SCOPILOT_BENCH_'] as const;
