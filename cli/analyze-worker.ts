/**
 * A worker thread of `analyze`: parses the ranges and segments it is sent and
 * answers each with its part.
 */
import type { AnalysisPart } from '../domain/analysis.ts';
import { type RangeTask, READ_BYTES, rangePart, type SegmentTask, segmentPart } from './analyze-tasks.ts';

declare const self: Worker;

export type TaskMessage = { id: number; range: RangeTask } | { id: number; segment: SegmentTask };
/** A part travels as JSON text: for thousands of flows, about a third of the cost of a structured clone. */
export type PartMessage = { id: number; part: string } | { id: number; error: string };

const buffer = new Uint8Array(READ_BYTES);

self.onmessage = (event: MessageEvent<TaskMessage>) => {
  const task = event.data;
  let answer: PartMessage;
  try {
    const part: AnalysisPart = 'range' in task ? rangePart(task.range, buffer) : segmentPart(task.segment);
    answer = { id: task.id, part: JSON.stringify(part) };
  } catch (error) {
    answer = { id: task.id, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
  self.postMessage(answer);
};
