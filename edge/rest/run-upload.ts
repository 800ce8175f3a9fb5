/**
 * The body of `POST /api/v1/runs`, streamed into an Analysis as it arrives:
 * syslog as text, gzip (Content-Encoding, a gzip media type, or just its magic
 * bytes), or multipart/form-data with one or more `file` fields and an
 * optional `sgt` dictionary. Nothing holds the whole body; only the small
 * dictionary is collected.
 */
import type { Analysis } from '../../domain/analysis.ts';
import { badRequest } from '../problem.ts';
import { MultipartReader, multipartBoundary } from './multipart.ts';
import {
  ByteLimit,
  checkDeclaredLength,
  collectText,
  maybeGunzip,
  streamChunks,
  unsupportedMedia,
} from './upload.ts';

/** Default upper bound of a run's upload, compressed and inflated alike. */
export const RUN_BODY_LIMIT = 1 << 30;
/** The `sgt` dictionary field. */
export const SGT_FILE_LIMIT = 4 << 20;

const GZIP_TYPES = /^application\/(x-)?gzip\s*(;|$)/i;
const TEXT_TYPES = /^(text\/[-+.\w]+|application\/octet-stream)\s*(;|$)/i;

export interface UploadSource {
  name: string;
  bytes: number;
  gzip: boolean;
}

export interface Upload {
  sources: UploadSource[];
  /** The `sgt` field's text, when given. */
  sgtText: string | null;
}

async function feed(
  analysis: Analysis,
  chunks: AsyncGenerator<Uint8Array>,
  declaredGzip: boolean,
  inflated: ByteLimit,
  name: string,
): Promise<UploadSource> {
  const decoded = await maybeGunzip(chunks, declaredGzip, inflated);
  let bytes = 0;
  for await (const chunk of decoded.chunks) {
    bytes += chunk.byteLength;
    analysis.addChunk(chunk);
  }
  analysis.finish();
  return { name: name.slice(0, 255), bytes, gzip: decoded.gzip };
}

async function* counted(chunks: AsyncIterable<Uint8Array>, limit: ByteLimit): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    limit.add(chunk.byteLength);
    yield chunk;
  }
}

async function readParts(
  reader: MultipartReader,
  analysis: Analysis,
  inflated: ByteLimit,
  nowMs: number,
): Promise<Upload> {
  const upload: Upload = { sources: [], sgtText: null };
  for (let part = await reader.next(); part !== null; part = await reader.next()) {
    const gzip = part.contentType !== null && GZIP_TYPES.test(part.contentType);
    if (part.name === 'file') {
      if (upload.sources.length > 0) analysis.nextSource(nowMs);
      upload.sources.push(await feed(analysis, reader.body(), gzip, inflated, part.filename ?? 'file'));
    } else if (part.name === 'sgt') {
      if (upload.sgtText !== null) throw badRequest('the form has two `sgt` fields');
      const limit = new ByteLimit(SGT_FILE_LIMIT, 'the `sgt` dictionary');
      const text = new ByteLimit(SGT_FILE_LIMIT, 'the inflated `sgt` dictionary');
      const decoded = await maybeGunzip(counted(reader.body(), limit), gzip, text);
      upload.sgtText = await collectText(decoded.chunks);
    } else {
      throw badRequest(`unexpected form field ${JSON.stringify(part.name.slice(0, 64))}: use file and sgt`);
    }
  }
  if (upload.sources.length === 0) throw badRequest('the form has no `file` field');
  return upload;
}

/** Streams the request's syslog into `analysis`; 413 past `maxBytes`, 400/415 for a body it cannot read. */
export async function readUpload(
  request: Request,
  analysis: Analysis,
  maxBytes: number,
  nowMs: number,
): Promise<Upload> {
  const body = request.body;
  if (body === null) throw badRequest('the body is empty: send syslog as text, gzip or multipart/form-data');
  const raw = new ByteLimit(maxBytes, 'the upload');
  const inflated = new ByteLimit(maxBytes, 'the inflated upload');
  checkDeclaredLength(request.headers.get('content-length') ?? undefined, raw);
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw unsupportedMedia(`Content-Encoding ${encoding} is not supported: use gzip`);
  }
  const contentType = request.headers.get('content-type') ?? undefined;
  const boundary = multipartBoundary(contentType);
  const gzip = contentType !== undefined && GZIP_TYPES.test(contentType);
  if (boundary === null && contentType !== undefined && !gzip && !TEXT_TYPES.test(contentType)) {
    throw unsupportedMedia(
      `${contentType.split(';')[0]} is not accepted: send text/plain, application/gzip or multipart/form-data`,
    );
  }
  let chunks = streamChunks(body, raw);
  if (encoding !== 'identity') chunks = (await maybeGunzip(chunks, true, inflated)).chunks;
  if (boundary !== null) {
    const reader = new MultipartReader(chunks, boundary);
    try {
      return await readParts(reader, analysis, inflated, nowMs);
    } finally {
      await reader.close();
    }
  }
  const source = await feed(analysis, chunks, gzip, inflated, 'body');
  // Inflated by Content-Encoding already: it was gzip all the same.
  if (encoding !== 'identity') source.gzip = true;
  return { sources: [source], sgtText: null };
}
