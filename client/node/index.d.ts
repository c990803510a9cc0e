// Types of cxone-compile-gateway-client (hand-written; the package has no
// build step). The runtime is src/index.js.
import type { ChannelCredentials, ChannelOptions, GrpcObject } from '@grpc/grpc-js';
import type { Options as LoaderOptions } from '@grpc/proto-loader';

/** Compile states: cxone.compile.v1.State without its STATE_ prefix. */
export declare const State: {
  readonly UNSPECIFIED: 'UNSPECIFIED';
  readonly QUEUED: 'QUEUED';
  readonly IN_PROGRESS: 'IN_PROGRESS';
  readonly COMPLETED: 'COMPLETED';
  readonly FAILED: 'FAILED';
  readonly TIMED_OUT: 'TIMED_OUT';
};
/**
 * A compile state. A value this package's copy of the contract does not
 * know (a newer gateway) arrives as its number.
 */
export type State = (typeof State)[keyof typeof State] | number;

/** Event types: cxone.compile.v1.EventType without EVENT_TYPE_. */
export declare const EventType: {
  readonly UNSPECIFIED: 'UNSPECIFIED';
  readonly SNAPSHOT: 'SNAPSHOT';
  readonly STATE_CHANGED: 'STATE_CHANGED';
  readonly STUCK: 'STUCK';
  readonly UPSTREAM_ANOMALY: 'UPSTREAM_ANOMALY';
  readonly THROTTLED: 'THROTTLED';
  readonly SYNCED: 'SYNCED';
  readonly HEARTBEAT: 'HEARTBEAT';
};
export type EventType = (typeof EventType)[keyof typeof EventType] | number;

/** Error categories: cxone.compile.v1.ErrorCategory without ERROR_CATEGORY_. */
export declare const ErrorCategory: {
  readonly UNSPECIFIED: 'UNSPECIFIED';
  readonly SYNTAX: 'SYNTAX';
  readonly VALIDATION: 'VALIDATION';
  readonly REFERENCE: 'REFERENCE';
  readonly UNKNOWN: 'UNKNOWN';
};
export type ErrorCategory = (typeof ErrorCategory)[keyof typeof ErrorCategory] | number;

/** gRPC status codes by name (google.rpc.Code). */
export declare const Code: {
  readonly OK: 0;
  readonly CANCELLED: 1;
  readonly UNKNOWN: 2;
  readonly INVALID_ARGUMENT: 3;
  readonly DEADLINE_EXCEEDED: 4;
  readonly NOT_FOUND: 5;
  readonly ALREADY_EXISTS: 6;
  readonly PERMISSION_DENIED: 7;
  readonly RESOURCE_EXHAUSTED: 8;
  readonly FAILED_PRECONDITION: 9;
  readonly ABORTED: 10;
  readonly OUT_OF_RANGE: 11;
  readonly UNIMPLEMENTED: 12;
  readonly INTERNAL: 13;
  readonly UNAVAILABLE: 14;
  readonly DATA_LOSS: 15;
  readonly UNAUTHENTICATED: 16;
};
export type Code = (typeof Code)[keyof typeof Code];

/** "NOT_FOUND" for 5; "CODE_<n>" for a number outside the table. */
export declare function codeName(code: number): string;

/** A failed call: the gRPC status and the gateway's message. */
export declare class GatewayError extends Error {
  constructor(code: number, details: string, options?: { cause?: unknown });
  readonly name: 'GatewayError';
  /** The gRPC status code; compare with Code.*. */
  readonly code: number;
  /** Its name, e.g. "NOT_FOUND". */
  readonly codeName: string;
  /** The gateway's message, which says what to do next. */
  readonly details: string;
  static fromGrpc(error: unknown): GatewayError;
}

/** A position in the flow's source. */
export interface SourceLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column; 0 when CXone gave a line but no column. */
  column: number;
}

/** One problem CXone found in a flow (an error or a warning). */
export interface CompileError {
  category: ErrorCategory;
  /** CXone's code verbatim, e.g. "SYNTAX_ERROR"; "" for a plain-string warning. */
  code: string;
  message: string;
  /** null when CXone gave no location. */
  location: SourceLocation | null;
}

