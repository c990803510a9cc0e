// Where the gateway is and how to reach it: the CLI's --server, --tls-ca,
// --tls-cert, --tls-key and --token-file (client/gateway_channel.h), with
// the same rules and, through connect(), the same environment variables.
//
// `server` takes
//   HOST:PORT                      plaintext, unless a tls* option is given
//   https://HOST[:PORT]            TLS (port 443 when none)
//   dns:[//AUTHORITY/]HOST[:PORT]  a gRPC target URI, passed to gRPC as it
//                                  is (plaintext unless a tls* option is given)
// TLS verifies the gateway's certificate against tlsCa (PEM; the system's
// roots when none) and presents tlsCert and tlsKey (which go together) to
// a gateway that asks for a client certificate (mTLS). A bearer token,
// `token` or the contents of `tokenFile`, is sent as `authorization: Bearer
// TOKEN` on every call, over TLS or plaintext alike (as the CLI: a loopback
// gateway may be plaintext).
//
// The files are read once, when the endpoint is resolved, synchronously. A
// mistake throws EndpointError naming the option (or the environment
// variable it came from) and the file: never a file's contents, nor the
// token.
import { readFileSync } from 'node:fs';

import grpc from '@grpc/grpc-js';

/** The variables connect() reads, as the CLI does, for each option not given. */
export const ENV = Object.freeze({
  server: 'CXONE_SERVER',
  tlsCa: 'CXONE_TLS_CA',
  tlsCert: 'CXONE_TLS_CERT',
  tlsKey: 'CXONE_TLS_KEY',
  tokenFile: 'CXONE_TOKEN_FILE',
});

/** The CLI's default --server. */
export const DEFAULT_SERVER = '127.0.0.1:50051';

const FORMS = 'HOST:PORT, https://HOST[:PORT] or dns:///HOST:PORT';

/** A server, TLS file or token the client cannot use. */
export class EndpointError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EndpointError';
  }
}

// The token never shows: not in a console.log of an endpoint, nor in JSON.
const TOKEN = Symbol('token');

/**
 * A resolved endpoint: `target` (HOST:PORT or a URI), `tls`, the PEM
 * contents (Buffers, not paths) of the CAs that verify the gateway (null:
 * the system's) and of the client certificate and key (null: none), and
 * whether a token is sent (`hasToken`; the token itself is not a visible
 * property).
 */
export class GatewayEndpoint {
  constructor({ target, tls = false, caPem = null, certPem = null, keyPem = null, token = null }) {
    this.target = target;
    this.tls = tls;
    this.caPem = caPem;
    this.certPem = certPem;
    Object.defineProperty(this, 'keyPem', { value: keyPem, enumerable: false });
    Object.defineProperty(this, TOKEN, { value: token, enumerable: false });
    Object.freeze(this);
  }

  get hasToken() {
    return this[TOKEN] !== null;
  }

  /** grpc-js channel credentials: TLS, or insecure for plaintext. */
  channelCredentials() {
    if (!this.tls) return grpc.credentials.createInsecure();
    return grpc.credentials.createSsl(this.caPem, this.keyPem, this.certPem);
  }

  /**
   * The grpc-js client interceptors that add the token's `authorization`
   * metadata to every call (none without a token). An interceptor rather
   * than call credentials: grpc-js sends those only over TLS.
   */
  interceptors() {
    if (this[TOKEN] === null) return [];
    const header = `Bearer ${this[TOKEN]}`;
    return [
      (options, nextCall) =>
        new grpc.InterceptingCall(nextCall(options), {
          start(metadata, listener, next) {
            metadata.set('authorization', header);
            next(metadata, listener);
          },
        }),
    ];
  }

  toJSON() {
    return {
      target: this.target,
      tls: this.tls,
      caPem: this.caPem ? '<PEM>' : null,
      certPem: this.certPem ? '<PEM>' : null,
      keyPem: this.keyPem ? '[REDACTED]' : null,
      token: this.hasToken ? '[REDACTED]' : null,
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `GatewayEndpoint ${JSON.stringify(this.toJSON())}`;
  }
}

// An option's value and the name an error calls it by: the option, or the
// environment variable it came from.
function option(name, value, env, variable) {
  if ((value === undefined || value === null) && env && env[variable] !== undefined) {
    return { name: `$${variable} (${name})`, value: env[variable] };
  }
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new TypeError(`${name} must be a string`);
  }
  return { name, value: value ?? undefined };
}

/**
 * The endpoint the options name, by the CLI's rules. Options: tlsCa,
 * tlsCert, tlsKey, tokenFile (paths), token, env (an object such as
 * process.env: each option not given comes from its CXONE_* variable
 * there, and `server` then defaults to 127.0.0.1:50051; without `env`
 * nothing is read from the environment), serverName (what errors call
 * `server`). tokenFile (and $CXONE_TOKEN_FILE) is not read when `token`
 * is given; an empty path means none, as an empty flag.
 *
 * Throws EndpointError for a malformed server, tlsCert without tlsKey (or
 * the other way round), both token and tokenFile, a file that cannot be
 * read, a TLS file that is not PEM, or an empty token (or one holding
 * spaces or control characters).
 */
