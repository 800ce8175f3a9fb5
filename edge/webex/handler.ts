/**
 * One verified webhook delivery, from ids to an answered request. In order:
 * the room must belong to a tenant; the bot's own messages are skipped; the
 * delivery must be new (replay guard) and its content recent; the content is
 * fetched from the API with the bot's token (a delivery only carries ids);
 * the person must be an allowed approver; then the command runs. The tenant
 * is always the room's, never one a card or a message names.
 */
import * as v from 'valibot';
import type { Logger } from '../../engine/log.ts';
import {
  CardInputs,
  chatCommand,
  isAllowedApprover,
  type Person,
  type RoomDirectory,
  type WebhookDelivery,
} from '../../integrations/webex/mod.ts';
import { type ActionDeps, type Asker, BotActions } from './actions.ts';
import type { DeliveryLog } from './replay.ts';

export interface WebhookHandlerDeps extends Omit<ActionDeps, 'now'> {
  rooms: RoomDirectory;
  /** Lower-case emails and `@domain` entries (settings: `webex.allowedApprovers`). */
  allowedApprovers: readonly string[];
  deliveries: DeliveryLog;
  /** Content created longer ago than this is refused as a replay (default 1 h). */
  maxAgeMs?: number;
  now?: () => number;
}

const DEFAULT_MAX_AGE_MS = 60 * 60_000;

export class WebhookHandler {
  readonly #d: WebhookHandlerDeps & { now: () => number; maxAgeMs: number };
  readonly #actions: BotActions;
  readonly #log: Logger;

  constructor(deps: WebhookHandlerDeps) {
    this.#d = { ...deps, now: deps.now ?? Date.now, maxAgeMs: deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS };
    this.#actions = new BotActions({ ...this.#d });
    this.#log = deps.logger;
  }

  async handle(d: WebhookDelivery): Promise<void> {
    const tenant = this.#d.rooms.tenantOf(d.data.roomId);
    if (tenant === null) {
      this.#log.warn(
        { roomId: d.data.roomId, resource: d.resource },
        'webex delivery from a room of no tenant; ignored',
      );
      return;
    }
    const bot = d.resource === 'messages' ? await this.#d.api.me() : null;
    if (bot !== null && d.data.personId === bot.id) return; // what the bot itself posted
    if (!(await this.#d.deliveries.claim(d.resource, d.data.id))) {
      this.#log.info({ tenant, resource: d.resource, id: d.data.id }, 'webex delivery seen before; ignored');
      return;
    }
    try {
      if (bot === null) await this.#onAction(tenant, d.data.id);
      else await this.#onMessage(tenant, d.data.id, bot);
    } finally {
      await this.#d.deliveries.sweep();
    }
  }

  async #onAction(tenant: string, id: string): Promise<void> {
    const action = await this.#d.api.getAttachmentAction(id);
    if (!this.#sameTenant(tenant, action.roomId) || this.#stale(action.created, id)) return;
    const person = await this.#d.api.getPerson(action.personId);
    // Answers go to the card's thread.
    const to = this.#asker(tenant, action.roomId, action.messageId, action.personId, person.emails[0]);
    const parsed = v.safeParse(CardInputs, action.inputs);
    const card = parsed.success ? parsed.output : null;
    if (!isAllowedApprover(to.email, this.#d.allowedApprovers)) {
      return this.#actions.refuse(to, {
        resourceId: id,
        resource: 'attachmentActions',
        verb: card?.action ?? 'card',
        ...(card ? { proposalId: card.proposalId } : {}),
      });
    }
    if (card === null)
      return this.#actions.say(to, 'Sorry, I could not read that card; nothing was decided.');
    if (card.tenant !== undefined && card.tenant !== tenant) {
      this.#log.warn({ tenant, cardTenant: card.tenant }, 'webex card of another tenant pressed; refused');
      return this.#actions.say(to, 'This card belongs to another tenant; nothing was decided.');
    }
    // The card's fingerprint goes with the decision: the keeper never applies ACEs the reader did not see.
    await this.#actions.decide(to, card.proposalId, card.action, card.reason, card.fingerprint);
  }

  async #onMessage(tenant: string, id: string, bot: Person): Promise<void> {
    const message = await this.#d.api.getMessage(id);
    if (message.personId === bot.id) return;
    if (!this.#sameTenant(tenant, message.roomId) || (message.created && this.#stale(message.created, id)))
      return;
    const email =
      message.personEmail ??
      (message.personId ? (await this.#d.api.getPerson(message.personId)).emails[0] : undefined);
    // A reply in a thread is answered in that thread; any other message gets a thread of its own.
    const to = this.#asker(
      tenant,
      message.roomId,
      message.parentId ?? message.id,
      message.personId ?? '',
      email,
    );
    const command = chatCommand(message.text ?? '', bot.displayName);
    if (!isAllowedApprover(to.email, this.#d.allowedApprovers)) {
      return this.#actions.refuse(to, {
        resourceId: id,
        resource: 'messages',
        verb: command.verb,
        ...('proposalId' in command ? { proposalId: command.proposalId } : {}),
      });
    }
    switch (command.verb) {
      case 'list':
        return this.#actions.listPending(to);
      case 'show':
        return this.#actions.show(to, command.proposalId);
      case 'approve':
      case 'reject':
        return this.#actions.decide(to, command.proposalId, command.verb, command.reason);
      case 'help':
        return this.#actions.help(to, command.problem);
    }
  }

  #asker(
    tenant: string,
    roomId: string,
    parentId: string,
    personId: string,
    email: string | undefined,
  ): Asker {
    return { tenant, roomId, parentId, personId, email: email?.trim().toLowerCase() ?? '' };
  }

  /** The content's room must be the delivery's tenant's too (a delivery's ids are not trusted alone). */
  #sameTenant(tenant: string, roomId: string): boolean {
    if (this.#d.rooms.tenantOf(roomId) === tenant) return true;
    this.#log.warn({ tenant, roomId }, 'webex content from another room than its delivery; ignored');
    return false;
  }

  #stale(created: string, id: string): boolean {
    const ageMs = this.#d.now() - Date.parse(created);
    if (ageMs <= this.#d.maxAgeMs) return false;
    this.#log.warn(
      { id, created, ageMs },
      'webex content older than the replay window (or clocks disagree); ignored',
    );
    return true;
  }
}
