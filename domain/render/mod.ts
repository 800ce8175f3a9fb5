/**
 * The renderers' public surface: `render(format, input)` turns one analysis
 * result into the report or configuration the CLI, REST API and UI hand out.
 */
import { renderCsv } from './csv.ts';
import { OutputFormat } from './formats.ts';
import type { RenderInput, RenderOptions } from './input.ts';
import { renderIos } from './ios.ts';
import { renderIse } from './ise.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';

export { CSV_COLUMNS, csvField } from './csv.ts';
export { isOutputFormat, OUTPUT_MEDIA, OutputFormat } from './formats.ts';
export { DeployMode, type MatrixFacts, type RenderInput, type RenderOptions } from './input.ts';
export { IOS_DENY_DEFAULT, IOS_PERMIT_DEFAULT } from './ios.ts';
export { ANY_SGT_VALUE, IseCellStatus, type IseDocument, iseDocument } from './ise.ts';
export { mdText } from './markdown.ts';
export { type InventoryFlow, type MatrixRenderSource, matrixRenderInput } from './matrix-input.ts';

export function render(format: OutputFormat, input: RenderInput, options: RenderOptions = {}): string {
  switch (format) {
    case OutputFormat.Markdown:
      return renderMarkdown(input);
    case OutputFormat.Csv:
      return renderCsv(input);
    case OutputFormat.Json:
      return renderJson(input);
    case OutputFormat.Ios:
      return renderIos(input, options);
    case OutputFormat.Ise:
      return renderIse(input, options);
  }
}