/**
 * A compile's labels, key to value, e.g. {pipeline: 'checkout'}: Kubernetes
 * label syntax, checked by the gateway (INVALID_ARGUMENT naming the label).
 */
export type Labels = { [key: string]: string };

/** A compilation of one flow. */
export interface Compile {
  /** flows/{flowId}/compiles/{compileId} */
  name: string;
  flowId: string;
  compileId: string;
  state: State;
  /** The last status string CXone reported, verbatim. */
  upstreamStatus: string;
  errors: CompileError[];
  warnings: CompileError[];
  createTime: Date | null;
  updateTime: Date | null;
  /** The labels its start gave it ({} for none); they never change. */
  labels: Labels;
  /** The collection revision of the newest event the compile reflects (0n if none). */
  revision: bigint;
}

/** One event of a compile's history (or, with includeMarkers, a marker). */
export interface CompileEvent {
  /** 1, 2, 3, … with no gaps; a snapshot's is the newest event it reflects; 0n for markers. */
  sequence: bigint;
  type: EventType;
  /** The compile's state after this event (UNSPECIFIED on markers). */
  state: State;
  previousState: State;
  errors: CompileError[];
  warnings: CompileError[];
  time: Date | null;
  name: string;
  upstreamStatus: string;
  /** Why, for STUCK, UPSTREAM_ANOMALY and THROTTLED events. */
  detail: string;
  /** For THROTTLED: when the gateway asks CXone again. */
  throttledUntil: Date | null;
  /** The afterSequence that resumes after this message. */
  resumeAfterSequence: bigint;
  /** On a stream's first message and on markers: the longest silence; else null. */
  heartbeatIntervalMs: number | null;
  /** The event's place among every compile's events, gateway-wide (0n on markers). */
  revision: bigint;
}

/**
 * One message of watchCompiles: a logged event with the compile as the
 * event's commit left it, or (with includeMarkers) a SYNCED or HEARTBEAT
 * marker, whose event has only its type and whose compile is null.
 */
export interface CompilesMessage {
  event: CompileEvent;
  compile: Compile | null;
  /** The afterRevision that resumes after this message (markers too: bookmarks). */
  resumeAfterRevision: bigint;
  /** On a stream's first message and on markers: the longest silence; else null. */
  heartbeatIntervalMs: number | null;
}

/**
 * Which compiles list and watchCompiles mean; every condition given must
 * hold, and none means every compile.
 */
export interface CompileFilter {
  /** The compile's flow is one of these (at most 100). */
  flowIds?: string[];
  /** Its state is one of these (not UNSPECIFIED). */
  states?: State[];
  /** A Kubernetes label selector: 'pipeline=checkout,tier!=canary', 'team in (a,b)', '!draft'. */
  labelSelector?: string;
  /** Created at or after this time. */
  createTimeFrom?: Date;
  /** Created before this time. */
  createTimeTo?: Date;
}

export interface ListOptions extends CompileFilter {
  /** The most compiles a page holds: 0 (the default) means the gateway's 100; at most 1000. */
  pageSize?: number;
  /** A previous page's nextPageToken (with the same filter): start after that page. */
  pageToken?: string;
  signal?: AbortSignal;
}

/** One page of a list, newest first. */
export interface ListPage {
  compiles: Compile[];
  /** The next page's token; '' on the last page. */
  nextPageToken: string;
  /** The collection revision the page reflects: watchCompiles after it. */
  revision: bigint;
}

export interface WatchCompilesOptions extends CompileFilter {
  /**
   * Replay the matching events after this revision (a list page's revision,
   * or the resumeAfterRevision of the last message handled); without it,
   * from now. A Number must be a safe integer.
   */
  afterRevision?: bigint | number | string;
  /** Also yield SYNCED and HEARTBEAT markers. */
  includeMarkers?: boolean;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
}

/** A JSON value, as compile directives carry them. */
export type DirectiveValue =
  | null
  | boolean
  | number
  | string
  | DirectiveValue[]
  | { [key: string]: DirectiveValue | undefined };
export type Directives = { [key: string]: DirectiveValue | undefined };

