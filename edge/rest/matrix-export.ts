/**
 * A stored matrix version through the same renderers `analyze` uses: its
 * cells are the contracts; there are no flows or classifications (a version
 * is policy, the inventory holds the traffic), and the stats only sum the
 * cells' evidence. The output is a download named after tenant, version and,
 * for device configuration, the deploy mode.
 */
import type { AnalysisStats } from '../../domain/analysis.ts';
import type { Contract } from '../../domain/contracts.ts';
import type { Matrix } from '../../domain/matrix.ts';
import { type DeployMode, OUTPUT_MEDIA, type OutputFormat, render } from '../../domain/render/mod.ts';
import type { SgtDictionary } from '../../domain/types.ts';

export interface ExportInput {
  tenant: string;
  /** 0: the empty matrix before the first approval. */
  version: number;
  matrix: Matrix;
  /** When the version was written; printed in headers. */
  atMs?: number;
  sgtNames: SgtDictionary;
  format: OutputFormat;
  mode: DeployMode;
}

function statsOf(cells: readonly Contract[]): AnalysisStats {
  const tags = new Set<number>();
  for (const c of cells) tags.add(c.sgt).add(c.dgt);
  return {
    linesRead: 0,
    events: cells.reduce((n, c) => n + c.events, 0),
    hits: cells.reduce((n, c) => n + c.hits, 0),
    notSgaclHit: 0,
    outsideWindow: 0,
    rejected: {},
    rejectedTotal: 0,
    tagsSeen: [...tags].sort((a, b) => a - b),
  };
}

/** The rendered version as a download. */
export function exportResponse(input: ExportInput): Response {
  const body = render(
    input.format,
    {
      flows: [],
      classifications: [],
      contracts: input.matrix.cells,
      stats: statsOf(input.matrix.cells),
      sgtNames: input.sgtNames,
      ...(input.atMs === undefined ? {} : { generatedAtMs: input.atMs }),
      title: `Segmentation Copilot: TrustSec matrix of ${input.tenant}, version ${input.version}`,
    },
    { mode: input.mode },
  );
  const media = OUTPUT_MEDIA[input.format];
  const device = input.format === 'ios' || input.format === 'ise' ? `-${input.mode}` : '';
  const filename = `${input.tenant}-matrix-v${input.version}${device}.${media.extension}`;
  return new Response(body, {
    headers: {
      'content-type': media.mediaType,
      'content-disposition': `attachment; filename="${filename}"`,
      'x-matrix-version': String(input.version),
    },
  });
}
