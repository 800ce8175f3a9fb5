/**
 * A loopback fake of the threat-intel providers (DESIGN §11): ONE server on
 * 127.0.0.1 that speaks AbuseIPDB v2 `check`, OTX `indicators/…/general`,
 * VirusTotal v3 `ip_addresses` and the Talos reputation-center lookup, each at
 * its documented path and with its auth header checked. Point every base URL
 * at `url`. Tests script replies per provider and address — answers, 404,
 * 429 with Retry-After, delays, garbage — and read back every request.
 */

export type FakeProviderName = 'abuseipdb' | 'otx' | 'virustotal' | 'talos';

export type FakeReply =
  /** 200 with this JSON body. */
  | { kind: 'json'; body: unknown; delayMs?: number }
  /** Any status, e.g. 404, 429 with `retry-after`, 503. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** 200 with a body that is not JSON. */
  | { kind: 'garbage'; text?: string; delayMs?: number };

export interface FakeRequest {
  provider: FakeProviderName | null;
  ip: string | null;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  atMs: number;
}

export interface FakeThreatIntel {
  url: string;
  keys: { abuseipdb: string; otx: string; virustotal: string };
  requests: FakeRequest[];
  requestsFor(provider: FakeProviderName, ip?: string): FakeRequest[];
  /** Replies for one provider and address, used in order; the last one repeats. */
  script(provider: FakeProviderName, ip: string, ...replies: FakeReply[]): void;
  stop(): Promise<void>;
}

// ─── Answer bodies in each provider's documented shape ───────────────────────

export const abuseIpDbBody = (
  ip: string,
  o: { score?: number; isTor?: boolean; usageType?: string; totalReports?: number; users?: number } = {},
) => ({
  data: {
    ipAddress: ip,
    isPublic: true,
    ipVersion: ip.includes(':') ? 6 : 4,
    isWhitelisted: false,
    abuseConfidenceScore: o.score ?? 0,
    countryCode: 'NL',
    usageType: o.usageType ?? 'Data Center/Web Hosting/Transit',
    isp: 'Example Hosting B.V.',
    domain: 'example.net',
    hostnames: [],
    isTor: o.isTor ?? false,
    totalReports: o.totalReports ?? 0,
    numDistinctUsers: o.users ?? 0,
    lastReportedAt: o.totalReports ? '2024-05-01T10:00:00+00:00' : null,
  },
});

export interface FakePulse {
  name?: string;
  tags?: string[];
  malware_families?: { id: string; display_name: string; target: null }[];
}

export const otxBody = (
  ip: string,
  o: { pulses?: FakePulse[]; reputation?: number; validation?: { source: string; name: string }[] } = {},
) => ({
  whois: `http://whois.domaintools.com/${ip}`,
  reputation: o.reputation ?? 0,
  indicator: ip,
  type: ip.includes(':') ? 'IPv6' : 'IPv4',
  type_title: ip.includes(':') ? 'IPv6' : 'IPv4',
  base_indicator: {},
  pulse_info: {
    count: o.pulses?.length ?? 0,
    pulses: (o.pulses ?? []).map((p, i) => ({
      id: `pulse${i}`,
      name: p.name ?? `pulse ${i}`,
      tags: p.tags ?? [],
      malware_families: p.malware_families ?? [],
      adversary: '',
      references: [],
    })),
    references: [],
    related: {},
  },
  false_positive: [],
  validation: (o.validation ?? []).map((x) => ({ ...x, message: '' })),
  asn: 'AS64500 Example',
  country_code: 'NL',
  sections: ['general', 'geo', 'reputation', 'url_list', 'passive_dns', 'malware', 'nids_list', 'http_scans'],
});

export const virusTotalBody = (
  ip: string,
  o: {
    malicious?: number;
    suspicious?: number;
    harmless?: number;
    undetected?: number;
    tags?: string[];
    results?: Record<string, { category: string; result: string }>;
  } = {},
) => ({
  data: {
    id: ip,
    type: 'ip_address',
    links: { self: `https://www.virustotal.com/api/v3/ip_addresses/${ip}` },
    attributes: {
      as_owner: 'Example AS',
      asn: 64500,
      country: 'NL',
      network: ip.includes(':') ? `${ip}/64` : `${ip}/24`,
      reputation: 0,
      tags: o.tags ?? [],
      last_analysis_date: 1714550400,
      last_analysis_stats: {
        harmless: o.harmless ?? 60,
        malicious: o.malicious ?? 0,
        suspicious: o.suspicious ?? 0,
        undetected: o.undetected ?? 28,
        timeout: 0,
      },
      last_analysis_results: Object.fromEntries(
        Object.entries(o.results ?? {}).map(([engine, r]) => [
          engine,
          { method: 'blacklist', engine_name: engine, category: r.category, result: r.result },
        ]),
      ),
      total_votes: { harmless: 0, malicious: 0 },
    },
  },
});

