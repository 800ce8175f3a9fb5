/**
 * Reading an outside service's answer with a size cap, counted while it
 * streams: a misbehaving or hostile server cannot make the product buffer
 * more than the cap, whatever Content-Length it declares (or leaves out).
 */

/** The body as text, or null when it is (or declares itself) larger than `maxBytes`. */
export async function readTextCapped(res: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    return null;
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}
