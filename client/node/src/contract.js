// The gateway's contract as @grpc/grpc-js service constructors, loaded when
// this module is first imported from the .proto files that
// client/node/generate copies into the package (../proto). The well-known
// types they import (google/protobuf/duration.proto, struct.proto,
// timestamp.proto) come with protobufjs.
//
// The loader's options are fixed here, once, because every conversion in
// messages.js relies on the wire objects' shape:
// - field names in lowerCamelCase (keepCase: false), the JavaScript idiom;
// - 64-bit integers as decimal strings (longs: String): exact for every
//   uint64, unlike Number; messages.js turns them into BigInt;
// - enums as their full names, "STATE_COMPLETED" (enums: String), not
//   numbers, so that messages.js can strip the prefix;
// - every scalar present with its default (defaults: true), so "" and 0
//   arrive instead of undefined; unset messages arrive as null;
// - no virtual oneof fields (oneofs: false): the contract's oneofs are
//   proto3 `optional` request fields, whose presence the encoder keeps by
//   itself (an `afterSequence` that is present, even "0", is sent), and
//   BatchStartResult's `result`, whose unset member arrives as null.
import { fileURLToPath } from 'node:url';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

/** Where the package's copy of proto/ is. */
export const PROTO_DIR = fileURLToPath(new URL('../proto', import.meta.url));

/** The @grpc/proto-loader options every message conversion relies on. */
export const LOADER_OPTIONS = Object.freeze({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: false,
  includeDirs: [PROTO_DIR],
});

const packageDefinition = protoLoader.loadSync(
  ['cxone/compile/v1/compile.proto', 'cxone/compile/v1/webhooks.proto'],
  LOADER_OPTIONS,
);

/**
 * The `cxone.compile.v1` package: CompileService and WebhookService client
 * constructors (grpc-js "generic" clients), for calls the GatewayClient does
 * not wrap. Messages in and out have the shape LOADER_OPTIONS gives them.
 */
export const contract = grpc.loadPackageDefinition(packageDefinition).cxone.compile.v1;

/** The loaded definition of the enum `cxone.compile.v1.<name>`. */
export function enumDefinition(name) {
  return packageDefinition[`cxone.compile.v1.${name}`];
}