export const talosBody = (o: { web?: string; email?: string } = {}) => ({
  web_score_name: o.web ?? 'Neutral',
  email_score_name: o.email ?? 'Neutral',
  volume_change: null,
});

const DEFAULTS: Record<FakeProviderName, (ip: string) => unknown> = {
  abuseipdb: (ip) => abuseIpDbBody(ip),
  otx: (ip) => otxBody(ip),
  virustotal: (ip) => virusTotalBody(ip),
  talos: () => talosBody(),
};

// ─── The server ───────────────────────────────────────────────────────────────

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const waitOrAbort = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

interface Route {
  provider: FakeProviderName;
  ip: string | null;
  /** Null when the credentials are right; otherwise the provider's own refusal. */
  refusal: Response | null;
}

function route(url: URL, h: Record<string, string>, keys: FakeThreatIntel['keys']): Route | null {
  if (url.pathname === '/api/v2/check') {
    const ok = h.key === keys.abuseipdb && (h.accept ?? '').includes('application/json');
    const refusal = json(401, { errors: [{ detail: 'Authentication failed.', status: 401 }] });
    return { provider: 'abuseipdb', ip: url.searchParams.get('ipAddress'), refusal: ok ? null : refusal };
  }
  const otx = /^\/api\/v1\/indicators\/(IPv4|IPv6)\/([^/]+)\/general$/.exec(url.pathname);
  if (otx !== null) {
    const ip = decodeURIComponent(otx[2] ?? '');
    if ((otx[1] === 'IPv6') !== ip.includes(':')) {
      return { provider: 'otx', ip, refusal: json(400, { detail: 'Invalid IP' }) };
    }
    const ok = h['x-otx-api-key'] === keys.otx;
    return { provider: 'otx', ip, refusal: ok ? null : json(403, { detail: 'Authentication required' }) };
  }
  const vt = /^\/api\/v3\/ip_addresses\/([^/]+)$/.exec(url.pathname);
  if (vt !== null) {
    const ok = h['x-apikey'] === keys.virustotal;
    const refusal = json(401, { error: { code: 'WrongCredentialsError', message: 'Wrong API key' } });
    return { provider: 'virustotal', ip: decodeURIComponent(vt[1] ?? ''), refusal: ok ? null : refusal };
  }
  if (url.pathname === '/sb_api/query_lookup' && url.searchParams.get('query') === '/api/v2/details/ip/') {
    const ok = (h.referer ?? '').includes('/reputation_center/lookup');
    return {
      provider: 'talos',
      ip: url.searchParams.get('query_entry'),
      refusal: ok ? null : new Response('<html>Access denied</html>', { status: 403 }),
    };
  }
  return null;
}

export async function startFakeThreatIntel(): Promise<FakeThreatIntel> {
  const keys = { abuseipdb: 'fake-abuseipdb-key', otx: 'fake-otx-key', virustotal: 'fake-vt-key' };
  const requests: FakeRequest[] = [];
  const scripts = new Map<string, FakeReply[]>();
  const scriptKey = (provider: string, ip: string) => `${provider} ${ip}`;

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      const headers = Object.fromEntries(req.headers.entries());
      const r = route(url, headers, keys);
      requests.push({
        provider: r?.provider ?? null,
        ip: r?.ip ?? null,
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
        atMs: Date.now(),
      });
      if (r === null || req.method !== 'GET') return json(404, { error: 'no such endpoint' });
      if (r.refusal !== null) return r.refusal;
      const ip = r.ip ?? '';
      const queue = scripts.get(scriptKey(r.provider, ip));
      const reply: FakeReply = (queue !== undefined && queue.length > 1 ? queue.shift() : queue?.[0]) ?? {
        kind: 'json',
        body: DEFAULTS[r.provider](ip),
      };
      if (reply.delayMs !== undefined) await waitOrAbort(reply.delayMs, req.signal);
      switch (reply.kind) {
        case 'json':
          return json(200, reply.body);
        case 'garbage':
          return new Response(reply.text ?? '<html>not json</html>', { status: 200 });
        case 'status':
          return new Response(reply.body ?? JSON.stringify({ error: `fake ${reply.status}` }), {
            status: reply.status,
            headers: { 'content-type': 'application/json', ...reply.headers },
          });
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    keys,
    requests,
    requestsFor: (provider, ip) =>
      requests.filter((q) => q.provider === provider && (ip === undefined || q.ip === ip)),
    script: (provider, ip, ...replies) => {
      scripts.set(scriptKey(provider, ip), [...replies]);
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}
