/**
 * The matrix keeper on the engine: answers `scopilot.<t>.cmd.decide`,
 * `…cmd.decide-many` and `…cmd.rollback` over Rpc. Every replica serves in one queue group; CAS in
 * the keeper makes concurrent answers safe. Bad requests get a BAD_REQUEST
 * reply, never an exception across the wire.
 */
import * as v from 'valibot';
import type { Engine, RpcService } from '../../engine/types.ts';
import type { Stores } from '../../kv-schema/mod.ts';
import {
  CommandErrorCode,
  type CommandReply,
  DecideCommand,
  DecideManyCommand,
  RollbackCommand,
} from '../../streams/commands.ts';
import { type Subjects, summarize } from '../../streams/mod.ts';
import { MatrixKeeper } from './keeper.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parse<S extends v.GenericSchema>(schema: S, data: Uint8Array): v.InferOutput<S> | CommandReply {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, code: CommandErrorCode.BadRequest, message: 'request is not JSON' };
  }
  const parsed = v.safeParse(schema, raw);
  return parsed.success
    ? parsed.output
    : { ok: false, code: CommandErrorCode.BadRequest, message: summarize(parsed.issues) };
}

const isReply = (x: unknown): x is CommandReply => typeof x === 'object' && x !== null && 'ok' in x;

export interface KeeperService {
  keeper: MatrixKeeper;
  stop(): Promise<void>;
}

export function serveMatrixKeeper(
  engine: Engine,
  stores: Stores,
  subjects: Subjects,
  fourEyes = false,
): KeeperService {
  const keeper = new MatrixKeeper({ stores, log: engine.log, subjects, fourEyes });
  const tenantOf = (subject: string) => subjects.tenantOf(subject) ?? '';
  const services: RpcService[] = [
    engine.rpc.serve(subjects.allTenants('cmd.decide'), 'matrix-keeper', async (data, subject) => {
      const cmd = parse(DecideCommand, data);
      const reply = isReply(cmd) ? cmd : await keeper.decide(tenantOf(subject), cmd);
      return encoder.encode(JSON.stringify(reply));
    }),
    engine.rpc.serve(subjects.allTenants('cmd.decide-many'), 'matrix-keeper', async (data, subject) => {
      const cmd = parse(DecideManyCommand, data);
      const reply = isReply(cmd) ? cmd : await keeper.decideMany(tenantOf(subject), cmd);
      return encoder.encode(JSON.stringify(reply));
    }),
    engine.rpc.serve(subjects.allTenants('cmd.rollback'), 'matrix-keeper', async (data, subject) => {
      const cmd = parse(RollbackCommand, data);
      const reply = isReply(cmd) ? cmd : await keeper.rollback(tenantOf(subject), cmd);
      return encoder.encode(JSON.stringify(reply));
    }),
  ];
  return { keeper, stop: async () => void (await Promise.all(services.map((s) => s.stop()))) };
}