/** What onRetry is told before each retry of start or reconnect of a watch. */
export type RetryInfo =
  | {
      operation: 'start';
      flowId: string;
      requestId: string;
      /** The attempt that failed, from 1. */
      attempt: number;
      delayMs: number;
      error: GatewayError;
    }
  | {
      operation: 'watch';
      name: string;
      /** Reconnects in a row without a message, this one included. */
      attempt: number;
      delayMs: number;
      /** Why the stream ended, e.g. "UNAVAILABLE: server draining; …". */
      reason: string;
      /** Where the next stream resumes; undefined for a snapshot. */
      afterSequence: bigint | undefined;
    }
  | {
      operation: 'list';
      /** The token of the page retried; '' for the first. */
      pageToken: string;
      /** The attempt that failed, from 1. */
      attempt: number;
      delayMs: number;
      error: GatewayError;
    }
  | {
      operation: 'watchCompiles';
      /** Reconnects in a row without a message, this one included. */
      attempt: number;
      delayMs: number;
      /** Why the stream ended, e.g. "UNAVAILABLE: server draining; …". */
      reason: string;
      /** Where the next stream resumes; undefined: from the current revision. */
      afterRevision: bigint | undefined;
    };

/** What the CLI's --tls-ca, --tls-cert, --tls-key and --token-file say. */
export interface EndpointOptions {
  /** File of PEM CAs that verify the gateway (TLS); default the system's. */
  tlsCa?: string;
  /** File: the PEM client certificate, for mTLS; needs tlsKey. */
  tlsCert?: string;
  /** File: the PEM private key of tlsCert. */
  tlsKey?: string;
  /** Sent as `authorization: Bearer TOKEN` on every call. */
  token?: string;
  /** A file holding the token (instead of token). */
  tokenFile?: string;
}

export interface ResolveEndpointOptions extends EndpointOptions {
  /** Each option not given comes from its CXONE_* variable here (e.g. process.env). */
  env?: Record<string, string | undefined>;
  /** What errors call `server`; default "server". */
  serverName?: string;
}

/** A server, TLS file or token the client cannot use; names the option, never a secret. */
export declare class EndpointError extends Error {
  constructor(message: string);
}

/** A resolved endpoint; the key and the token never show. */
export declare class GatewayEndpoint {
  readonly target: string;
  readonly tls: boolean;
  readonly caPem: Buffer | null;
  readonly certPem: Buffer | null;
  readonly hasToken: boolean;
  channelCredentials(): ChannelCredentials;
  toJSON(): Record<string, unknown>;
}

/** The CLI's variables: CXONE_SERVER, CXONE_TLS_CA, CXONE_TLS_CERT, CXONE_TLS_KEY, CXONE_TOKEN_FILE. */
export declare const ENV: Readonly<{
  server: string;
  tlsCa: string;
  tlsCert: string;
  tlsKey: string;
  tokenFile: string;
}>;
export declare const DEFAULT_SERVER: string;

/**
 * `server`: HOST:PORT, https://HOST[:PORT] (TLS) or dns:///HOST:PORT, by the
 * CLI's rules. Throws EndpointError.
 */
export declare function resolveEndpoint(
  server?: string,
  options?: ResolveEndpointOptions,
): GatewayEndpoint;

export interface ConnectOptions extends GatewayClientOptions {
  /** Where the CXONE_* variables are read; default process.env. */
  env?: Record<string, string | undefined>;
}

/** A client of the gateway the CLI would call: the options, else the CLI's CXONE_* variables. */
export declare function connect(server?: string, options?: ConnectOptions): GatewayClient;

