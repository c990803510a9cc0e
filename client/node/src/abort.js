// Small helpers for AbortSignal: a sleep that an abort cuts short, and one
// signal that aborts when any of several does (AbortSignal.any is not in
// Node 18).

/**
 * Waits `ms` milliseconds; resolves true when the time passed, false as soon
 * as `signal` (optional) aborts. Never rejects.
 */
export function sleep(ms, signal) {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that aborts (with the first one's reason) when any of `signals`
 * does; undefined entries are ignored, and undefined is returned for none.
 */
export function anySignal(signals) {
  const present = signals.filter((signal) => signal !== undefined);
  if (present.length <= 1) return present[0];
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(present);
  const controller = new AbortController();
  for (const signal of present) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), {
      once: true,
      signal: controller.signal,
    });
  }
  return controller.signal;
}

/** What an aborted operation rejects with: the signal's reason. */
export function abortReason(signal) {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
