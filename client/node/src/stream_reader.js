// StreamReader: pulls the messages of one grpc-js server-streaming call, one
// at a time, with flow control, a silence limit and an AbortSignal.
//
// - next() resolves with the next message, or null once the call is over
//   (then `status` says how it ended: {code, details}) or once `signal`
//   aborted. Messages received before the call's status are all delivered
//   first, even when the status is an error.
// - At most `highWaterMark` messages wait in memory: beyond that the call is
//   paused, so a slow reader slows the gateway's stream (HTTP/2 flow
//   control) instead of buffering the whole history.
// - Silence: once an idle limit is set (constructor or setIdleLimit), a call
//   that delivers nothing for that long is cancelled and `idle` turns true.
//   Time in which the reader holds the call paused does not count.
// - close() cancels the call if it is still open and stops every timer; it
//   is idempotent and must be called when the reader is no longer used.
//
// Not thread-related; one consumer at a time (next() calls do not overlap).

export class StreamReader {
  #call;
  #signal;
  #highWaterMark;
  #queue = [];
  #ended = false;
  #wake = null;
  #idleLimitMs = null;
  #idleTimer = null;
  #lastActivity = performance.now();
  #onAbort;
  #closed = false;

  /** How the call ended ({code, details}); null while it is open. */
  status = null;
  /** Whether the silence limit cancelled the call. */
  idle = false;

  /**
   * `call` is a grpc-js ClientReadableStream the reader now owns.
   * Options: idleLimitMs (null: no limit until setIdleLimit), signal,
   * highWaterMark (default 16).
   */
  constructor(call, { idleLimitMs = null, signal, highWaterMark = 16 } = {}) {
    this.#call = call;
    this.#signal = signal;
    this.#highWaterMark = highWaterMark;
    // The status event carries every error; without a listener, 'error'
    // would be thrown as an uncaught exception.
    call.on('error', () => {});
    call.on('data', (message) => {
      this.#queue.push(message);
      if (this.#queue.length >= this.#highWaterMark) call.pause();
      this.#lastActivity = performance.now();
      this.#notify();
    });
    call.on('status', (status) => {
      this.status = { code: status.code, details: status.details };
      this.#notify();
    });
    const ended = () => {
      this.#ended = true;
      this.#notify();
    };
    call.on('end', ended);
    call.on('close', ended);
    this.#onAbort = () => {
      this.#call.cancel();
      this.#notify();
    };
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (idleLimitMs !== null) this.setIdleLimit(idleLimitMs);
  }

  /**
   * Sets the longest silence allowed (replacing any earlier limit), counted
   * from the last message received, or from now if none was.
   */
  setIdleLimit(ms) {
    this.#idleLimitMs = ms;
    this.#clearIdleTimer();
    this.#armIdleTimer();
  }

  /** The next message; null when the call is over or the signal aborted. */
  async next() {
    for (;;) {
      if (this.#signal?.aborted || this.#closed) return null;
      if (this.#queue.length > 0) {
        const message = this.#queue.shift();
        if (this.#queue.length <= this.#highWaterMark / 2 && this.#call.isPaused()) {
          this.#lastActivity = performance.now();
          this.#call.resume();
        }
        return message;
      }
      if (this.status !== null && this.#ended) return null;
      // An ended stream without a status yet: the status follows at once.
      await new Promise((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Cancels the call if it is open and releases the timers and listeners. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearIdleTimer();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.status === null) this.#call.cancel();
    this.#queue = [];
    this.#notify();
  }

  #notify() {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #clearIdleTimer() {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  // One timer per limit, not one per message: when it fires early (a message
  // came meanwhile) it waits again for the rest of the limit. While the call
  // is paused the silence is the reader's own doing and does not count.
  #armIdleTimer() {
    if (this.#idleLimitMs === null || this.#closed || this.status !== null) return;
    const remaining = this.#lastActivity + this.#idleLimitMs - performance.now();
    this.#idleTimer = setTimeout(
      () => {
        this.#idleTimer = null;
        if (this.status !== null || this.#closed) return;
        if (this.#call.isPaused()) this.#lastActivity = performance.now();
        if (performance.now() - this.#lastActivity < this.#idleLimitMs) {
          this.#armIdleTimer();
          return;
        }
        this.idle = true;
        this.#call.cancel();
      },
      Math.max(0, remaining),
    );
  }
}
