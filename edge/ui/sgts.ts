/**
 * SGT dictionary `/ui/sgts`: every named tag with the class the classifier
 * judges it by (set, or inferred from the name with its confidence), the tags
 * seen in traffic that have no name yet, and (admin) a name and class edit
 * per tag. Names are shown escaped
 * like everything else: a name is operator- or log-supplied text.
 */
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { isTagClass, profileOf, TAG_CLASSES, type TagClass } from '../../domain/classify/classes.ts';
import { parseFlowId } from '../../domain/flow.ts';
import { MAX_SGT_NAME, missingTags } from '../../domain/sgt.ts';
import { keys, type SgtRecord } from '../../kv-schema/mod.ts';
import { hasRole } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { mapParallel } from '../rest/matrix-data.ts';
import { errorPage, type Html, notice, num, page, when } from './layout.ts';
import { requireUiRole, type UiEnv } from './session.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A name an admin typed, trimmed; an error text when it cannot be one. */
export function checkName(raw: unknown): { name: string } | { error: string } {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name === '') return { error: 'A name must not be empty.' };
  if (name.length > MAX_SGT_NAME) return { error: `A name has at most ${MAX_SGT_NAME} characters.` };
  if (CONTROL.test(name)) return { error: 'A name must not contain control characters.' };
  return { name };
}

/** The class a form asks for: undefined keeps the stored one, null clears it (infer from the name). */
export function checkClass(raw: unknown): { cls: TagClass | null | undefined } | { error: string } {
  if (raw === undefined) return { cls: undefined };
  if (raw === '') return { cls: null };
  return typeof raw === 'string' && isTagClass(raw) ? { cls: raw } : { error: 'Not a tag class.' };
}

function classSelect(tag: number, current: TagClass | undefined): Html {
  const options = TAG_CLASSES.map(
    (c) => html`<option value="${c}"${c === current ? ' selected' : ''}>${c}</option>`,
  );
  return html`<label for="class-${tag}" class="muted">Class for SGT ${tag}</label>
<select id="class-${tag}" name="class"><option value=""${current === undefined ? ' selected' : ''}>infer from the name</option>${options}</select>`;
}

function nameForm(tag: number, value: string, label: string, cls?: { current: TagClass | undefined }): Html {
  return html`<form method="post" action="/ui/sgts/${tag}" class="inline">
<label for="name-${tag}" class="muted">${label}</label>
<input type="text" id="name-${tag}" name="name" value="${value}" required maxlength="${MAX_SGT_NAME}">
${cls === undefined ? '' : classSelect(tag, cls.current)}
<button type="submit" class="secondary">Save</button></form>`;
}

function classCell(tag: number, record: SgtRecord): Html {
  const p = profileOf(tag, record.name, record.class);
  const how =
    p.source === 'explicit'
      ? 'set'
      : p.source === 'inferred'
        ? `inferred, ${p.confidence.toFixed(2)}`
        : 'unknown';
  return html`<td>${p.cls} <span class="muted">(${how})</span></td>`;
}

export function sgtsRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const admin = hasRole(principal, 'admin');
    const sgtKeys = await deps.stores.sgt.keys(keys.tenantAll(tenant));
    const named = (
      await mapParallel(sgtKeys, async (k) => {
        const found = await deps.stores.sgt.get(k);
        const tag = Number(k.slice(k.lastIndexOf('.') + 1));
        return found === null || !Number.isInteger(tag) ? null : { tag, record: found.value as SgtRecord };
      })
    )
      .flatMap((x) => (x === null ? [] : [x]))
      .sort((a, b) => a.tag - b.tag);
    const seen = new Set<number>();
    for (const k of await deps.stores.inventory.keys(keys.tenantAll(tenant))) {
      const flow = parseFlowId(k.slice(tenant.length + 1));
      if (flow !== null) seen.add(flow.sgt).add(flow.dgt);
    }
    const missing = missingTags(new Map(named.map((n) => [n.tag, n.record.name])), seen);
    const saved = c.req.query('saved');
    const rows = named.map(
      ({
        tag,
        record,
      }) => html`<tr><th scope="row" class="n">${tag}</th><td>${record.name}</td>${classCell(tag, record)}
<td>${record.updatedBy}</td><td>${when(Date.parse(record.updatedAt))}</td>
${admin ? html`<td>${nameForm(tag, record.name, `New name for SGT ${tag}`, { current: record.class })}</td>` : ''}</tr>`,
    );
    const body = html`${saved === undefined ? '' : notice('ok', `Saved the name of SGT ${saved}.`)}
<h2>Named tags (${num(named.length)})</h2>
${
  named.length === 0
    ? html`<p>No tag is named yet.</p>`
    : html`<table><thead><tr><th scope="col" class="n">SGT</th><th scope="col">Name</th><th scope="col">Class</th><th scope="col">Updated by</th><th scope="col">Updated</th>
${admin ? html`<th scope="col">Edit</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`
}
<h2>Missing: seen in traffic, not named (${num(missing.length)})</h2>
${
  missing.length === 0
    ? html`<p>Every tag seen in traffic has a name.</p>`
    : html`<ul id="missing">${missing.map((t) => html`<li>SGT <strong>${t}</strong> ${admin ? nameForm(t, '', `Name for SGT ${t}`) : ''}</li>`)}</ul>`
}
${
  admin
    ? html`<h2>Name another tag</h2><form method="post" action="/ui/sgts" class="actions">
<label for="new-tag">SGT</label><input type="text" inputmode="numeric" pattern="[0-9]{1,5}" id="new-tag" name="tag" required size="6">
<label for="new-name">Name</label><input type="text" id="new-name" name="name" required maxlength="${MAX_SGT_NAME}">
<button type="submit">Save</button></form>`
    : ''
}`;
    return page(c, { title: 'SGT dictionary', active: '/ui/sgts', principal }, body);
  });

  const save = async (c: Context<UiEnv>, rawTag: unknown) => {
    const principal = c.get('principal');
    const tag = typeof rawTag === 'string' && /^\d{1,5}$/.test(rawTag) ? Number(rawTag) : -1;
    if (tag < 0 || tag > 65535)
      return errorPage(c, 400, 'Bad request', 'An SGT is a whole number 0–65535.', principal);
    const form = await c.req.parseBody();
    const checked = checkName(form.name);
    if ('error' in checked) return errorPage(c, 400, 'Bad request', checked.error, principal);
    const cls = checkClass(form.class);
    if ('error' in cls) return errorPage(c, 400, 'Bad request', cls.error, principal);
    const key = keys.sgt(principal.tenant, tag);
    const kept =
      cls.cls === undefined ? (await deps.stores.sgt.get(key))?.value.class : (cls.cls ?? undefined);
    await deps.stores.sgt.put(key, {
      name: checked.name,
      updatedBy: principal.subject,
      updatedAt: new Date().toISOString(),
      ...(kept ? { class: kept } : {}),
    });
    return c.redirect(`/ui/sgts?saved=${tag}`, 303);
  };
  app.post('/', requireUiRole('admin'), async (c) => save(c, (await c.req.parseBody()).tag));
  app.post('/:tag', requireUiRole('admin'), (c) => save(c, c.req.param('tag')));
  return app;
}
