/**
 * Handling text that comes from logs, dictionaries, providers or a model:
 * SGT names, SGACL names, threat reasons, model rationales. Such text is data,
 * never instructions (DESIGN §7), so it is normalised, stripped of control and
 * invisible formatting characters, shortened, and any IP literal in it is
 * redacted before it goes anywhere near a prompt or a report.
 */

/** C0/C1 controls (newlines included: they could fake structure in a prompt). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Zero-width and bidi-override characters hide or reorder text for a reader. */
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

const IPV4 = /(?<![0-9])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9])/g;
/** Runs of hex digits and colons that hold at least one colon: IPv6 candidates. */
const HEX_COLON_RUN = /[0-9A-Fa-f:]*:[0-9A-Fa-f:]*/g;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
/** A letter that is not a hex digit next to a candidate means it is part of a word. */
const WORD_LETTER = /[G-Zg-z]/;

export interface Span {
  start: number;
  end: number;
}

const groupsValid = (part: string): number => {
  if (part === '') return 0;
  const groups = part.split(':');
  return groups.every((g) => HEX_GROUP.test(g)) ? groups.length : -1;
};

/**
 * A full IPv6 address (zone ids are handled by the caller): eight groups, or
 * fewer with exactly one `::`. At least one hex group is required, so a bare
 * `::` in prose is not taken for the unspecified address; times such as
 * `10:17:22` and MAC addresses (6 groups, no `::`) are not addresses.
 */
export function isIpv6(candidate: string): boolean {
  const halves = candidate.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) return groupsValid(candidate) === 8;
  const head = groupsValid(halves[0] as string);
  const tail = groupsValid(halves[1] as string);
  return head >= 0 && tail >= 0 && head + tail >= 1 && head + tail <= 7;
}

const ipv4Spans = (text: string): Span[] => {
  const spans: Span[] = [];
  for (const m of text.matchAll(IPV4)) {
    const octets = m.slice(1, 5).map(Number);
    if (octets.every((o) => o <= 255)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
};

const ipv6Spans = (text: string): Span[] => {
  const spans: Span[] = [];
  for (const m of text.matchAll(HEX_COLON_RUN)) {
    let start = m.index;
    let end = start + m[0].length;
    // A lone colon at either edge is punctuation (`ip:fe80::1`, `fe80::1:`), not part of the address.
    if (text[start] === ':' && text[start + 1] !== ':') start += 1;
    if (text[end - 1] === ':' && text[end - 2] !== ':') end -= 1;
    if (end <= start) continue;
    const before = start > 0 ? (text[start - 1] as string) : '';
    const after = end < text.length ? (text[end] as string) : '';
    if (WORD_LETTER.test(before) || WORD_LETTER.test(after)) continue;
    if (isIpv6(text.slice(start, end))) {
      // `fe80::1%eth0`: the zone id names a local interface; it goes with the address.
      const zone = after === '%' ? /^%[0-9A-Za-z_-]+(?:\.[0-9A-Za-z_-]+)*/.exec(text.slice(end)) : null;
      spans.push({ start, end: end + (zone?.[0].length ?? 0) });
    }
  }
  return spans;
};

/** Every IPv4 (octets ≤ 255) and IPv6 literal in `text`, in order. */
export function findIpLiterals(text: string): Span[] {
  return [...ipv4Spans(text), ...ipv6Spans(text)].sort((a, b) => a.start - b.start);
}

export const IP_PLACEHOLDER = '[ip]';

export function redactIpLiterals(text: string): string {
  const spans = findIpLiterals(text);
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out += text.slice(at, s.start) + IP_PLACEHOLDER;
    at = s.end;
  }
  return out + text.slice(at);
}

/** The default cap for names (SGT, SGACL) in prompts and reports. */
export const NAME_MAX = 64;

/**
 * Untrusted text made safe to embed: NFKC-normalised (so full-width digits
 * cannot smuggle an address past the IP check), controls and invisible
 * characters removed, IP literals redacted, whitespace collapsed, and cut to
 * `max` code points.
 */
export function cleanUntrusted(raw: string, max = NAME_MAX): string {
  const text = redactIpLiterals(
    raw.normalize('NFKC').replace(INVISIBLE, '').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim(),
  );
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  // Cutting can turn `10.0.0.1234` (not an address) into `10.0.0.1`: redact again.
  return redactIpLiterals(`${chars.slice(0, max - 1).join('')}…`);
}
