/**
 * ISE ERS request bodies for the proposal (reference/ise-and-ios.md): one
 * `{"Sgacl": …}` per contract, one `{"EgressMatrixCell": …}` per cell, and the
 * ANY-ANY default cell.
 *
 * Decisions:
 * - ISE addresses SGTs and SGACLs by object id, which only a live ISE knows.
 *   Cells therefore carry `sourceSgtId`/`destinationSgtId` as null next to
 *   the tag values (`sourceSgtValue`/`destinationSgtValue`), and `sgacls`
 *   holds SGACL names. The ISE client resolves values and names to ids and
 *   drops the `*Value` fields before sending; a body posted unresolved fails
 *   on the null ids instead of landing in the wrong cell.
 * - Cells default to MONITOR: ISE logs what each new cell would do without
 *   enforcing it (the reference's natural first step), so a wrong contract
 *   shows up in the logs instead of as an outage. In monitor mode the default
 *   cell stays permit with logging (`Permit_IP_Log`), which logs what a deny
 *   default would drop; `defaultCellWhenReady` holds the `deny ip` flip.
 * - `defaultRule` NONE on a cell: unmatched traffic falls to the matrix
 *   default, the single place that decides (as in the IOS renderer).
 * - A stored matrix version (`input.matrix`) is described as that version,
 *   with its own default and the inventory's figures; one whose default is
 *   already `deny ip` keeps the deny default cell in monitor mode too.
 */
import { aceText } from '../ace.ts';
import { count, DeployMode, isIpv6Only, type RenderInput, type RenderOptions } from './input.ts';

/** TrustSec's ANY tag: the default cell is ANY → ANY. */
export const ANY_SGT_VALUE = 65535;

export const IseCellStatus = { Enabled: 'ENABLED', Disabled: 'DISABLED', Monitor: 'MONITOR' } as const;
export type IseCellStatus = (typeof IseCellStatus)[keyof typeof IseCellStatus];

export interface IseSgaclBody {
  Sgacl: { name: string; description: string; ipVersion: 'IPV4'; readOnly: false; aclcontent: string };
}

export interface IseCellBody {
  EgressMatrixCell: {
    /** ISE object ids: null until resolved from the values below. */
    sourceSgtId: null;
    destinationSgtId: null;
    /** Tag values (not ISE fields): resolve to ids, then drop. */
    sourceSgtValue: number;
    destinationSgtValue: number;
    matrixCellStatus: IseCellStatus;
    defaultRule: 'NONE' | 'DENY_IP' | 'PERMIT_IP';
    /** SGACL names: resolve to ids. */
    sgacls: string[];
    description: string;
  };
}

export interface IseDocument {
  notes: string[];
  sgacls: IseSgaclBody[];
  egressMatrixCells: IseCellBody[];
  defaultCell: IseCellBody;
  /** Monitor mode only: the default cell body for the flip to `deny ip`. */
  defaultCellWhenReady?: IseCellBody;
}

const NOTES = [
  'sourceSgtId, destinationSgtId and sgacls must be ISE object ids. Resolve each sourceSgtValue/destinationSgtValue ' +
    'to its SGT id (GET /ers/config/sgt?filter=value.EQ.<value>) and each SGACL name (built-ins such as ' +
    'Permit_IP_Log included) to its id, fill them in, and drop the *Value fields before sending.',
  'Create the SGACLs first, then the cells. An existing cell answers 400 "Cell Already Exists": re-read it ' +
    'with its generationId and update it only if nobody changed it meanwhile.',
  'defaultCell is a PUT on the existing ANY-ANY cell (tag 65535); it cannot be created or deleted.',
];

const MONITOR_NOTE =
  'Mode monitor: cells are MONITOR (logged, not enforced) and the default stays Permit_IP_Log, which logs what a ' +
  'deny default would drop. When readiness is 100% and the logs show no legitimate traffic reaching the default, ' +
  'set the cells to ENABLED and apply defaultCellWhenReady.';

