// TcpProxy: a loopback TCP forwarder a test can cut, to break a client's
// connection to the gateway without stopping either (as
// tests/support/tcp_proxy.h).
//
// Listens on 127.0.0.1 (a port the kernel picks), connects each accepted
// connection to 127.0.0.1:targetPort and copies bytes both ways.
// breakAll() resets every open connection; freezeAll() stops copying on
// every open connection but keeps it open (a wedged path: the client hears
// nothing, not even a reset). New connections are forwarded normally after
// either. close() stops listening and destroys everything.
import net from 'node:net';

export class TcpProxy {
  #server;
  #pairs = new Set();
  /** Connections accepted so far. */
  accepted = 0;

  static async start(targetPort) {
    const proxy = new TcpProxy(targetPort);
    await new Promise((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  constructor(targetPort) {
    this.#server = net.createServer((client) => {
      ++this.accepted;
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair = { client, upstream };
      this.#pairs.add(pair);
      const drop = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on('error', drop);
        socket.on('close', drop);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  get port() {
    return this.#server.address().port;
  }

  /** Resets every connection open now (RST to both sides). */
  breakAll() {
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  /** Stops copying on every connection open now, leaving them open. */
  freezeAll() {
    for (const { client, upstream } of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async close() {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
