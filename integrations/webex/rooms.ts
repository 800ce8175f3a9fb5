/**
 * Which WebEx room speaks for which tenant. The bot is installed with one
 * operators room per tenant: cards for a tenant's proposals go there, and a
 * command from a room acts on that room's tenant only (never on a tenant a
 * card or a message names). Rooms not listed are ignored. Settings hold one
 * room today (the default tenant's); more rooms only add entries here.
 */

export class RoomLinkError extends Error {
  readonly code = 'WEBEX_ROOM_LINK_CONFLICT';
  constructor(message: string) {
    super(message);
    this.name = 'RoomLinkError';
  }
}

export interface RoomLink {
  roomId: string;
  tenant: string;
}

export interface RoomDirectory {
  /** The tenant a room belongs to, or null for a room the bot does not serve. */
  tenantOf(roomId: string): string | null;
  /** Where a tenant's cards go, or null when it has no room. */
  roomOf(tenant: string): string | null;
}

export function roomDirectory(links: readonly RoomLink[]): RoomDirectory {
  const byRoom = new Map<string, string>();
  const byTenant = new Map<string, string>();
  for (const { roomId, tenant } of links) {
    const owner = byRoom.get(roomId);
    if (owner !== undefined && owner !== tenant) {
      throw new RoomLinkError(`room ${roomId} is linked to two tenants (${owner}, ${tenant})`);
    }
    byRoom.set(roomId, tenant);
    if (!byTenant.has(tenant)) byTenant.set(tenant, roomId);
  }
  return {
    tenantOf: (roomId) => byRoom.get(roomId) ?? null,
    roomOf: (tenant) => byTenant.get(tenant) ?? null,
  };
}

/** From settings: the operators room, if set, belongs to the default tenant. */
export function roomsFromSettings(
  webex: { operatorsRoomId?: string | undefined },
  defaultTenantId: string,
): RoomDirectory {
  return roomDirectory(
    webex.operatorsRoomId ? [{ roomId: webex.operatorsRoomId, tenant: defaultTenantId }] : [],
  );
}
