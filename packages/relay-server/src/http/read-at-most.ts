/**
 * The first `max` bytes of a response's body; the rest is never downloaded. For answers from
 * URLs someone else controls (link previews, the before-send hook), so a huge body costs nothing.
 */
export async function readAtMost(response: Response, max: number): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < max) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value.byteLength > max - total ? value.subarray(0, max - total) : value;
    chunks.push(chunk);
    total += chunk.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks);
}
