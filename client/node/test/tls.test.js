// TLS, mTLS and bearer tokens: the endpoint rules the CLI has
// (client/gateway_channel.h), and GatewayClient against a real gateway
// serving TLS with a throwaway PKI (openssl), with and without client
// certificates and a tokens file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';

import {
  Code,
  EndpointError,
  GatewayClient,
  GatewayError,
  State,
  connect,
  resolveEndpoint,
} from '../src/index.js';
import { GatewayHarness } from './support/gateway_harness.js';
import { TestPki, writeTokensFile } from './support/pki.js';

const WAIT_MS = 60_000;
// A call that cannot get through fails within this (a refused handshake is
// UNAVAILABLE at once; the bound is for a loaded machine).
const REFUSED_WITHIN_MS = 10_000;
const TOKEN = 's3cret-deployer-token-4711';
const MISSING = 'flows/main-menu/compiles/00000000-0000-0000-0000-000000000000';

const dir = mkdtempSync(path.join(tmpdir(), 'cxone-node-tls-'));
const pki = new TestPki(dir);
const ca = pki.makeCa('ca');
const otherCa = pki.makeCa('other-ca');
const serverCert = pki.server(ca);
const clientCert = pki.client(ca);
const tokensFile = writeTokensFile(path.join(dir, 'tokens'), { deployer: TOKEN });
const tokenFile = path.join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`);
after(() => rmSync(dir, { recursive: true, force: true }));

function tlsArgs({ mtls = false, tokens = false } = {}) {
  const args = [`--tls-cert-file=${serverCert.certFile}`, `--tls-key-file=${serverCert.keyFile}`];
  if (mtls) args.push(`--tls-client-ca-file=${ca.certFile}`);
  if (tokens) args.push(`--auth-tokens-file=${tokensFile}`);
  return args;
}

// The code GatewayClient.get(MISSING) fails with through `client`, which
// it closes: NOT_FOUND means the call got through.
async function codeOfGet(client) {
  try {
    await client.get(MISSING);
    return Code.OK;
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    assert.ok(!String(error).includes(TOKEN));
    return error.code;
  } finally {
    client.close();
  }
}

function throwsEndpointError(fn, pattern) {
  assert.throws(fn, (error) => error instanceof EndpointError && pattern.test(error.message));
}

describe('endpoint rules', () => {
  it('resolves the server forms as the CLI does', () => {
    for (const [server, target, tls] of [
      ['gw.example.com:50051', 'gw.example.com:50051', false],
      ['https://gw.example.com', 'gw.example.com:443', true],
      ['https://gw.example.com:8443/', 'gw.example.com:8443', true],
      ['https://[::1]', '[::1]:443', true],
      ['dns:///gw.example.com:50051', 'dns:///gw.example.com:50051', false],
    ]) {
      const endpoint = resolveEndpoint(server);
      assert.deepEqual([endpoint.target, endpoint.tls], [target, tls], server);
    }
    assert.equal(resolveEndpoint('127.0.0.1:1', { tlsCa: ca.certFile }).tls, true);
  });

  it('names a malformed server', () => {
    throwsEndpointError(() => resolveEndpoint('gw'), /^server "gw": expected HOST:PORT/);
    throwsEndpointError(() => resolveEndpoint('gw:0'), /port 0 is out of range/);
    throwsEndpointError(() => resolveEndpoint('grpc://gw:1'), /the only schemes are https:/);
    throwsEndpointError(() => resolveEndpoint('dns:///'), /a dns: target names a host/);
    throwsEndpointError(() => new GatewayClient('gw'), /^address "gw"/);
  });

  it('refuses a certificate without its key, and unreadable or non-PEM files, naming them', () => {
    throwsEndpointError(
      () => new GatewayClient('127.0.0.1:1', { tlsCert: clientCert.certFile }),
      /tlsCert and tlsKey go together/,
    );
    throwsEndpointError(
      () => resolveEndpoint('127.0.0.1:1', { tlsCa: path.join(dir, 'absent.pem') }),
      /^tlsCa ".*absent\.pem": cannot read it$/,
    );
    const notPem = path.join(dir, 'not-pem.key');
    writeFileSync(notPem, 'hunter2-not-a-pem');
    assert.throws(
      () => resolveEndpoint('127.0.0.1:1', { tlsCert: clientCert.certFile, tlsKey: notPem }),
      (error) => /not a PEM file/.test(error.message) && !error.message.includes('hunter2'),
    );
  });

  it('refuses bad token files without showing the token, and never shows a good one', () => {
    const empty = path.join(dir, 'empty-token');
    writeFileSync(empty, ' \n');
    throwsEndpointError(
      () => resolveEndpoint('127.0.0.1:1', { tokenFile: empty }),
      /^tokenFile ".*empty-token": cannot read a token from it$/,
    );
    const spaced = path.join(dir, 'spaced-token');
    writeFileSync(spaced, 'two words\n');
    assert.throws(
      () => resolveEndpoint('127.0.0.1:1', { tokenFile: spaced }),
      (error) => /spaces or control characters/.test(error.message) && !/words/.test(error.message),
    );
    throwsEndpointError(
      () => resolveEndpoint('127.0.0.1:1', { token: 'a', tokenFile: spaced }),
      /not both/,
    );
    const endpoint = resolveEndpoint('127.0.0.1:1', { tokenFile });
    assert.equal(endpoint.hasToken, true);
    assert.ok(!inspect(endpoint).includes(TOKEN) && !JSON.stringify(endpoint).includes(TOKEN));
    assert.ok(!Object.values(endpoint).some((value) => String(value).includes(TOKEN)));
  });

  it('fills what is not given from the environment and names the variable', () => {
    const env = {
      CXONE_SERVER: 'https://gw.example.com',
      CXONE_TLS_CA: ca.certFile,
      CXONE_TOKEN_FILE: path.join(dir, 'absent'),
    };
    throwsEndpointError(
      () => resolveEndpoint(undefined, { env }),
      /^\$CXONE_TOKEN_FILE \(tokenFile\) ".*absent"/,
    );
    const endpoint = resolveEndpoint(undefined, { env, token: 'given' });
    assert.deepEqual([endpoint.target, endpoint.tls, endpoint.hasToken], ['gw.example.com:443', true, true]);
    assert.equal(resolveEndpoint('127.0.0.1:2', { env, token: 't' }).target, '127.0.0.1:2');
    assert.equal(resolveEndpoint(undefined, { env: {} }).target, '127.0.0.1:50051');
  });
});

describe('TLS', () => {
  let gateway;
  before(async () => {
    gateway = await GatewayHarness.start({ serverArgs: tlsArgs() });
  });
  after(async () => {
    await gateway?.stop();
  });

  it('with the gateway CA: a compile runs to its end', async () => {
    const client = new GatewayClient(`https://${gateway.address}`, { tlsCa: ca.certFile });
    try {
      const compile = await client.startAndWait('main-menu', {
        requestId: 'tls-1',
        timeoutMs: WAIT_MS,
      });
      assert.equal(compile.state, State.COMPLETED);
      assert.deepEqual(await client.get(compile.name), compile);
    } finally {
      client.close();
    }
  });

  it('trusting another CA, or in plaintext: UNAVAILABLE', async () => {
    const options = { callTimeoutMs: REFUSED_WITHIN_MS };
    assert.equal(
      await codeOfGet(new GatewayClient(`https://${gateway.address}`, { ...options, tlsCa: otherCa.certFile })),
      Code.UNAVAILABLE,
    );
    assert.equal(await codeOfGet(new GatewayClient(gateway.address, options)), Code.UNAVAILABLE);
  });
});

