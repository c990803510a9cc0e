// Backoff: exponential backoff with full jitter, as common/backoff.h: the
// delay before retry n (0 for the first) is uniform in
// [0, min(maxDelayMs, initialDelayMs * 2^n)], so that the many clients one
// gateway restart disconnects spread out instead of returning together.
// Randomness comes from the injected `random` (a () => [0, 1) function), so
// that tests can make it deterministic.

export class Backoff {
  /**
   * REQUIRES: 0 <= initialDelayMs <= maxDelayMs; `random` returns a number
   * in [0, 1).
   */
  constructor({ initialDelayMs, maxDelayMs }, random = Math.random) {
    if (!(initialDelayMs >= 0 && maxDelayMs >= initialDelayMs)) {
      throw new RangeError(
        `backoff needs 0 <= initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`,
      );
    }
    this.initialDelayMs = initialDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.random = random;
  }

  /** The upper bound delayMs(retry) draws below. */
  ceilingMs(retry) {
    return Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** retry);
  }

  /** The delay before retry number `retry`, in milliseconds. */
  delayMs(retry) {
    return Math.round(this.random() * this.ceilingMs(retry));
  }
}
