// Checks shared by the watch tests.
import assert from 'node:assert/strict';

import { isMarker, isTerminal } from '../../src/index.js';

/**
 * Asserts that `events` are a watch's whole story told once: markers aside,
 * each sequence one more than the one before (a snapshot first carries the
 * newest sequence it reflects), the last one terminal in `finalState`.
 * Returns the logged events.
 */
export function assertEveryEventOnceInOrder(events, finalState) {
  const logged = events.filter((event) => !isMarker(event.type));
  assert.ok(logged.length > 0, 'no event was yielded');
  for (let i = 1; i < logged.length; ++i) {
    assert.equal(
      logged[i].sequence,
      logged[i - 1].sequence + 1n,
      `event ${i} has sequence ${logged[i].sequence} after ${logged[i - 1].sequence}`,
    );
  }
  const last = logged.at(-1);
  assert.ok(isTerminal(last.state), `the last event is ${last.type} ${last.state}, not terminal`);
  assert.equal(last.state, finalState);
  return logged;
}
