/** Who may decide: exact emails and whole `@domain`s, case-insensitive; rooms map to tenants. */
import { describe, expect, test } from 'bun:test';
import { isAllowedApprover, normalizeEmail } from './approvers.ts';
import { RoomLinkError, roomDirectory, roomsFromSettings } from './rooms.ts';

describe('isAllowedApprover', () => {
  const allowed = ['ann@example.com', '@corp.example.org'];

  test('an exact email, in any case', () => {
    expect(isAllowedApprover('ann@example.com', allowed)).toBe(true);
    expect(isAllowedApprover(' Ann@Example.COM ', allowed)).toBe(true);
    expect(isAllowedApprover('bob@example.com', allowed)).toBe(false);
    expect(isAllowedApprover('xann@example.com', allowed)).toBe(false);
  });

  test('@domain admits exactly that domain', () => {
    expect(isAllowedApprover('bob@corp.example.org', allowed)).toBe(true);
    expect(isAllowedApprover('BOB@CORP.EXAMPLE.ORG', allowed)).toBe(true);
    expect(isAllowedApprover('eve@evil-corp.example.org', allowed)).toBe(false);
    expect(isAllowedApprover('eve@xcorp.example.org', allowed)).toBe(false);
    expect(isAllowedApprover('eve@corp.example.org.evil', allowed)).toBe(false);
    expect(isAllowedApprover('eve@sub.corp.example.org', allowed)).toBe(false);
  });

  test('look-alike domains and addresses do not pass for @example.com', () => {
    expect(isAllowedApprover('x@example.com', ['@example.com'])).toBe(true);
    expect(isAllowedApprover('x@evil-example.com', ['@example.com'])).toBe(false);
    expect(isAllowedApprover('x@example.com.evil', ['@example.com'])).toBe(false);
  });

  test('not an address, or an empty list: nobody', () => {
    expect(isAllowedApprover('', allowed)).toBe(false);
    expect(isAllowedApprover('@corp.example.org', allowed)).toBe(false);
    expect(isAllowedApprover('a@b@corp.example.org', allowed)).toBe(false);
    expect(isAllowedApprover('ann@example.com', [])).toBe(false);
    expect(normalizeEmail('a b@c.d')).toBeNull();
  });
});

describe('rooms', () => {
  test('one room per tenant both ways; unknown rooms and tenants are null', () => {
    const rooms = roomDirectory([
      { roomId: 'room-a', tenant: 'acme' },
      { roomId: 'room-g', tenant: 'globex' },
    ]);
    expect(rooms.tenantOf('room-a')).toBe('acme');
    expect(rooms.roomOf('globex')).toBe('room-g');
    expect(rooms.tenantOf('room-x')).toBeNull();
    expect(rooms.roomOf('initech')).toBeNull();
  });

  test('a room cannot speak for two tenants', () => {
    expect(() =>
      roomDirectory([
        { roomId: 'r', tenant: 'a' },
        { roomId: 'r', tenant: 'b' },
      ]),
    ).toThrow(RoomLinkError);
  });

  test('from settings: the operators room is the default tenant’s', () => {
    expect(roomsFromSettings({ operatorsRoomId: 'ops' }, 'default').tenantOf('ops')).toBe('default');
    expect(roomsFromSettings({}, 'default').roomOf('default')).toBeNull();
  });
});
