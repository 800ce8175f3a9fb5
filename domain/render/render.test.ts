import { describe, expect, test } from 'bun:test';
import { goldenInput } from '../../test/fixtures/golden/input.ts';
import { buildContracts } from '../contracts.ts';
import { parseAceLine } from '../sgacl-text.ts';
import { testClassification as cls, testFlow as flow } from '../testing.ts';
import type { Flow } from '../types.ts';
import {
  csvField,
  DeployMode,
  iseDocument,
  isOutputFormat,
  matrixRenderInput,
  mdText,
  type RenderInput,
  render,
} from './mod.ts';

const EVIL = 'a|b\n# injected';

function inputWith(names: Map<number, string>, flows: Flow[], rationale = 'ok'): RenderInput {
  const classifications = flows.map((f) => cls(f.id, 'business_relevant', rationale));
  return {
    flows,
    classifications,
    contracts: buildContracts(flows, classifications, names),
    sgtNames: names,
    stats: {
      linesRead: 1,
      events: 1,
      hits: 1,
      notSgaclHit: 0,
      outsideWindow: 0,
      rejected: {},
      rejectedTotal: 0,
      tagsSeen: [10, 20],
    },
  };
}

/** Cells of a Markdown table row, splitting on unescaped pipes only. */
const cells = (line: string): string[] => line.split(/(?<!\\)\|/).slice(1, -1);

describe('markdown', () => {
  test('untrusted SGT names, SGACL names and rationales cannot break a table or start a heading', () => {
    const f = { ...flow('10-20-tcp-any-443'), sgaclNames: ['acl|x\r\n## y', '`code`'] };
    const md = render(
      'markdown',
      inputWith(
        new Map([
          [10, EVIL],
          [20, '<img src=x>'],
        ]),
        [f],
        'why | `now`\n---',
      ),
    );
    const lines = md.split('\n');
    expect(lines.some((l) => l.startsWith('# injected') || l.startsWith('## y') || l === '---')).toBe(false);
    expect(md).not.toMatch(/(?<!\\)<img/);
    for (const table of [
      lines.filter((l) => l.startsWith('| ')).slice(0, 3),
      lines.filter((l) => l.startsWith('| ')).slice(3),
    ]) {
      const widths = table.map((l) => cells(l).length);
      expect(new Set(widths).size).toBe(1);
    }
    expect(md).toContain('a\\|b \\# injected (10)');
    expect(mdText('x\u2028y\u0007z')).toBe('x y z');
    expect(mdText('y'.repeat(400))).toHaveLength(300);
  });
});

describe('csv', () => {
  test('RFC 4180 quoting and defused formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
      expect(csvField(s).startsWith("'") || csvField(s).startsWith(`"'`)).toBe(true);
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField(443)).toBe('443');
    expect(csvField(undefined)).toBe('');
  });

  test('hostile names stay in their column', () => {
    const out = render(
      'csv',
      inputWith(
        new Map([
          [10, '=cmd|"/c calc"!A1'],
          [20, EVIL],
        ]),
        [flow('10-20-tcp-any-443')],
      ),
    );
    const [, row] = out.split('\r\n');
    expect(row).toBe(
      `10,"'=cmd|""/c calc""!A1",20,"a|b\n# injected",CMD_C_CALC_A1_to_A_B_INJECTED,permit,tcp,443,1,1,business_relevant,heuristic,ok,,permit tcp dst eq 443`,
    );
  });
});

describe('ios and ise modes', () => {
  test('enforce: cells enforce and the default is DENY_LOG', () => {
    const ios = render('ios', goldenInput(), { mode: DeployMode.Enforce });
    expect(ios).not.toContain('monitor');
    expect(ios).not.toContain('PERMIT_LOG');
    expect(ios).toContain('\ncts role-based permissions default ipv4 DENY_LOG\n');
    const ise = iseDocument(goldenInput(), { mode: DeployMode.Enforce });
    expect(ise.egressMatrixCells.every((c) => c.EgressMatrixCell.matrixCellStatus === 'ENABLED')).toBe(true);
    expect(ise.defaultCell.EgressMatrixCell).toMatchObject({
      defaultRule: 'DENY_IP',
      sgacls: ['Deny_IP_Log'],
    });
    expect(ise.defaultCellWhenReady).toBeUndefined();
  });

  test('icmpv6 ACEs are left out of IPv4 SGACLs, and said so', () => {
    const flows = [flow('10-20-icmpv6-any-any'), flow('10-30-icmpv6-any-any'), flow('10-30-tcp-any-22')];
    const input = inputWith(new Map(), flows);
    const ios = render('ios', input);
    expect(ios).toContain('! SGT10_to_SGT20: 1 icmpv6 ACE(s) need an IPv6 SGACL and are not rendered');
    expect(ios).not.toContain('ip access-list role-based SGT10_to_SGT20');
    expect(ios).not.toContain(' permit icmpv6');
    const ise = iseDocument(input);
    expect(ise.sgacls.map((s) => [s.Sgacl.name, s.Sgacl.aclcontent])).toEqual([
      ['SGT10_to_SGT30', 'permit tcp dst eq 22'],
    ]);
    expect(ise.notes.filter((n) => n.includes('icmpv6'))).toHaveLength(2);
  });

  test('formats', () => {
    expect(isOutputFormat('ise')).toBe(true);
    expect(isOutputFormat('yaml')).toBe(false);
  });
});

