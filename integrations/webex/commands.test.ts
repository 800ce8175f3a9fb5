/** Chat commands: the bot's mention stripped, each verb parsed, anything else answered with help. */
import { describe, expect, test } from 'bun:test';
import { chatCommand, mentionNames, parseCommand, stripMention } from './commands.ts';

describe('stripMention', () => {
  const names = mentionNames('Scopilot Bot');

  test('the display name, or its first word, with or without @, any case', () => {
    expect(names).toEqual(['Scopilot Bot', 'Scopilot']);
    expect(stripMention('Scopilot Bot list pending', names)).toBe('list pending');
    expect(stripMention('@Scopilot Bot list pending', names)).toBe('list pending');
    expect(stripMention('scopilot: approve p-1', names)).toBe('approve p-1');
    expect(stripMention('  SCOPILOT BOT,  help ', names)).toBe('help');
  });

  test('only a leading, whole-word mention is stripped', () => {
    expect(stripMention('list pending', names)).toBe('list pending');
    expect(stripMention('Scopilotx approve p-1', names)).toBe('Scopilotx approve p-1');
    expect(stripMention('approve Scopilot', names)).toBe('approve Scopilot');
  });

  test('names with regular-expression characters are taken literally', () => {
    const odd = mentionNames('Bot (prod) v1.2');
    expect(stripMention('Bot (prod) v1.2 help', odd)).toBe('help');
    expect(stripMention('Bot xprodx v1x2 help', odd)).toBe('xprodx v1x2 help');
    expect(mentionNames(undefined)).toEqual([]);
  });
});

describe('parseCommand', () => {
  test('list pending', () => {
    expect(parseCommand('list pending')).toEqual({ verb: 'list' });
    expect(parseCommand('LIST')).toEqual({ verb: 'list' });
    expect(parseCommand('pending')).toEqual({ verb: 'list' });
    expect(parseCommand('list everything')).toMatchObject({ verb: 'help', problem: expect.any(String) });
  });

  test('show, approve and reject take an id; reject and approve an optional reason', () => {
    expect(parseCommand('show p-abc')).toEqual({ verb: 'show', proposalId: 'p-abc' });
    expect(parseCommand('approve p-abc')).toEqual({ verb: 'approve', proposalId: 'p-abc' });
    expect(parseCommand('Reject p-abc  not   needed here')).toEqual({
      verb: 'reject',
      proposalId: 'p-abc',
      reason: 'not needed here',
    });
    expect(parseCommand('reject p-abc')).toEqual({ verb: 'reject', proposalId: 'p-abc' });
  });

  test('missing or malformed ids get help with the problem named', () => {
    expect(parseCommand('approve')).toEqual({ verb: 'help', problem: '`approve` needs a proposal id' });
    expect(parseCommand('approve ../etc')).toEqual({ verb: 'help', problem: 'that is not a proposal id' });
    expect(parseCommand(`show ${'x'.repeat(65)}`)).toMatchObject({ verb: 'help' });
  });

  test('anything else is help', () => {
    expect(parseCommand('help')).toEqual({ verb: 'help' });
    expect(parseCommand('')).toEqual({ verb: 'help' });
    expect(parseCommand('please approve everything')).toEqual({ verb: 'help' });
  });

  test('reasons are capped', () => {
    const c = parseCommand(`reject p-1 ${'a'.repeat(3000)}`);
    expect(c.verb === 'reject' && c.reason?.length).toBe(2000);
  });

  test('chatCommand strips the mention first', () => {
    expect(chatCommand('Scopilot Bot reject p-1 noisy', 'Scopilot Bot')).toEqual({
      verb: 'reject',
      proposalId: 'p-1',
      reason: 'noisy',
    });
    expect(chatCommand('approve p-1', undefined)).toEqual({ verb: 'approve', proposalId: 'p-1' });
  });
});
