/**
 * A worker thread of `analyze`: parses the ranges of a batch it shares with
 * the other threads, and the stretches of a stream piece by piece, answering
 * each range and each finished stretch with its part.
 */
import { Analysis, type AnalysisPart } from '../domain/analysis.ts';
import {
  analysisOptions,
  type RangeBatch,
  READ_BYTES,
  rangePart,
  type StretchPiece,
  takeRange,
} from './analyze-tasks.ts';

declare const self: Worker;

export type TaskMessage = { batch: RangeBatch } | { piece: StretchPiece };
/** A part travels as JSON text: for thousands of flows, about a third of the cost of a structured clone. */
type PartMessage = { id: number; part: string } | { id: number; error: string };
/** A range's part, or the answer to a stretch's piece (`piece`): its part when it was the last, else `ack`. */
export type WorkerMessage =
  | PartMessage
  | { id: number; piece: true; ack: true }
  | (PartMessage & { piece: true });

const buffer = new Uint8Array(READ_BYTES);
/** The stretches being parsed here, by id. */
const stretches = new Map<number, Analysis>();

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

function answer(id: number, work: () => AnalysisPart): PartMessage {
  try {
    return { id, part: JSON.stringify(work()) };
  } catch (error) {
    return { id, error: reason(error) };
  }
}

/**
 * A stretch's next piece parsed: acknowledged, or its part when it is the
 * last. An error fails the whole read (the workers are stopped), so what comes
 * after it for the same stretch does not matter.
 */
function piece(p: StretchPiece): WorkerMessage {
  try {
    let analysis = stretches.get(p.id);
    if (analysis === undefined) {
      analysis = new Analysis(analysisOptions(p, p.midSource));
      stretches.set(p.id, analysis);
    }
    analysis.addChunk(p.bytes);
    if (!p.end) return { id: p.id, piece: true, ack: true };
    stretches.delete(p.id);
    analysis.finish();
    return { id: p.id, piece: true, part: JSON.stringify(analysis.part()) };
  } catch (error) {
    stretches.delete(p.id);
    return { id: p.id, piece: true, error: reason(error) };
  }
}

self.onmessage = (event: MessageEvent<TaskMessage>) => {
  const task = event.data;
  if ('piece' in task) {
    self.postMessage(piece(task.piece));
    return;
  }
  // Ranges are taken one at a time from the batch's shared counter until none is left.
  for (let i = takeRange(task.batch); i >= 0; i = takeRange(task.batch)) {
    const range = task.batch.ranges[i]!;
    self.postMessage(answer(task.batch.firstId + i, () => rangePart(range, buffer)));
  }
};