export interface GatewayClientOptions extends EndpointOptions {
  /** Instead of the tls* options; default grpc.credentials.createInsecure(). */
  credentials?: ChannelCredentials;
  /** grpc-js channel options, merged over the package's. */
  channelOptions?: ChannelOptions;
  /**
   * Deadline of each unary call attempt; default 150000 (the gateway bounds a
   * call at 2 min). batchStart's is its own timeoutMs.
   */
  callTimeoutMs?: number;
  /** start() with a requestId: default {maxAttempts: 8, initialDelayMs: 200, maxDelayMs: 5000}. */
  startRetry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Each page of list() and listPage() on UNAVAILABLE: default as startRetry's. */
  listRetry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** watch() and watchCompiles(): default {maxReconnects: 50, initialDelayMs: 200, maxDelayMs: 10000}. */
  watchRetry?: { maxReconnects?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** The backoff's jitter source, returning [0, 1); default Math.random. */
  random?: () => number;
  /** Called before each retry or reconnect (for logging). */
  onRetry?: (info: RetryInfo) => void;
}

export interface StartOptions {
  /** Idempotency key: with it, UNAVAILABLE and RESOURCE_EXHAUSTED are retried. */
  requestId?: string;
  directives?: Directives;
  /** The compile's labels, to find it by with list and watchCompiles. */
  labels?: Labels;
  signal?: AbortSignal;
}

/**
 * One start of a batchStart: what start takes. Give every item a requestId,
 * so that the batch retried returns the compiles already started.
 */
export interface StartItem {
  flowId: string;
  requestId?: string;
  directives?: Directives;
  labels?: Labels;
}

export interface BatchStartOptions {
  /**
   * The call's deadline; default callTimeoutMs + 1000 per item (the batch
   * lasts as long as the account's rate budget needs: about 28 s per 1000
   * items at 50 requests/s).
   */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One item's outcome: the Compile it started (or attached to), or the
 * GatewayError its start would have rejected with (`instanceof GatewayError`).
 */
export type BatchResult = Compile | GatewayError;

export interface WatchOptions {
  /** Resume after this sequence (a Number must be a safe integer). */
  afterSequence?: bigint | number | string;
  /** Also yield SYNCED and HEARTBEAT markers. */
  includeMarkers?: boolean;
  /** Aborting ends the iteration quietly. */
  signal?: AbortSignal;
}

export interface StartAndWaitOptions extends StartOptions {
  /** Beyond it: GatewayError DEADLINE_EXCEEDED. */
  timeoutMs?: number;
}

export declare class GatewayClient {
  /** address: HOST:PORT, https://HOST[:PORT], dns:///HOST:PORT or a GatewayEndpoint. */
  constructor(address: string | GatewayEndpoint, options?: GatewayClientOptions);
  readonly address: string;
  start(flowId: string, options?: StartOptions): Promise<Compile>;
  /**
   * 1 to 1000 starts in one call; a result per item, in order. Per item, not
   * atomic: an item's error is in the array, not thrown; a call's error
   * (e.g. INVALID_ARGUMENT for no items) rejects. Not retried by itself.
   */
  batchStart(items: readonly StartItem[], options?: BatchStartOptions): Promise<BatchResult[]>;
  get(name: string, options?: { signal?: AbortSignal }): Promise<Compile>;
  /** The compile a start with this requestId started; GatewayError NOT_FOUND while none. */
  lookup(requestId: string, options?: { signal?: AbortSignal }): Promise<Compile>;
  /** Every matching compile, newest first, page after page. */
  list(options?: ListOptions): AsyncGenerator<Compile, void, undefined>;
  /** One page, with its revision and the next page's token. */
  listPage(options?: ListOptions): Promise<ListPage>;
  watch(name: string, options?: WatchOptions): AsyncGenerator<CompileEvent, void, undefined>;
  /**
   * The events of every matching compile, resuming by itself; never ends by
   * itself. GatewayError OUT_OF_RANGE: list again and watch from its revision.
   */
  watchCompiles(options?: WatchCompilesOptions): AsyncGenerator<CompilesMessage, void, undefined>;
  startAndWait(flowId: string, options?: StartAndWaitOptions): Promise<Compile>;
  close(): void;
}

/** Whether `state` never changes again (COMPLETED, FAILED, TIMED_OUT). */
export declare function isTerminal(state: State): boolean;
/** Whether an event of `type` is a marker (SYNCED, HEARTBEAT). */
export declare function isMarker(type: EventType): boolean;

/** Where the package's copy of the .proto files is. */
export declare const PROTO_DIR: string;
/** The @grpc/proto-loader options the package loads them with. */
export declare const LOADER_OPTIONS: Readonly<LoaderOptions>;
/**
 * The cxone.compile.v1 package as grpc-js client constructors
 * (CompileService, WebhookService), for calls GatewayClient does not wrap.
 */
export declare const contract: GrpcObject;
