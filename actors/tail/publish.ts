/** Publishing tail effects with a bounded window of acks in flight. */
import type { PublishEffect } from '../../engine/actor/types.ts';
import type { EventLog } from '../../engine/types.ts';

const encoder = new TextEncoder();
const WINDOW = 256;

/** Resolves once every delta is stored (acknowledged by the stream). */
export async function publishAll(log: EventLog, effects: readonly PublishEffect[]): Promise<void> {
  for (let i = 0; i < effects.length; i += WINDOW) {
    await Promise.all(
      effects
        .slice(i, i + WINDOW)
        .map((e) =>
          log.publish(
            e.subject,
            encoder.encode(JSON.stringify(e.message)),
            e.msgId === undefined ? {} : { msgId: e.msgId },
          ),
        ),
    );
  }
}
