// cxone-compile-gateway-client: the Node client of cxone-compile-gateway.
// See ../README.md and ../index.d.ts.
export { GatewayClient, connect } from './gateway_client.js';
export { DEFAULT_SERVER, ENV, EndpointError, GatewayEndpoint, resolveEndpoint } from './endpoint.js';
export { Code, GatewayError, codeName } from './errors.js';
export { ErrorCategory, EventType, State, isMarker, isTerminal } from './messages.js';
export { LOADER_OPTIONS, PROTO_DIR, contract } from './contract.js';