describe('a stored matrix version', () => {
  const flows = [flow('10-20-tcp-any-443', 600), flow('10-20-tcp-any-23', 5), flow('10-20-tcp-any-8443', 54)];
  const classifications = [cls('10-20-tcp-any-443', 'business_relevant'), cls('10-20-tcp-any-23', 'harmful')];
  const cells = buildContracts(flows.slice(0, 2), classifications, new Map());
  const source = (defaultRule: 'permit ip' | 'deny ip') =>
    matrixRenderInput({
      tenant: 'acme',
      version: 3,
      live: 3,
      matrix: { cells, defaultRule },
      sgtNames: new Map(),
      flows,
    });

  test('ACE figures are those of the inventory flows each ACE decides', () => {
    const input = source('permit ip');
    const aces = input.contracts[0]?.aces.map((a) => [a.action, a.dstPort, a.hits, a.flowIds]);
    expect(aces).toEqual([
      ['deny', 23, 5, ['10-20-tcp-any-23']],
      ['permit', 443, 600, ['10-20-tcp-any-443']],
    ]);
    expect(input.matrix?.inventory).toMatchObject({
      flows: 3,
      hits: 659,
      permitted: { flows: 1, hits: 600 },
      denied: { flows: 1, hits: 5 },
      uncovered: { flows: 1, hits: 54 },
    });
  });

  test('its own default is rendered in every format; a deny default stays deny in monitor mode', () => {
    const permit = source('permit ip');
    expect(render('markdown', permit)).toContain('## Default rule\n\n`permit ip`');
    expect(JSON.parse(render('json', permit)).defaultRule).toBe('permit ip');
    const deny = source('deny ip');
    const md = render('markdown', deny);
    expect(md).toContain('- **Default rule:** `deny ip`');
    expect(JSON.parse(render('json', deny)).defaultRule).toBe('deny ip');
    const ios = render('ios', deny, { mode: DeployMode.Monitor });
    expect(ios).toContain('cts role-based permissions default ipv4 DENY_LOG');
    expect(ios).not.toContain('PERMIT_LOG');
    const ise = iseDocument(deny, { mode: DeployMode.Monitor });
    expect(ise.defaultCell.EgressMatrixCell.defaultRule).toBe('DENY_IP');
    expect(ise.defaultCellWhenReady).toBeUndefined();
    expect(render('csv', deny).split('\r\n')[2]).toContain(',600,');
  });
});

describe('richer ACEs', () => {
  const LINES = [
    'deny udp src eq 53 dst gt 1023',
    'permit tcp dst range 8000 8080 log',
    'permit tcp dst eq 80 443',
    'permit icmp echo',
    'permit tcp dst eq www',
  ];
  function input(): RenderInput {
    const base = inputWith(new Map(), [flow('10-20-tcp-any-443')]);
    const c = base.contracts[0] as RenderInput['contracts'][number];
    const { hits, events, flowIds, conflict, decision } = c.aces[0] as (typeof c.aces)[number];
    const aces = LINES.map((l) => ({ ...parseAceLine(l), hits, events, flowIds, conflict, decision }));
    return { ...base, contracts: [{ ...c, aces }] };
  }

  test('every format writes each ACE line as it is', () => {
    const ise = iseDocument(input());
    expect(ise.sgacls[0]?.Sgacl.aclcontent).toBe(LINES.join('\n'));
    expect(render('ios', input())).toContain(
      `ip access-list role-based SGT10_to_SGT20\n ${LINES.join('\n ')}\n`,
    );
    const md = render('markdown', input());
    for (const l of LINES) expect(md).toContain(l);
  });

  test('csv port columns hold the clause when it is not a single port; json adds the clause fields', () => {
    const rows = render('csv', input()).split('\r\n').slice(1, -1);
    expect(rows.map((r) => r.split(',')).map((f) => [f[7], f[13], f.at(-1)])).toEqual([
      ['gt 1023', '53', 'deny udp src eq 53 dst gt 1023'],
      ['range 8000 8080', '', 'permit tcp dst range 8000 8080 log'],
      ['eq 80 443', '', 'permit tcp dst eq 80 443'],
      ['', '', 'permit icmp echo'],
      ['', '', 'permit tcp dst eq www'],
    ]);
    const json = JSON.parse(render('json', input())) as { contracts: { aces: Record<string, unknown>[] }[] };
    const aces = json.contracts[0]?.aces ?? [];
    expect(aces.map((a) => [a.text, a.dstPort, a.dst, a.icmp, a.raw])).toEqual([
      ['deny udp src eq 53 dst gt 1023', null, { op: 'gt', ports: [1023] }, undefined, undefined],
      [
        'permit tcp dst range 8000 8080 log',
        null,
        { op: 'range', ports: [8000, 8080] },
        undefined,
        undefined,
      ],
      ['permit tcp dst eq 80 443', null, { op: 'eq', ports: [80, 443] }, undefined, undefined],
      ['permit icmp echo', null, undefined, { message: 'echo' }, undefined],
      ['permit tcp dst eq www', null, undefined, undefined, 'permit tcp dst eq www'],
    ]);
    expect(aces[0]?.srcPort).toBe(53);
  });
});