describe('mTLS', () => {
  let gateway;
  before(async () => {
    gateway = await GatewayHarness.start({ serverArgs: tlsArgs({ mtls: true }) });
  });
  after(async () => {
    await gateway?.stop();
  });

  it('refuses a client without a certificate: UNAVAILABLE', async () => {
    const client = new GatewayClient(`https://${gateway.address}`, {
      tlsCa: ca.certFile,
      callTimeoutMs: REFUSED_WITHIN_MS,
    });
    assert.equal(await codeOfGet(client), Code.UNAVAILABLE);
  });

  it('with a client certificate: a watch runs to the terminal event', async () => {
    // HOST:PORT: TLS because of the files.
    const client = new GatewayClient(gateway.address, {
      tlsCa: ca.certFile,
      tlsCert: clientCert.certFile,
      tlsKey: clientCert.keyFile,
    });
    try {
      const started = await client.start('main-menu', { requestId: 'mtls-1' });
      const events = [];
      for await (const event of client.watch(started.name)) events.push(event);
      assert.equal(events.at(-1).state, State.COMPLETED);
    } finally {
      client.close();
    }
  });
});

describe('bearer tokens', () => {
  let gateway;
  before(async () => {
    gateway = await GatewayHarness.start({ serverArgs: tlsArgs({ tokens: true }) });
  });
  after(async () => {
    await gateway?.stop();
  });

  it('refuses no token and a wrong one UNAUTHENTICATED, takes the right one', async () => {
    const server = `https://${gateway.address}`;
    const options = { tlsCa: ca.certFile, callTimeoutMs: REFUSED_WITHIN_MS };
    assert.equal(await codeOfGet(new GatewayClient(server, options)), Code.UNAUTHENTICATED);
    assert.equal(
      await codeOfGet(new GatewayClient(server, { ...options, token: 'wrong-token' })),
      Code.UNAUTHENTICATED,
    );
    assert.equal(await codeOfGet(new GatewayClient(server, { ...options, tokenFile })), Code.NOT_FOUND);
    const client = new GatewayClient(server, { tlsCa: ca.certFile, token: TOKEN });
    try {
      const compile = await client.startAndWait('main-menu', {
        requestId: 'token-1',
        timeoutMs: WAIT_MS,
      });
      assert.equal(compile.state, State.COMPLETED);
    } finally {
      client.close();
    }
    assert.ok(!gateway.allLogLines().some((line) => line.includes(TOKEN)));
  });
});

