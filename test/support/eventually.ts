/**
 * Polls `fn` until it returns something other than undefined. For state that settles on its own (visibility
 * store, a helm process reaching a step); bounded, and the error says what never happened.
 */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
