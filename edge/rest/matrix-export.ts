/**
 * A stored matrix version through the same renderers `analyze` uses: its
 * cells are the contracts, its own default is the default, and every figure
 * comes from the tenant's inventory read against it (domain/render
 * matrix-input.ts) — a version has no run behind it, so no run's stats. The
 * output is a download named after tenant, version and, for device
 * configuration, the deploy mode.
 */
import type { Matrix } from '../../domain/matrix.ts';
import {
  type DeployMode,
  type InventoryFlow,
  matrixRenderInput,
  OUTPUT_MEDIA,
  type OutputFormat,
  render,
} from '../../domain/render/mod.ts';
import type { SgtDictionary } from '../../domain/types.ts';

export interface ExportInput {
  tenant: string;
  /** 0: the empty matrix before the first approval. */
  version: number;
  /** The version the pointer names now. */
  live: number;
  matrix: Matrix;
  /** When the version was written; printed in headers. */
  atMs?: number;
  sgtNames: SgtDictionary;
  /** The tenant's inventory. */
  flows: readonly InventoryFlow[];
  format: OutputFormat;
  mode: DeployMode;
}

/** The rendered version as a download. */
export function exportResponse(input: ExportInput): Response {
  const body = render(
    input.format,
    matrixRenderInput({
      tenant: input.tenant,
      version: input.version,
      live: input.live,
      matrix: input.matrix,
      ...(input.atMs === undefined ? {} : { atMs: input.atMs }),
      sgtNames: input.sgtNames,
      flows: input.flows,
    }),
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
