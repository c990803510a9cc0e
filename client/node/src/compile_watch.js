// watchCompile: follows one compile with WatchCompile until its terminal
// event, surviving broken streams: the async generator behind
// GatewayClient.watch. It keeps the reference behaviour of the C++ CLI's
// CompileWatch (client/compile_watch.h):
//
// - Retryable endings (WATCH_RETRYABLE_CODES: the gateway draining with
//   "resume with after_sequence=N" or restarting, a reset connection, …)
//   and a stream silent for twice its heartbeat interval (learnt from the
//   first message of a stream; later streams are held to it from their
//   start) reconnect after a Backoff delay with `after_sequence` set to the
//   last `resume_after_sequence` received (none, i.e. a snapshot, until
//   something was received). After silence the connection itself is
//   replaced (connections.renew): a wedged connection would swallow the
//   next call too.
// - OUT_OF_RANGE on a resumed stream (the events after `after_sequence` are
//   no longer kept), or a resumed stream ending OK without the terminal
//   event: the watch starts again at once from a snapshot, whose state is
//   the compile's now. (The CLI calls GetCompile here to print it; a
//   snapshot gives the same state as an event of this iterator.)
// - An unresumed stream ending OK without a terminal event, or any other
//   error, throws a GatewayError; so do `maxReconnects` reconnects in a row
//   that receive nothing. A stream that delivered anything, a marker
//   included, resets the count and the backoff: the gateway was reachable.
// - Never an event twice: a logged event (or snapshot) whose sequence is at
//   or below the highest the caller has (yielded, or given as
//   `afterSequence`) is skipped. Never one skipped: the resume cursor only
//   moves to what was received. SYNCED and HEARTBEAT markers are yielded
//   only with `includeMarkers`.
// - Cancellation is quiet: when `signal` aborts, or the caller leaves its
//   for-await loop (the generator's return()), the call is cancelled and the
//   iteration ends without an error.
import { sleep } from './abort.js';
import { Code, GatewayError, WATCH_RETRYABLE_CODES, codeName } from './errors.js';
import { eventFromWire, isMarker, isTerminal } from './messages.js';
import { StreamReader } from './stream_reader.js';

function describe(status) {
  return status.details ? `${codeName(status.code)}: ${status.details}` : codeName(status.code);
}

/**
 * Yields the events of compile `name` until its terminal event.
 *
 * `connections` gives the stub to call: current() returns {stub} (a grpc-js
 * CompileService client), renew(connection) replaces that connection if it
 * is still the current one. Options: afterSequence (bigint or undefined),
 * includeMarkers, signal, backoff (a Backoff), maxReconnects, onRetry.
 */
export async function* watchCompile(connections, name, options) {
  const { afterSequence, includeMarkers, signal, backoff, maxReconnects, onRetry } = options;
  // The after_sequence of the next stream; undefined asks for a snapshot.
  let resumeAfter = afterSequence;
  // The highest logged sequence the caller has.
  let delivered = afterSequence;
  // Twice the heartbeat interval, once a stream has stated it.
  let idleLimitMs = null;
  let reconnectsWithoutMessage = 0;

  for (;;) {
    if (signal?.aborted) return;
    const resumed = resumeAfter !== undefined;
    const request = resumed ? { name, afterSequence: resumeAfter.toString() } : { name };
    const connection = connections.current();
    const reader = new StreamReader(connection.stub.WatchCompile(request), {
      idleLimitMs,
      signal,
    });
    let received = false;
    try {
      for (let wire = await reader.next(); wire !== null; wire = await reader.next()) {
        received = true;
        const event = eventFromWire(wire);
        if (event.heartbeatIntervalMs > 0) {
          idleLimitMs = 2 * event.heartbeatIntervalMs;
          reader.setIdleLimit(idleLimitMs);
        }
        const marker = isMarker(event.type);
        // A logged event is itself delivered, whether or not the gateway
        // filled in resume_after_sequence.
        let resume = event.resumeAfterSequence;
        if (!marker && event.sequence > resume) resume = event.sequence;
        if (resumeAfter === undefined || resume > resumeAfter) resumeAfter = resume;

        const repeated = !marker && delivered !== undefined && event.sequence <= delivered;
        if (!marker && !repeated) delivered = event.sequence;
        if (!repeated && (!marker || includeMarkers)) {
          yield event;
          if (signal?.aborted) return;
        }
        // Terminal states never change again: the result is known, whether
        // or not the gateway has closed the stream yet.
        if (!marker && isTerminal(event.state)) return;
      }
    } finally {
      reader.close();
    }
    if (signal?.aborted) return;
    if (received) reconnectsWithoutMessage = 0;

    const status = reader.status ?? {
      code: Code.UNKNOWN,
      details: 'the stream ended without a status',
    };
    let reason;
    let giveUpCode = status.code;
    if (reader.idle) {
      reason = `no message for ${idleLimitMs} ms, twice the heartbeat interval`;
      giveUpCode = Code.UNAVAILABLE;
      connections.renew(connection);
    } else if (status.code === Code.OK && !resumed) {
      // The API ends a stream with OK only after the terminal event; an OK
      // without one is a broken gateway, and nothing says the flow compiled.
      throw new GatewayError(
        Code.UNKNOWN,
        `the watch stream of ${name} ended without a result (no terminal state received); the outcome is unknown`,
      );
    } else if (status.code === Code.OK || (status.code === Code.OUT_OF_RANGE && resumed)) {
      resumeAfter = undefined;
      continue;
    } else if (!WATCH_RETRYABLE_CODES.has(status.code)) {
      throw new GatewayError(status.code, status.details);
    } else {
      reason = describe(status);
    }

    if (reconnectsWithoutMessage >= maxReconnects) {
      throw new GatewayError(
        giveUpCode,
        maxReconnects <= 0
          ? `stream of ${name} broke (${reason})`
          : `stream of ${name} broke (${reason}); giving up after ${reconnectsWithoutMessage} ` +
              `reconnects in a row received nothing (maxReconnects ${maxReconnects})`,
      );
    }
    const delayMs = backoff.delayMs(reconnectsWithoutMessage);
    ++reconnectsWithoutMessage;
    onRetry?.({
      operation: 'watch',
      name,
      attempt: reconnectsWithoutMessage,
      delayMs,
      reason,
      afterSequence: resumeAfter,
    });
    if (!(await sleep(delayMs, signal))) return;
  }
}
