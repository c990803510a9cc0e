// GatewayClient: the idiomatic Node client of one cxone-compile-gateway.
//
// - start(flowId, {requestId, directives, labels}) starts a compile. With a
//   requestId it retries UNAVAILABLE and RESOURCE_EXHAUSTED by itself, with
//   capped jittered backoff: the key makes a retry safe (the gateway returns
//   the first call's compile and never triggers CXone twice). Without one it
//   never retries.
// - get(name) returns a compile's current state; lookup(requestId) the
//   compile a start with that key started.
// - list({...filter, pageSize, pageToken}) is an async iterator of every
//   compile matching a filter (flowIds, states, labelSelector,
//   createTimeFrom, createTimeTo), newest first, following the pages;
//   listPage(...) returns one page with its revision and next page token.
//   A page that fails UNAVAILABLE is retried with capped jittered backoff
//   (a list is read-only).
// - watch(name, {afterSequence, includeMarkers, signal}) is an async
//   iterator of the compile's events that resumes by itself and ends after
//   the terminal event (see compile_watch.js); aborting `signal` or leaving
//   the for-await loop ends it quietly.
// - watchCompiles({...filter, afterRevision, includeMarkers, signal}) is an
//   async iterator of the events of every compile matching a filter, each
//   with its compile, that resumes by itself from the collection revision
//   and never ends by itself (see collection_watch.js); OUT_OF_RANGE means
//   list again.
// - batchStart(items, {timeoutMs, signal}) starts up to 1000 compiles in one
//   call, each item what start takes, and resolves with a result per item
//   in order: its Compile or its GatewayError (not thrown). Per item, not
//   atomic: give every item a requestId so that retrying the batch is safe.
// - startAndWait(flowId, {..., timeoutMs}) resolves with the final Compile.
// - close() ends every watch quietly, cancels the calls in flight (their
//   promises reject with GatewayError CANCELLED) and closes the connection.
//
// Every failure is a GatewayError (a gRPC status code and the gateway's
// message), but for arguments of the wrong type or range (TypeError,
// RangeError) and an aborted `signal` (the promise rejects with the
// signal's reason, as Node's own APIs do).
//
// One HTTP/2 connection per client, shared by all its calls; calls may run
// concurrently.
import grpc from '@grpc/grpc-js';

import { abortReason, anySignal, sleep } from './abort.js';
import { Backoff } from './backoff.js';
import { watchCollection } from './collection_watch.js';
import { watchCompile } from './compile_watch.js';
import { contract } from './contract.js';
import { EndpointError, ENV, GatewayEndpoint, resolveEndpoint } from './endpoint.js';
import { Code, GatewayError, LIST_RETRYABLE_CODES, START_RETRYABLE_CODES } from './errors.js';
import {
  batchResultsFromWire,
  compileFromWire,
  filterToWire,
  isTerminal,
  listPageFromWire,
  startRequestToWire,
  toUint64,
} from './messages.js';

// A batchStart's default deadline: callTimeoutMs (one start's worth,
// waiting for the budget included) and this much per item. A batch lasts
// as long as the account's rate budget needs — 1000 triggers take about
// 20 s at 50 requests/s, 100 s at the gateway's default 10, longer when
// other calls share it — so the deadline is a guard against a hung call
// (1000 items: about 19 min), not a limit on a slow one.
const BATCH_ITEM_ALLOWANCE_MS = 1_000;

// The most compiles a ListCompiles page may be asked for is the gateway's
// to say (1000 today: more is INVALID_ARGUMENT); the field is an int32.
const INT32_MAX = 2 ** 31 - 1;

const DEFAULTS = Object.freeze({
  // Longer than the gateway's default --max-call-duration (2 min), which
  // bounds a StartCompile waiting for CXone's rate budget: the deadline is
  // a guard against a hung call, not a limit on a slow one.
  callTimeoutMs: 150_000,
  startRetry: Object.freeze({ maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 5_000 }),
  listRetry: Object.freeze({ maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 5_000 }),
  watchRetry: Object.freeze({ maxReconnects: 50, initialDelayMs: 200, maxDelayMs: 10_000 }),
  channelOptions: Object.freeze({
    // Connections of their own, not grpc-js's process-wide pool: closing or
    // replacing this client's connection never touches another client's.
    'grpc.use_local_subchannel_pool': 1,
    // A restarted gateway is found again within seconds, not grpc-js's
    // default of up to two minutes.
    'grpc.max_reconnect_backoff_ms': 5_000,
  }),
});

