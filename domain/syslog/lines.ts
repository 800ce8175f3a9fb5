/**
 * Bytes to lines, streaming: any input size in constant memory. Lines come
 * out in arrays (one per input chunk) so the hot loop is synchronous. CRLF
 * endings are trimmed; invalid UTF-8 becomes U+FFFD, which the parser
 * rejects with its own reason. A "line" longer than `maxLineLength` without an
 * ending is passed on cut to that length (the parser refuses it as too long)
 * and the rest of it skipped, instead of growing the buffer without bound.
 */

export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineLength = 65_536,
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  let carry = '';
  let skipping = false;
  for await (const chunk of chunks) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (skipping) skipping = false;
      else
        lines.push(
          text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl),
        );
      start = nl + 1;
    }
    carry = text.slice(start);
    if (carry.length > maxLineLength) {
      if (!skipping) lines.push(carry.slice(0, maxLineLength));
      skipping = true;
      carry = '';
    }
    if (lines.length > 0) yield lines;
  }
  const tail = carry + decoder.decode();
  if (!skipping && tail.length > 0) yield [tail.endsWith('\r') ? tail.slice(0, -1) : tail];
}