function cellBody(
  src: number,
  dst: number,
  status: IseCellStatus,
  rule: IseCellBody['EgressMatrixCell']['defaultRule'],
  sgacls: string[],
  description: string,
): IseCellBody {
  return {
    EgressMatrixCell: {
      sourceSgtId: null,
      destinationSgtId: null,
      sourceSgtValue: src,
      destinationSgtValue: dst,
      matrixCellStatus: status,
      defaultRule: rule,
      sgacls,
      description,
    },
  };
}

const defaultCell = (deny: boolean): IseCellBody =>
  deny
    ? cellBody(
        ANY_SGT_VALUE,
        ANY_SGT_VALUE,
        IseCellStatus.Enabled,
        'DENY_IP',
        ['Deny_IP_Log'],
        'Default: deny ip',
      )
    : cellBody(
        ANY_SGT_VALUE,
        ANY_SGT_VALUE,
        IseCellStatus.Enabled,
        'PERMIT_IP',
        ['Permit_IP_Log'],
        'Default: permit ip with logging until the flip to deny ip',
      );

export function iseDocument(input: RenderInput, options: RenderOptions = {}): IseDocument {
  const m = input.matrix;
  // A version whose own default is deny ip is never rendered back to a permitting default.
  const denyDefault = m?.defaultRule === 'deny ip';
  const monitor = (options.mode ?? DeployMode.Monitor) === DeployMode.Monitor;
  const status = monitor ? IseCellStatus.Monitor : IseCellStatus.Enabled;
  const notes = [...NOTES];
  if (m !== undefined) {
    const inv = m.inventory;
    notes.push(
      `Matrix version ${m.version}${m.live ? ' (live)' : ''}, whose default is ${m.defaultRule}. Inventory: ` +
        `${count(inv.flows)} flows, ${count(inv.hits)} hits; ${count(inv.permitted.hits)} hits permitted by a ` +
        `contract, ${count(inv.denied.hits)} denied, ${count(inv.uncovered.hits)} left to the default.`,
    );
  }
  if (monitor && !denyDefault) notes.push(MONITOR_NOTE);
  const sgacls: IseSgaclBody[] = [];
  const cells: IseCellBody[] = [];
  for (const c of input.contracts) {
    const aces = c.aces.filter((a) => !isIpv6Only(a.protocol));
    if (aces.length < c.aces.length) {
      notes.push(
        `${c.name}: ${c.aces.length - aces.length} icmpv6 ACE(s) left out; they need an IPv6 SGACL.`,
      );
    }
    if (aces.length === 0) continue;
    const n = `${aces.length} ACE${aces.length === 1 ? '' : 's'}`;
    const description =
      m === undefined
        ? `Segmentation Copilot proposal for SGT ${c.sgt} to ${c.dgt}: ${n} from ${count(c.hits)} observed hits`
        : `Segmentation Copilot matrix version ${m.version}, SGT ${c.sgt} to ${c.dgt}: ${n}, ` +
          `${count(c.hits)} hits in the inventory`;
    sgacls.push({
      Sgacl: {
        name: c.name,
        description,
        ipVersion: 'IPV4',
        readOnly: false,
        aclcontent: aces.map(aceText).join('\n'),
      },
    });
    cells.push(cellBody(c.sgt, c.dgt, status, 'NONE', [c.name], `Segmentation Copilot: ${c.name}`));
  }
  const doc: IseDocument = {
    notes,
    sgacls,
    egressMatrixCells: cells,
    defaultCell: defaultCell(!monitor || denyDefault),
  };
  if (monitor && !denyDefault) doc.defaultCellWhenReady = defaultCell(true);
  return doc;
}

export function renderIse(input: RenderInput, options: RenderOptions = {}): string {
  return `${JSON.stringify(iseDocument(input, options), null, 2)}\n`;
}
