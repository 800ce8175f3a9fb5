/**
 * IOS-XE static TrustSec configuration (reference/ise-and-ios.md): one
 * `ip access-list role-based` per contract, the `cts role-based permissions`
 * line binding it to its cell, and the matrix default.
 *
 * Decisions:
 * - No trailing `deny ip` in a contract: traffic a cell does not match falls
 *   to the matrix default, so the default is the one switch that decides
 *   between today's behaviour and `deny ip`, and flipping back is one line.
 * - Monitor mode (the default) follows the reference's advice: every cell gets
 *   `cts role-based monitor permissions` (logged, not enforced) and the default
 *   runs as `PERMIT_LOG`, which logs exactly what a deny default would drop.
 *   The `DENY_LOG` flip is written out, commented, as the next step.
 * - A stored matrix version (`input.matrix`) says which version it is, its own
 *   default and the inventory's figures; one whose default is already
 *   `deny ip` keeps `DENY_LOG` in monitor mode too.
 * - Tag 0 is written `unknown`, the keyword these commands take for it.
 */
import { aceText } from '../ace.ts';
import type { Contract } from '../contracts.ts';
import { count, DeployMode, isIpv6Only, iso, type RenderInput, type RenderOptions } from './input.ts';

export const IOS_DENY_DEFAULT = 'DENY_LOG';
export const IOS_PERMIT_DEFAULT = 'PERMIT_LOG';

const tag = (t: number): string => (t === 0 ? 'unknown' : String(t));
const cell = (c: Contract): string => `from ${tag(c.sgt)} to ${tag(c.dgt)}`;

function contractBlock(c: Contract, monitor: boolean): string[] {
  const aces = c.aces.filter((a) => !isIpv6Only(a.protocol));
  const skipped = c.aces.length - aces.length;
  const lines: string[] = [];
  if (skipped > 0)
    lines.push(`! ${c.name}: ${skipped} icmpv6 ACE(s) need an IPv6 SGACL and are not rendered`);
  if (aces.length === 0) return [...lines, '!'];
  lines.push(`ip access-list role-based ${c.name}`, ...aces.map((a) => ` ${aceText(a)}`));
  lines.push(`cts role-based permissions ${cell(c)} ipv4 ${c.name}`);
  if (monitor) lines.push(`cts role-based monitor permissions ${cell(c)} ipv4`);
  lines.push('!');
  return lines;
}

/** The header lines that say what is rendered: a proposal from a run, or a stored version. */
function about(input: RenderInput, monitor: boolean): string[] {
  const m = input.matrix;
  if (m === undefined) {
    const hits = input.contracts.reduce((n, c) => n + c.hits, 0);
    return [
      '! Segmentation Copilot: proposed TrustSec policy for IOS-XE',
      ...(input.generatedAtMs === undefined ? [] : [`! Generated ${iso(input.generatedAtMs)}`]),
      `! ${count(input.contracts.length)} contracts from ${count(hits)} observed hits. Review before applying.`,
    ];
  }
  const inv = m.inventory;
  return [
    `! Segmentation Copilot: TrustSec matrix version ${m.version}${m.live ? ' (live)' : ''} for IOS-XE`,
    ...(input.generatedAtMs === undefined ? [] : [`! Version written ${iso(input.generatedAtMs)}`]),
    `! ${count(input.contracts.length)} contracts. Inventory: ${count(inv.flows)} flows, ${count(inv.hits)} hits; ` +
      `${count(inv.permitted.hits)} hits permitted by a contract, ${count(inv.denied.hits)} denied, ` +
      `${count(inv.uncovered.hits)} left to the default.`,
    `! The version's default is ${m.defaultRule}` +
      (m.defaultRule === 'deny ip'
        ? '; it stays deny ip in every mode.'
        : monitor
          ? '; monitor mode keeps it permitting, with logging.'
          : '; enforce mode flips it to deny ip.'),
  ];
}

export function renderIos(input: RenderInput, options: RenderOptions = {}): string {
  // A version whose own default is deny ip is never rendered back to a permitting default.
  const denyDefault = input.matrix?.defaultRule === 'deny ip';
  const monitor = (options.mode ?? DeployMode.Monitor) === DeployMode.Monitor;
  const lines = about(input, monitor);
  lines.push(
    '! Contracts end without deny ip: unmatched traffic falls to the matrix default.',
    '! An existing ACL of the same name keeps its entries: remove it first if it differs.',
    monitor
      ? `! Mode monitor: cells log without enforcing, and the default ${denyDefault ? 'denies' : 'permits'} with logging.`
      : '! Mode enforce: cells enforce, and the default is deny ip.',
    '!',
    'cts role-based enforcement',
    'cts role-based enforcement logging-interval 90',
    '!',
  );
  for (const c of input.contracts) lines.push(...contractBlock(c, monitor));
  if (monitor && !denyDefault)
    lines.push(`ip access-list role-based ${IOS_PERMIT_DEFAULT}`, ' permit ip log');
  lines.push(`ip access-list role-based ${IOS_DENY_DEFAULT}`, ' deny ip log');
  if (monitor && !denyDefault) {
    lines.push(
      '! Step 1: log what a deny default would drop.',
      `cts role-based permissions default ipv4 ${IOS_PERMIT_DEFAULT}`,
      '! Step 2, once readiness is 100% and the logs show no legitimate traffic reaching the default:',
      `! cts role-based permissions default ipv4 ${IOS_DENY_DEFAULT}`,
    );
  } else {
    lines.push(`cts role-based permissions default ipv4 ${IOS_DENY_DEFAULT}`);
  }
  lines.push('');
  return lines.join('\n');
}
