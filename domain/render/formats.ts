/**
 * The output formats and their media types, apart from the renderers: a
 * caller that checks a format before it has anything to render (the CLI's
 * argument check) loads none of them.
 */
export const OutputFormat = {
  Markdown: 'markdown',
  Csv: 'csv',
  Json: 'json',
  Ios: 'ios',
  Ise: 'ise',
} as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

const FORMATS: readonly string[] = Object.values(OutputFormat);
export const isOutputFormat = (value: string): value is OutputFormat => FORMATS.includes(value);

/** For HTTP responses and file names. */
export const OUTPUT_MEDIA: Record<OutputFormat, { mediaType: string; extension: string }> = {
  markdown: { mediaType: 'text/markdown; charset=utf-8', extension: 'md' },
  csv: { mediaType: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
  json: { mediaType: 'application/json', extension: 'json' },
  ios: { mediaType: 'text/plain; charset=utf-8', extension: 'ios' },
  ise: { mediaType: 'application/json', extension: 'ise.json' },
};
