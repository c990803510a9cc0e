// watchCollection against scripted streams (no gateway): where each
// reconnect resumes, what it skips, and which endings it raises. The real
// gateway's side is in watch_compiles.test.js.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';

import { Backoff } from '../src/backoff.js';
import { watchCollection } from '../src/collection_watch.js';
import { Code, EventType, GatewayError } from '../src/index.js';

// A grpc-js ClientReadableStream that plays `messages`, then ends with
// `status` ({code, details}).
class ScriptedCall extends EventEmitter {
  #paused = false;
  constructor(messages, status) {
    super();
    setImmediate(() => {
      for (const message of messages) this.emit('data', message);
      this.emit('status', status);
      this.emit('end');
    });
  }
  pause() {
    this.#paused = true;
  }
  resume() {
    this.#paused = false;
  }
  isPaused() {
    return this.#paused;
  }
  cancel() {}
}

// Connections whose WatchCompiles call i plays scripts[i] and records its
// request; the last script is replayed past the end.
function scriptedConnections(scripts) {
  const requests = [];
  const stub = {
    WatchCompiles(request) {
      const script = scripts[Math.min(requests.length, scripts.length - 1)];
      requests.push(request);
      return new ScriptedCall(script.messages, script.status);
    },
  };
  return { requests, current: () => ({ stub }), renew: () => {} };
}

function wireEvent(revision, type = 'EVENT_TYPE_STATE_CHANGED') {
  return {
    sequence: String(revision),
    type,
    state: 'STATE_IN_PROGRESS',
    previousState: 'STATE_QUEUED',
    errors: [],
    warnings: [],
    time: null,
    name: 'flows/f/compiles/c',
    upstreamStatus: '',
    detail: '',
    throttledUntil: null,
    resumeAfterSequence: '0',
    heartbeatInterval: null,
    revision: String(revision),
  };
}

function logged(revision) {
  return { event: wireEvent(revision), compile: null, resumeAfterRevision: String(revision) };
}

function marker(type, resumeAfterRevision) {
  return {
    event: { ...wireEvent(0, type), sequence: '0', state: 'STATE_UNSPECIFIED' },
    compile: null,
    resumeAfterRevision: String(resumeAfterRevision),
    heartbeatInterval: { seconds: '30', nanos: 0 },
  };
}

const UNAVAILABLE = { code: Code.UNAVAILABLE, details: 'server draining' };

function watch(connections, options = {}) {
  return watchCollection(
    connections,
    {},
    {
      includeMarkers: false,
      backoff: new Backoff({ initialDelayMs: 0, maxDelayMs: 0 }),
      maxReconnects: 5,
      ...options,
    },
  );
}

// The revisions `iterable` yields until one is `last`.
async function revisionsUntil(iterable, last) {
  const revisions = [];
  for await (const { event } of iterable) {
    revisions.push(event.revision);
    if (event.revision === last) break;
  }
  return revisions;
}

describe('watchCollection', () => {
  it('resumes after the last revision received, skipping what a stream replays', async () => {
    const connections = scriptedConnections([
      { messages: [logged(5), logged(6)], status: UNAVAILABLE },
      // A gateway that replays from before the cursor: 5 and 6 again.
      { messages: [logged(5), logged(6), logged(7)], status: UNAVAILABLE },
    ]);
    const revisions = await revisionsUntil(watch(connections, { afterRevision: 4n }), 7n);
    assert.deepEqual(revisions, [5n, 6n, 7n]);
    assert.deepEqual(
      connections.requests.map((request) => request.afterRevision),
      ['4', '6'],
    );
  });

  it('resumes after a marker bookmark, past events that did not match', async () => {
    const retries = [];
    const connections = scriptedConnections([
      {
        messages: [marker('EVENT_TYPE_SYNCED', 3), marker('EVENT_TYPE_HEARTBEAT', 9)],
        status: UNAVAILABLE,
      },
      { messages: [logged(10)], status: UNAVAILABLE },
    ]);
    const revisions = await revisionsUntil(
      watch(connections, { onRetry: (info) => retries.push(info) }),
      10n,
    );
    assert.deepEqual(revisions, [10n]);
    // The first stream asked for now; the next for after the bookmark.
    assert.equal('afterRevision' in connections.requests[0], false);
    assert.equal(connections.requests[1].afterRevision, '9');
    assert.equal(retries[0].operation, 'watchCompiles');
    assert.equal(retries[0].afterRevision, 9n);
    assert.match(retries[0].reason, /^UNAVAILABLE: server draining/);
  });

  it('yields markers only with includeMarkers', async () => {
    const connections = scriptedConnections([
      { messages: [marker('EVENT_TYPE_SYNCED', 3), logged(4)], status: UNAVAILABLE },
    ]);
    const types = [];
    for await (const { event, resumeAfterRevision } of watch(connections, {
      includeMarkers: true,
    })) {
      types.push([event.type, resumeAfterRevision]);
      if (event.revision === 4n) break;
    }
    assert.deepEqual(types, [
      [EventType.SYNCED, 3n],
      [EventType.STATE_CHANGED, 4n],
    ]);
  });

  it('reconnects after a stream that ends OK, which WatchCompiles never does', async () => {
    const connections = scriptedConnections([
      { messages: [logged(1)], status: { code: Code.OK, details: '' } },
      { messages: [logged(2)], status: UNAVAILABLE },
    ]);
    assert.deepEqual(await revisionsUntil(watch(connections), 2n), [1n, 2n]);
    assert.equal(connections.requests[1].afterRevision, '1');
  });

  it('raises OUT_OF_RANGE, and errors that would recur, as GatewayError', async () => {
    for (const status of [
      { code: Code.OUT_OF_RANGE, details: 'the oldest retained is revision 7; list again' },
      { code: Code.INVALID_ARGUMENT, details: 'label selector "=": …' },
    ]) {
      const connections = scriptedConnections([{ messages: [logged(3)], status }]);
      await assert.rejects(
        revisionsUntil(watch(connections, { afterRevision: 2n }), 99n),
        (error) => {
          assert.ok(error instanceof GatewayError);
          assert.equal(error.code, status.code);
          assert.equal(error.details, status.details);
          return true;
        },
      );
      assert.equal(connections.requests.length, 1);
    }
  });

  it('gives up after maxReconnects reconnects in a row that received nothing', async () => {
    const connections = scriptedConnections([{ messages: [], status: UNAVAILABLE }]);
    await assert.rejects(revisionsUntil(watch(connections, { maxReconnects: 3 }), 99n), {
      name: 'GatewayError',
      code: Code.UNAVAILABLE,
      message: /giving up after 3 reconnects in a row received nothing/,
    });
    assert.equal(connections.requests.length, 4);
  });
});
