// watchCollection: follows every compile matching a filter with
// WatchCompiles, surviving broken streams: the async generator behind
// GatewayClient.watchCompiles. It resumes the way watchCompile
// (compile_watch.js) does, with the collection revision as its one cursor:
//
// - Retryable endings (WATCH_RETRYABLE_CODES: the gateway draining with
//   "resume with after_revision=N" or restarting, a reset connection, …),
//   a stream silent for twice its heartbeat interval (learnt from the first
//   message of a stream; later streams are held to it from their start),
//   and a stream that ends OK (WatchCompiles never ends on its own: a proxy
//   closed it) reconnect after a Backoff delay with `after_revision` set to
//   the last `resume_after_revision` received — of events and of markers
//   alike, since a HEARTBEAT is a bookmark past events that did not match.
//   Until something was received, the next stream asks for what the first
//   asked: `afterRevision`, or the current revision without one. After
//   silence the connection itself is replaced (connections.renew): a wedged
//   connection would swallow the next call too.
// - OUT_OF_RANGE (the cursor fell behind the gateway's bounded history, or
//   `afterRevision` is older than what it keeps) throws a GatewayError: the
//   caller's cache may have missed events, and only a new list tells it
//   what is true now. So does any other error that is not retryable
//   (INVALID_ARGUMENT for a malformed filter), and `maxReconnects`
//   reconnects in a row that receive nothing. A stream that delivered
//   anything, a marker included, resets the count and the backoff.
// - Never an event twice: a logged event whose revision is at or below the
//   highest the caller has (yielded, or given as `afterRevision`) is
//   skipped. Never one skipped: the cursor only moves to what was received.
//   SYNCED and HEARTBEAT markers are yielded only with `includeMarkers`.
// - Cancellation is quiet: when `signal` aborts, or the caller leaves its
//   for-await loop, the call is cancelled and the iteration ends without an
//   error.
import { sleep } from './abort.js';
import { Code, GatewayError, WATCH_RETRYABLE_CODES, codeName } from './errors.js';
import { collectionMessageFromWire, isMarker } from './messages.js';
import { StreamReader } from './stream_reader.js';

function describe(status) {
  return status.details ? `${codeName(status.code)}: ${status.details}` : codeName(status.code);
}

/**
 * Yields the messages ({event, compile, resumeAfterRevision,
 * heartbeatIntervalMs}) of the compiles `filter` (a CompileFilter wire
 * object) matches, never ending by itself.
 *
 * `connections` gives the stub to call: current() returns {stub} (a grpc-js
 * CompileService client), renew(connection) replaces that connection if it
 * is still the current one. Options: afterRevision (bigint or undefined),
 * includeMarkers, signal, backoff (a Backoff), maxReconnects, onRetry.
 */
export async function* watchCollection(connections, filter, options) {
  const { afterRevision, includeMarkers, signal, backoff, maxReconnects, onRetry } = options;
  // The after_revision of the next stream; undefined: the current revision.
  let resumeAfter = afterRevision;
  // The highest logged revision the caller has.
  let delivered = afterRevision;
  // Twice the heartbeat interval, once a stream has stated it.
  let idleLimitMs = null;
  let reconnectsWithoutMessage = 0;

  for (;;) {
    if (signal?.aborted) return;
    const request =
      resumeAfter === undefined ? { filter } : { filter, afterRevision: resumeAfter.toString() };
    const connection = connections.current();
    const reader = new StreamReader(connection.stub.WatchCompiles(request), {
      idleLimitMs,
      signal,
    });
    let received = false;
    try {
      for (let wire = await reader.next(); wire !== null; wire = await reader.next()) {
        received = true;
        const message = collectionMessageFromWire(wire);
        if (message.heartbeatIntervalMs > 0) {
          idleLimitMs = 2 * message.heartbeatIntervalMs;
          reader.setIdleLimit(idleLimitMs);
        }
        const { event } = message;
        const marker = isMarker(event.type);
        // A logged event is itself delivered, whether or not the gateway
        // filled in resume_after_revision.
        let resume = message.resumeAfterRevision;
        if (!marker && event.revision > resume) resume = event.revision;
        if (resumeAfter === undefined || resume > resumeAfter) resumeAfter = resume;

        // Revision 0: an event logged before the gateway numbered them,
        // which nothing can tell from another; never replayed by revision.
        const numbered = !marker && event.revision > 0n;
        const repeated = numbered && delivered !== undefined && event.revision <= delivered;
        if (numbered && !repeated) delivered = event.revision;
        if (!repeated && (!marker || includeMarkers)) {
          yield message;
          if (signal?.aborted) return;
        }
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
    } else if (status.code === Code.OK) {
      reason = 'the stream ended with OK, which WatchCompiles never does by itself';
      giveUpCode = Code.UNKNOWN;
    } else if (!WATCH_RETRYABLE_CODES.has(status.code)) {
      // OUT_OF_RANGE among them: its message names the oldest revision
      // kept and says to list again.
      throw new GatewayError(status.code, status.details);
    } else {
      reason = describe(status);
    }

    if (reconnectsWithoutMessage >= maxReconnects) {
      throw new GatewayError(
        giveUpCode,
        maxReconnects <= 0
          ? `the WatchCompiles stream broke (${reason})`
          : `the WatchCompiles stream broke (${reason}); giving up after ` +
              `${reconnectsWithoutMessage} reconnects in a row received nothing ` +
              `(maxReconnects ${maxReconnects})`,
      );
    }
    const delayMs = backoff.delayMs(reconnectsWithoutMessage);
    ++reconnectsWithoutMessage;
    onRetry?.({
      operation: 'watchCompiles',
      attempt: reconnectsWithoutMessage,
      delayMs,
      reason,
      afterRevision: resumeAfter,
    });
    if (!(await sleep(delayMs, signal))) return;
  }
}