export function resolveEndpoint(server, options = {}) {
  const { tlsCa, tlsCert, tlsKey, token, tokenFile, env, serverName = 'server' } = options;
  const hasToken = token !== undefined && token !== null;
  if (hasToken && tokenFile !== undefined && tokenFile !== null) {
    throw new EndpointError('give token or tokenFile, not both');
  }
  const serverOption = option(serverName, server, env, ENV.server);
  const ca = option('tlsCa', tlsCa, env, ENV.tlsCa);
  const cert = option('tlsCert', tlsCert, env, ENV.tlsCert);
  const key = option('tlsKey', tlsKey, env, ENV.tlsKey);
  const tokenPath = option('tokenFile', tokenFile, hasToken ? undefined : env, ENV.tokenFile);
  const given = serverOption.value ?? DEFAULT_SERVER;
  const files = Boolean(ca.value || cert.value || key.value);
  const { target, tls } = targetOf(given, serverOption.name, files);
  if (Boolean(cert.value) !== Boolean(key.value)) {
    throw new EndpointError(
      'tlsCert and tlsKey go together: the client certificate and its key',
    );
  }
  let bearer = null;
  if (hasToken) {
    if (typeof token !== 'string') throw new TypeError('token must be a string');
    bearer = checkedToken(Buffer.from(token, 'utf8'), 'token');
  } else if (tokenPath.value) {
    bearer = readToken(tokenPath);
  }
  return new GatewayEndpoint({
    target,
    tls,
    caPem: ca.value ? readPem(ca) : null,
    certPem: cert.value ? readPem(cert) : null,
    keyPem: key.value ? readPem(key) : null,
    token: bearer,
  });
}

function targetOf(server, name, files) {
  if (server.startsWith('https://')) {
    let address = server.slice('https://'.length);
    if (address.endsWith('/')) address = address.slice(0, -1);
    const hasPort = address.startsWith('[') ? address.includes(']:') : address.includes(':');
    if (!hasPort) address += ':443';
    checkHostPort(address, server, name);
    return { target: address, tls: true };
  }
  if (server.startsWith('dns:')) {
    if (server.length <= 4 || server.endsWith('/')) {
      throw new EndpointError(
        `${name} "${server}": a dns: target names a host (dns:///HOST:PORT)`,
      );
    }
    return { target: server, tls: files };
  }
  if (server.includes('://')) {
    throw new EndpointError(
      `${name} "${server}": the only schemes are https:// and dns: (plain HOST:PORT for plaintext)`,
    );
  }
  checkHostPort(server, server, name);
  return { target: server, tls: files };
}

function checkHostPort(address, given, name) {
  // The port follows the last colon; an IPv6 host is bracketed, so its own
  // colons come before it.
  const colon = address.lastIndexOf(':');
  const port = colon >= 0 ? address.slice(colon + 1) : '';
  let problem;
  if (colon <= 0 || !/^[0-9]+$/.test(port)) {
    problem = `expected HOST:PORT, got "${address}"`;
  } else if (!(Number(port) >= 1 && Number(port) <= 65535)) {
    problem = `port ${port} is out of range: expected port 1 to 65535`;
  } else {
    return;
  }
  throw new EndpointError(`${name} "${given}": ${problem}; ${name} takes ${FORMS}`);
}

function readPem({ name, value }) {
  let text;
  try {
    text = readFileSync(value);
  } catch {
    throw new EndpointError(`${name} "${value}": cannot read it`);
  }
  if (!text.includes('-----BEGIN ')) {
    throw new EndpointError(`${name} "${value}": not a PEM file`);
  }
  return text;
}

function readToken({ name, value }) {
  let text = Buffer.alloc(0);
  try {
    text = readFileSync(value);
  } catch {
    // Reported below, as an empty file is.
  }
  const what = `${name} "${value}"`;
  if (trimAscii(text).length === 0) {
    throw new EndpointError(`${what}: cannot read a token from it`);
  }
  return checkedToken(text, what);
}

// ASCII whitespace, as absl::StripAsciiWhitespace.
function isAsciiSpace(byte) {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

function trimAscii(bytes) {
  let start = 0;
  let end = bytes.length;
  while (start < end && isAsciiSpace(bytes[start])) ++start;
  while (end > start && isAsciiSpace(bytes[end - 1])) --end;
  return bytes.subarray(start, end);
}

function checkedToken(bytes, what) {
  const token = trimAscii(bytes);
  if (token.length === 0) throw new EndpointError(`${what}: the token is empty`);
  if (token.some((byte) => byte < 0x21 || byte === 0x7f)) {
    throw new EndpointError(`${what}: the token holds spaces or control characters`);
  }
  if (token.some((byte) => byte > 0x7e)) {
    // gRPC metadata values are ASCII; the CLI's call would fail later.
    throw new EndpointError(`${what}: the token holds non-ASCII characters`);
  }
  return token.toString('ascii');
}
