/** Tools for the tenant's SGT dictionary: list it, list unnamed tags, and (when enabled) name one. */
import * as v from 'valibot';
import type { MissingSgt, SgtEntry } from '../rest/sgts.ts';
import { SgtPutBody } from '../rest/sgts.ts';
import { num, table, text } from './render.ts';
import { args, callApi, defineTool, Gate, type Tool } from './tool.ts';

const Tag = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(0),
  v.maxValue(65535),
  v.description('The SGT number'),
);

export const SGT_TOOLS: readonly Tool[] = [
  defineTool({
    name: 'list_missing_sgts',
    title: 'List unnamed SGTs',
    description:
      "SGT numbers that appear in the tenant's observed traffic but have no name in the dictionary, with how " +
      'many flows and hits involve each. Use it before reviewing contracts: unnamed tags make rationales and ' +
      'contract names vague. Read-only.',
    input: args({}),
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: (_a, api) =>
      callApi<MissingSgt[]>(api, { method: 'GET', path: '/sgts/missing' }, (l) =>
        [
          `${num(l.length)} unnamed SGTs in traffic.`,
          table(
            ['tag', 'flows', 'hits'],
            l.map((m) => [String(m.tag), num(m.flows), num(m.hits)]),
          ),
        ].join('\n\n'),
      ),
  }),
  defineTool({
    name: 'list_sgt_entries',
    title: 'List the SGT dictionary',
    description:
      "The tenant's SGT dictionary: each tag's name, who set it and when. Names are operator-provided text. " +
      'Read-only.',
    input: args({}),
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: (_a, api) =>
      callApi<SgtEntry[]>(api, { method: 'GET', path: '/sgts' }, (l) =>
        [
          `${num(l.length)} named SGTs.`,
          table(
            ['tag', 'name', 'updated by', 'updated at'],
            l.map((e) => [String(e.tag), text(e.name, 64), text(e.updatedBy, 80), e.updatedAt]),
            100,
          ),
        ].join('\n\n'),
      ),
  }),
  defineTool({
    name: 'set_sgt_name',
    title: 'Name an SGT',
    description:
      "Set (or replace) the name of one SGT in the tenant's dictionary, for everyone: names show in contracts, " +
      'proposals and classifier prompts. Needs the admin role. Only offered when the server enables dictionary ' +
      'edits. Use names from the ISE security-group list, never names guessed from traffic.',
    input: args({
      tag: Tag,
      name: v.pipe(SgtPutBody.entries.name, v.description('The security group name')),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    gate: Gate.DictionaryEdit,
    run: ({ tag, name }, api) =>
      callApi<SgtEntry>(
        api,
        { method: 'PUT', path: `/sgts/${tag}`, body: { name } },
        (e) => `SGT ${e.tag} is now named ${text(e.name, 64)}.`,
      ),
  }),
];