describe('connect() and the CLI environment variables', () => {
  let gateway;
  before(async () => {
    gateway = await GatewayHarness.start({ serverArgs: tlsArgs({ mtls: true, tokens: true }) });
  });
  after(async () => {
    await gateway?.stop();
  });

  // The audit log line of a call made as the token's principal.
  const byToken = () =>
    gateway.server.waitForLine((line) => line.includes('"token:deployer"'), REFUSED_WITHIN_MS);

  it('reads the server, CA, client certificate and token file from them', async () => {
    const env = {
      CXONE_SERVER: `https://${gateway.address}`,
      CXONE_TLS_CA: ca.certFile,
      CXONE_TLS_CERT: clientCert.certFile,
      CXONE_TLS_KEY: clientCert.keyFile,
      CXONE_TOKEN_FILE: tokenFile,
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      // Through mTLS (else UNAVAILABLE), as the token's principal.
      assert.equal(await codeOfGet(connect()), Code.NOT_FOUND);
      await byToken();
      // A token given beats $CXONE_TOKEN_FILE (a bad token decides over a
      // good certificate).
      assert.equal(await codeOfGet(connect(undefined, { token: 'wrong-token' })), Code.UNAUTHENTICATED);
      process.env.CXONE_TLS_KEY = path.join(dir, 'absent.key');
      throwsEndpointError(() => connect(), /^\$CXONE_TLS_KEY \(tlsKey\) ".*absent\.key": cannot read it$/);
    } finally {
      for (const name of Object.keys(env)) {
        if (name in saved) process.env[name] = saved[name];
        else delete process.env[name];
      }
    }
    // From an env of its own, the process's left alone.
    assert.equal(await codeOfGet(connect(undefined, { env })), Code.NOT_FOUND);
    // A GatewayClient itself reads no variable: no certificate, refused.
    Object.assign(process.env, env);
    try {
      const client = new GatewayClient(`https://${gateway.address}`, {
        tlsCa: ca.certFile,
        callTimeoutMs: REFUSED_WITHIN_MS,
      });
      assert.equal(await codeOfGet(client), Code.UNAVAILABLE);
    } finally {
      for (const name of Object.keys(env)) {
        if (name in saved) process.env[name] = saved[name];
        else delete process.env[name];
      }
    }
  });
});
