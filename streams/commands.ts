/**
 * Commands that must be answered (DESIGN §4, `scopilot.<t>.cmd.<verb>` over
 * Rpc): their requests and replies, one schema each. The edge (REST, MCP,
 * WebEx, CLI, UI) sends them; the matrix keeper answers.
 */
import * as v from 'valibot';

const Principal = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Channel = v.picklist(['api', 'cli', 'ui', 'mcp', 'webex', 'system']);

export const DecideCommand = v.object({
  proposalId: v.pipe(v.string(), v.regex(/^[-_a-zA-Z0-9]{1,64}$/)),
  decision: v.picklist(['approve', 'reject']),
  by: Principal,
  channel: Channel,
  reason: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  /**
   * The authenticated identity when `by` is a labelled name (`alice (claude-code)`):
   * the four-eyes rule compares this, so a label cannot make the creator someone else.
   */
  identity: v.optional(Principal),
  /**
   * The fingerprint of the ACEs the decider was shown (domain aceFingerprint);
   * when given and the proposal's ACEs differ now, the decision is refused as STALE.
   */
  aces: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits'))),
});
export type DecideCommand = v.InferOutput<typeof DecideCommand>;

/** The most proposals one batch decision carries. */
export const DECIDE_MANY_MAX = 500;

/**
 * Many proposals decided alike in one command: each is checked (stale ACEs,
 * four-eyes) and audited on its own; the approvals fold into one version.
 */
export const DecideManyCommand = v.object({
  decision: v.picklist(['approve', 'reject']),
  proposals: v.pipe(
    v.array(
      v.object({
        proposalId: DecideCommand.entries.proposalId,
        aces: DecideCommand.entries.aces,
      }),
    ),
    v.minLength(1),
    v.maxLength(DECIDE_MANY_MAX),
    v.check(
      (items) => new Set(items.map((i) => i.proposalId)).size === items.length,
      'a proposal is listed twice',
    ),
  ),
  by: Principal,
  channel: Channel,
  reason: DecideCommand.entries.reason,
  identity: DecideCommand.entries.identity,
});
export type DecideManyCommand = v.InferOutput<typeof DecideManyCommand>;

export const RollbackCommand = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  by: Principal,
  channel: Channel,
  reason: v.pipe(v.string(), v.minLength(1), v.maxLength(2000)),
});
export type RollbackCommand = v.InferOutput<typeof RollbackCommand>;

export const CommandErrorCode = {
  BadRequest: 'BAD_REQUEST',
  NotFound: 'NOT_FOUND',
  AlreadyDecided: 'ALREADY_DECIDED',
  InvalidTransition: 'INVALID_TRANSITION',
  FourEyes: 'FOUR_EYES',
  /** The proposal's ACEs changed since the decider saw them: look again. */
  Stale: 'STALE',
  Conflict: 'CONFLICT',
  /** Approved, but the new version could not be written: the proposal is marked failed. */
  ApplyFailed: 'APPLY_FAILED',
} as const;
export type CommandErrorCode = (typeof CommandErrorCode)[keyof typeof CommandErrorCode];

export const CommandReply = v.variant('ok', [
  v.object({
    ok: v.literal(true),
    proposalId: v.optional(v.string()),
    status: v.optional(v.string()),
    version: v.optional(v.number()),
  }),
  v.object({ ok: v.literal(false), code: v.picklist(Object.values(CommandErrorCode)), message: v.string() }),
]);
export type CommandReply = v.InferOutput<typeof CommandReply>;

/** One proposal's outcome in a batch decision: its new status, or why it was not decided. */
export const DecideOutcome = v.object({
  proposalId: v.string(),
  ok: v.boolean(),
  status: v.optional(v.string()),
  code: v.optional(v.picklist(Object.values(CommandErrorCode))),
  message: v.optional(v.string()),
});
export type DecideOutcome = v.InferOutput<typeof DecideOutcome>;

/** The answer to a batch decision: every proposal's outcome, and the one version the approvals made. */
export const DecideManyReply = v.variant('ok', [
  v.object({
    ok: v.literal(true),
    decision: v.picklist(['approve', 'reject']),
    version: v.nullable(v.number()),
    outcomes: v.array(DecideOutcome),
  }),
  v.object({ ok: v.literal(false), code: v.picklist(Object.values(CommandErrorCode)), message: v.string() }),
]);
export type DecideManyReply = v.InferOutput<typeof DecideManyReply>;
