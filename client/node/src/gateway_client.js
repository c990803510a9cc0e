// GatewayClient: the idiomatic Node client of one cxone-compile-gateway.
//
// - start(flowId, {requestId, directives}) starts a compile. With a
//   requestId it retries UNAVAILABLE and RESOURCE_EXHAUSTED by itself, with
//   capped jittered backoff: the key makes a retry safe (the gateway returns
//   the first call's compile and never triggers CXone twice). Without one it
//   never retries.
// - get(name) returns a compile's current state.
// - watch(name, {afterSequence, includeMarkers, signal}) is an async
//   iterator of the compile's events that resumes by itself and ends after
//   the terminal event (see compile_watch.js); aborting `signal` or leaving
//   the for-await loop ends it quietly.
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
import { watchCompile } from './compile_watch.js';
import { contract } from './contract.js';
import { Code, GatewayError, START_RETRYABLE_CODES } from './errors.js';
import { compileFromWire, isTerminal, structToWire, toUint64 } from './messages.js';

const DEFAULTS = Object.freeze({
  // Longer than the gateway's default --max-call-duration (2 min), which
  // bounds a StartCompile waiting for CXone's rate budget: the deadline is
  // a guard against a hung call, not a limit on a slow one.
  callTimeoutMs: 150_000,
  startRetry: Object.freeze({ maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 5_000 }),
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

export class GatewayClient {
  #address;
  #credentials;
  #channelOptions;
  #callTimeoutMs;
  #startRetry;
  #watchRetry;
  #random;
  #onRetry;
  #connection;
  // Aborted by close(): every call and watch listens to it.
  #closing = new AbortController();

  /**
   * `address` is "host:port". Options (all optional): credentials (grpc-js
   * ChannelCredentials; default insecure), channelOptions (grpc-js channel
   * options, merged over this package's), callTimeoutMs (deadline of each
   * unary call attempt, default 150 s), startRetry {maxAttempts,
   * initialDelayMs, maxDelayMs}, watchRetry {maxReconnects, initialDelayMs,
   * maxDelayMs}, random (() => [0, 1), the backoff's jitter), onRetry
   * (called with {operation, attempt, delayMs, ...} before each retry or
   * reconnect; for logging).
   */
  constructor(address, options = {}) {
    if (typeof address !== 'string' || address === '') {
      throw new TypeError('GatewayClient needs an address, "host:port"');
    }
    this.#address = address;
    this.#credentials = options.credentials ?? grpc.credentials.createInsecure();
    this.#channelOptions = { ...DEFAULTS.channelOptions, ...options.channelOptions };
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULTS.callTimeoutMs;
    this.#startRetry = { ...DEFAULTS.startRetry, ...options.startRetry };
    this.#watchRetry = { ...DEFAULTS.watchRetry, ...options.watchRetry };
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    // Checked now rather than at the first retry.
    new Backoff(this.#startRetry, this.#random);
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
   * JSON-like object passed to CXone), signal.
   */
  async start(flowId, { requestId, directives, signal } = {}) {
    if (typeof flowId !== 'string') throw new TypeError('flowId must be a string');
    if (requestId !== undefined && typeof requestId !== 'string') {
      throw new TypeError('requestId must be a string');
    }
    const request = {
      flowId,
      requestId: requestId ?? '',
      directives: directives === undefined ? null : structToWire(directives),
    };
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

  /** Resolves with the compile named `name` as it is now. Options: signal. */
  async get(name, { signal } = {}) {
    if (typeof name !== 'string') throw new TypeError('name must be a string');
    return compileFromWire(await this.#unary('GetCompile', { name }, signal));
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
   * Starts compiling `flowId` and resolves with the final Compile (a
   * terminal state: COMPLETED, FAILED with its errors, or TIMED_OUT).
   * Options: those of start(), and timeoutMs (all the time it may take;
   * beyond it the promise rejects with GatewayError DEADLINE_EXCEEDED).
   */
  async startAndWait(flowId, { requestId, directives, timeoutMs, signal } = {}) {
    const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const combined = anySignal([signal, timeout]);
    const timedOut = () => timeout?.aborted && !signal?.aborted && !this.#closing.signal.aborted;
    try {
      const started = await this.start(flowId, { requestId, directives, signal: combined });
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

  #connect() {
    return {
      stub: new contract.CompileService(this.#address, this.#credentials, this.#channelOptions),
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

  #unary(method, request, signal) {
    const abort = anySignal([signal, this.#closing.signal]);
    if (abort.aborted) return Promise.reject(this.#abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = this.#connection.stub[method](
        request,
        { deadline: Date.now() + this.#callTimeoutMs },
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