// The GatewayEndpoint a GatewayClient's constructor was given or names.
function endpointOf(address, options) {
  const { credentials, tlsCa, tlsCert, tlsKey, token, tokenFile } = options;
  let tlsGiven = Boolean(tlsCa || tlsCert || tlsKey);
  let endpoint;
  if (address instanceof GatewayEndpoint) {
    if (tlsGiven || token != null || tokenFile != null) {
      throw new EndpointError(
        'GatewayClient: a GatewayEndpoint is resolved already; give its TLS and token options to resolveEndpoint',
      );
    }
    endpoint = address;
    tlsGiven = Boolean(endpoint.caPem || endpoint.certPem);
  } else {
    if (typeof address !== 'string' || address === '') {
      throw new TypeError(
        'GatewayClient needs an address: "host:port", "https://host[:port]" or "dns:///host:port"',
      );
    }
    endpoint = resolveEndpoint(address, { tlsCa, tlsCert, tlsKey, token, tokenFile, serverName: 'address' });
  }
  if (credentials != null && tlsGiven) {
    throw new EndpointError('GatewayClient: give credentials or tlsCa, tlsCert and tlsKey, not both');
  }
  return endpoint;
}

/**
 * A GatewayClient of the gateway the CLI would call: `server` and the
 * options tlsCa, tlsCert, tlsKey and tokenFile not given come from the
 * CLI's variables in options.env (default process.env): $CXONE_SERVER (else
 * 127.0.0.1:50051), $CXONE_TLS_CA, $CXONE_TLS_CERT, $CXONE_TLS_KEY,
 * $CXONE_TOKEN_FILE (not read when `token` is given; nor are the TLS ones
 * with `credentials`). The other options are the GatewayClient's. Throws
 * EndpointError as the constructor does.
 */
export function connect(server, options = {}) {
  const { env = process.env, tlsCa, tlsCert, tlsKey, token, tokenFile, ...rest } = options;
  let lookup = env;
  if (rest.credentials != null) {
    lookup = { ...env };
    for (const variable of [ENV.tlsCa, ENV.tlsCert, ENV.tlsKey]) delete lookup[variable];
  }
  const endpoint = resolveEndpoint(server, { tlsCa, tlsCert, tlsKey, token, tokenFile, env: lookup });
  return new GatewayClient(endpoint, rest);
}

export class GatewayClient {
  #address;
  #credentials;
  // The token's: `authorization` on every call.
  #interceptors;
  #channelOptions;
  #callTimeoutMs;
  #startRetry;
  #listRetry;
  #watchRetry;
  #random;
  #onRetry;
  #connection;
  // Aborted by close(): every call and watch listens to it.
  #closing = new AbortController();

  /**
   * `address` is "host:port" (plaintext unless a tls* option or
   * credentials are given), "https://host[:port]" (TLS, port 443 by
   * default), a gRPC target URI such as "dns:///host:port", or a
   * GatewayEndpoint from resolveEndpoint. No environment variable is read:
   * connect() reads the CLI's. Options (all optional): tlsCa (a file of PEM
   * CAs that verify the gateway; default the system's), tlsCert and tlsKey
   * (files: a client certificate and its key, for mTLS), token or tokenFile
   * (a bearer token, or the file holding one, sent as `authorization:
   * Bearer TOKEN` on every call) — see endpoint.js for the rules; a
   * mistake throws EndpointError naming the option — credentials (grpc-js
   * ChannelCredentials, instead of the tls* options; default insecure),
   * channelOptions (grpc-js channel
   * options, merged over this package's), callTimeoutMs (deadline of each
   * unary call attempt, default 150 s; batchStart's is its own timeoutMs),
   * startRetry {maxAttempts,
   * initialDelayMs, maxDelayMs}, listRetry (the same, for each page of a
   * list), watchRetry {maxReconnects, initialDelayMs, maxDelayMs} (for
   * watch and watchCompiles), random (() => [0, 1), the backoff's jitter),
   * onRetry
   * (called with {operation, attempt, delayMs, ...} before each retry or
   * reconnect; for logging).
   */
  constructor(address, options = {}) {
    const endpoint = endpointOf(address, options);
    this.#address = endpoint.target;
    this.#credentials = options.credentials ?? endpoint.channelCredentials();
    this.#interceptors = endpoint.interceptors();
    this.#channelOptions = { ...DEFAULTS.channelOptions, ...options.channelOptions };
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULTS.callTimeoutMs;
    this.#startRetry = { ...DEFAULTS.startRetry, ...options.startRetry };
    this.#listRetry = { ...DEFAULTS.listRetry, ...options.listRetry };
    this.#watchRetry = { ...DEFAULTS.watchRetry, ...options.watchRetry };
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    // Checked now rather than at the first retry.
    new Backoff(this.#startRetry, this.#random);
    new Backoff(this.#listRetry, this.#random);
    new Backoff(this.#watchRetry, this.#random);
    this.#connection = this.#connect();
  }

  /** The address this client calls. */
  get address() {
    return this.#address;
  }

  /**
   * Starts compiling `flowId`; resolves with the Compile (an already running
   * compile of the flow when CXone names one). Options: requestId (the
   * idempotency key; makes the call retried), directives (a plain
   * JSON-like object passed to CXone), labels (a plain object of strings,
   * e.g. {pipeline: 'checkout'}: the compile's from its creation on, to
   * find it by with list and watchCompiles), signal.
   */
  async start(flowId, { requestId, directives, labels, signal } = {}) {
    const request = startRequestToWire(flowId, { requestId, directives, labels });
    const retry = Boolean(requestId);
    const backoff = new Backoff(this.#startRetry, this.#random);
    for (let attempt = 1; ; ++attempt) {
      try {
        return compileFromWire(await this.#unary('StartCompile', request, signal));
      } catch (error) {
        if (
          !retry ||
          !(error instanceof GatewayError) ||
          !START_RETRYABLE_CODES.has(error.code) ||
          attempt >= this.#startRetry.maxAttempts
        ) {
          throw error;
        }
        const delayMs = backoff.delayMs(attempt - 1);
        this.#onRetry?.({ operation: 'start', flowId, requestId, attempt, delayMs, error });
        if (!(await sleep(delayMs, anySignal([signal, this.#closing.signal])))) {
          throw this.#abortError(signal);
        }
      }
    }
  }

  /**
   * Starts many compiles in one call and resolves, when every item has its
   * answer, with one result per item in the items' order: the Compile it
   * started (or attached to), or the GatewayError its start would have
   * rejected with — resolved in the array, not thrown. `items` is an array
   * of 1 to 1000 {flowId, requestId, directives, labels}, each what start
   * takes (the same type checks: a TypeError names the item's index, and
   * nothing is sent).
   *
   * Per item, not atomic: each item is a start of its own (the same
   * validation, idempotency and errors: a bad label or flow id is that
   * item's INVALID_ARGUMENT), and one item's error leaves the others alone.
   * A trigger CXone accepted cannot be taken back, so give every item a
   * requestId: the same batch retried returns the compiles already started
   * and triggers only the rest. A failure of the call itself rejects with
   * a GatewayError (INVALID_ARGUMENT for no items or more than 1000,
   * UNAVAILABLE, DEADLINE_EXCEEDED); such a call may have started any of
   * its items. Nothing is retried by itself: retry the call, or the items
   * that failed UNAVAILABLE or RESOURCE_EXHAUSTED, with the same keys.
   *
   * Options: timeoutMs (the call's deadline; by default callTimeoutMs and
   * 1 s per item, since the gateway starts the items within the account's
   * rate budget: about 28 s per 1000 at 50 requests/s), signal.
   */
  async batchStart(items, { timeoutMs, signal } = {}) {
    if (!Array.isArray(items)) {
      throw new TypeError('items must be an array of {flowId, requestId, directives, labels}');
    }
    const requests = items.map((item, index) => {
      try {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new TypeError('must be an object {flowId, requestId, directives, labels}');
        }
        return startRequestToWire(item.flowId, item);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        const flow = typeof item?.flowId === 'string' ? ` (flow "${item.flowId}")` : '';
        throw new TypeError(`items[${index}]${flow}: ${error.message}`, { cause: error });
      }
    });
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
    }
    const deadlineMs = timeoutMs ?? this.#callTimeoutMs + BATCH_ITEM_ALLOWANCE_MS * items.length;
    const response = await this.#unary('BatchStartCompiles', { requests }, signal, deadlineMs);
    return batchResultsFromWire(response, requests.length);
  }

  /** Resolves with the compile named `name` as it is now. Options: signal. */
  async get(name, { signal } = {}) {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    return compileFromWire(await this.#unary('GetCompile', { name }, signal));
  }

  /**
   * Resolves with the compile a start with `requestId` started (or attached
   * to), as it is now: for a caller that lost the answer to its start.
   * Rejects with GatewayError NOT_FOUND while there is none: the key's
   * start is still in flight, or the key is unknown (never used, its start
   * failed, or retention forgot it with its compile). Options: signal.
   */
  async lookup(requestId, { signal } = {}) {
    if (typeof requestId !== 'string') throw new TypeError('requestId must be a string');
    return compileFromWire(await this.#unary('LookupCompile', { requestId }, signal));
  }

  /**
   * Resolves with one page of the compiles matching a filter, newest first:
   * {compiles, nextPageToken ('' on the last page), revision (BigInt: the
   * collection revision the page reflects, to watchCompiles after)}.
   * Options: the filter (flowIds, states as State values, labelSelector, a
   * Kubernetes label selector such as 'pipeline=checkout,tier!=canary',
   * createTimeFrom and createTimeTo as Dates), pageSize (0: the gateway's
   * 100), pageToken (a previous page's nextPageToken, with the same
   * filter), signal. UNAVAILABLE is retried (listRetry).
   */
  async listPage(options = {}) {
    return this.#listPageOf(this.#listRequest(options), options.signal);
  }

  /**
   * An async iterable of every compile matching a filter, newest first,
   * page after page until the last. Options: those of listPage (pageToken
   * starts after that page). A page that fails UNAVAILABLE is retried
   * (listRetry); any other failure throws a GatewayError from the
   * iteration, and so does an aborted `signal` (its reason): a list cut
   * short is not the list. Leaving the for-await loop ends it quietly.
   */
  list(options = {}) {
    const request = this.#listRequest(options);
    const { signal } = options;
    const pages = async function* (client) {
      for (;;) {
        const page = await client.#listPageOf(request, signal);
        yield* page.compiles;
        if (page.nextPageToken === '') return;
        request.pageToken = page.nextPageToken;
      }
    };
    return pages(this);
  }

  /**
   * An async iterable of the events of compile `name`, ending after its
   * terminal event. Options: afterSequence (resume after that sequence:
   * BigInt, safe-integer Number or decimal string), includeMarkers (also
   * yield SYNCED and HEARTBEAT markers), signal (aborting ends the
   * iteration quietly).
   */
  watch(name, { afterSequence, includeMarkers = false, signal } = {}) {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    const connections = {
      current: () => this.#connection,
      renew: (stale) => this.#renew(stale),
    };
    return watchCompile(connections, name, {
      afterSequence:
        afterSequence === undefined ? undefined : toUint64(afterSequence, 'afterSequence'),
      includeMarkers: Boolean(includeMarkers),
      signal: anySignal([signal, this.#closing.signal]),
      backoff: new Backoff(this.#watchRetry, this.#random),
      maxReconnects: this.#watchRetry.maxReconnects,
      onRetry: this.#onRetry,
    });
  }

  /**
   * An async iterable of the events of every compile matching a filter
   * (the filter of list: flowIds, states, labelSelector, createTimeFrom,
   * createTimeTo), compiles started later included, in revision order:
   * {event, compile, resumeAfterRevision, heartbeatIntervalMs}, where
   * `compile` is the compile as the event's commit left it (null on a
   * marker). It never ends by itself. Options: the filter, afterRevision
   * (a listPage revision, or the resumeAfterRevision of the last message
   * handled: replay every matching event after it; without it, from now;
   * BigInt, safe-integer Number or decimal string), includeMarkers (also
   * yield SYNCED and HEARTBEAT markers), signal (aborting ends the
   * iteration quietly). It resumes by itself as watch does; a stream whose
   * cursor fell behind the gateway's bounded history (or an afterRevision
   * older than it) throws GatewayError OUT_OF_RANGE: list again, and watch
   * from the new list's revision.
   */
  watchCompiles(options = {}) {
    const { afterRevision, includeMarkers = false, signal } = options;
    const filter = filterToWire(options);
    const connections = {
      current: () => this.#connection,
      renew: (stale) => this.#renew(stale),
    };
    return watchCollection(connections, filter, {
      afterRevision:
        afterRevision === undefined ? undefined : toUint64(afterRevision, 'afterRevision'),
      includeMarkers: Boolean(includeMarkers),
      signal: anySignal([signal, this.#closing.signal]),
      backoff: new Backoff(this.#watchRetry, this.#random),
      maxReconnects: this.#watchRetry.maxReconnects,
      onRetry: this.#onRetry,
    });
  }

  /**
   * Starts compiling `flowId` and resolves with the final Compile (a
   * terminal state: COMPLETED, FAILED with its errors, or TIMED_OUT).
   * Options: those of start(), and timeoutMs (all the time it may take;
   * beyond it the promise rejects with GatewayError DEADLINE_EXCEEDED).
   */
  async startAndWait(flowId, { requestId, directives, labels, timeoutMs, signal } = {}) {
    const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const combined = anySignal([signal, timeout]);
    const timedOut = () => timeout?.aborted && !signal?.aborted && !this.#closing.signal.aborted;
    try {
      const started = await this.start(flowId, {
        requestId,
        directives,
        labels,
        signal: combined,
      });
      if (isTerminal(started.state)) return started;
      let last = null;
      for await (const event of this.watch(started.name, { signal: combined })) last = event;
      if (last !== null && isTerminal(last.state)) {
        // The terminal event says everything that changed; the rest is the
        // started compile's.
        return {
          ...started,
          state: last.state,
          upstreamStatus: last.upstreamStatus,
          errors: last.errors,
          warnings: last.warnings,
          updateTime: last.time ?? started.updateTime,
          revision: last.revision,
        };
      }
      throw this.#abortError(combined);
    } catch (error) {
      if (timedOut()) {
        throw new GatewayError(
          Code.DEADLINE_EXCEEDED,
          `the compile of ${flowId} did not finish within ${timeoutMs} ms`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Ends every watch quietly, cancels every call in flight and closes the
   * connection. Idempotent; the client cannot be used afterwards.
   */
  close() {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new GatewayError(Code.CANCELLED, 'the GatewayClient was closed'));
    this.#connection.stub.close();
  }

  // The ListCompilesRequest of list() and listPage() options.
  #listRequest(options) {
    const { pageSize = 0, pageToken = '' } = options;
    if (!Number.isInteger(pageSize)) throw new TypeError('pageSize must be an integer');
    if (pageSize < 0 || pageSize > INT32_MAX) {
      throw new RangeError(`pageSize must be in [0, 2^31 - 1], got ${pageSize}`);
    }
    if (typeof pageToken !== 'string') throw new TypeError('pageToken must be a string');
    return { filter: filterToWire(options), pageSize, pageToken };
  }

  async #listPageOf(request, signal) {
    const backoff = new Backoff(this.#listRetry, this.#random);
    for (let attempt = 1; ; ++attempt) {
      try {
        return listPageFromWire(await this.#unary('ListCompiles', request, signal));
      } catch (error) {
        if (
          !(error instanceof GatewayError) ||
          !LIST_RETRYABLE_CODES.has(error.code) ||
          attempt >= this.#listRetry.maxAttempts
        ) {
          throw error;
        }
        const delayMs = backoff.delayMs(attempt - 1);
        this.#onRetry?.({
          operation: 'list',
          pageToken: request.pageToken,
          attempt,
          delayMs,
          error,
        });
        if (!(await sleep(delayMs, anySignal([signal, this.#closing.signal])))) {
          throw this.#abortError(signal);
        }
      }
    }
  }

  #connect() {
    const options = { ...this.#channelOptions };
    if (this.#interceptors.length > 0) {
      options.interceptors = [...(options.interceptors ?? []), ...this.#interceptors];
    }
    return {
      stub: new contract.CompileService(this.#address, this.#credentials, options),
    };
  }

  // After a silent stream: the next calls get a new connection (old calls
  // on the old one finish there). Only once per stale connection, however
  // many watches noticed it.
  #renew(stale) {
    if (stale !== this.#connection || this.#closing.signal.aborted) return;
    this.#connection = this.#connect();
    stale.stub.close();
  }

  // What an operation aborted by `signal` or by close() rejects with.
  #abortError(signal) {
    if (signal?.aborted) return abortReason(signal);
    return abortReason(this.#closing.signal);
  }

  #unary(method, request, signal, timeoutMs = this.#callTimeoutMs) {
    const abort = anySignal([signal, this.#closing.signal]);
    if (abort.aborted) return Promise.reject(this.#abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = this.#connection.stub[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          abort.removeEventListener('abort', onAbort);
          if (abort.aborted) reject(this.#abortError(signal));
          else if (error) reject(GatewayError.fromGrpc(error));
          else resolve(response);
        },
      );
      abort.addEventListener('abort', onAbort, { once: true });
    });
  }
}
