// GatewayHarness: the real simulator and the real gateway, started as child
// processes on loopback (port 0), as tests/support/gateway_harness.cc does:
// the binaries come from CXONE_SIM_BINARY and CXONE_SERVER_BINARY, the
// flows from CXONE_SOURCE_DIR/simulator/flows, and the bound ports from the
// processes' "listening" lines. The gateway can be stopped (SIGTERM, a
// draining shutdown, or SIGKILL) and started again on the same port and
// state directory. stop() kills both and removes the state directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ChildProcess } from './child_process.js';

/** The client secret both processes are given. */
export const HARNESS_CLIENT_SECRET = 'harness-s3cret-7f1d';
const START_TIMEOUT_MS = 30_000;

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (client/node/test/run sets it from ctest)`);
  return value;
}

const DEFAULT_SIM_ARGS = ['--queued-ms=300', '--in-progress-ms=1500'];
const DEFAULT_SERVER_ARGS = [
  '--poll-interval=50ms',
  '--queued-poll-interval=50ms',
  '--min-poll-interval=50ms',
  '--upstream-rps=200',
  '--upstream-burst=20',
];

export class GatewayHarness {
  sim = null;
  server = null;
  simUrl = '';
  /** The gateway's port; the same across restarts. */
  port = 0;
  metricsPort = 0;
  stateDir = '';
  #serverArgs = [];
  #earlierServers = [];

  /**
   * Starts both. Options: simArgs, serverArgs (added to the harness's
   * defaults, as in the C++ harness; later flags win).
   */
  static async start({ simArgs = [], serverArgs = [] } = {}) {
    const harness = new GatewayHarness();
    try {
      await harness.#startSim([...DEFAULT_SIM_ARGS, ...simArgs]);
      harness.stateDir = await mkdtemp(path.join(tmpdir(), 'cxone-node-client-'));
      harness.#serverArgs = [...DEFAULT_SERVER_ARGS, ...serverArgs];
      await harness.startServer();
    } catch (error) {
      await harness.stop();
      throw error;
    }
    return harness;
  }

  /** "127.0.0.1:PORT" of the gateway. */
  get address() {
    return `127.0.0.1:${this.port}`;
  }

  async #startSim(args) {
    const sourceDir = requiredEnv('CXONE_SOURCE_DIR');
    this.sim = new ChildProcess(
      requiredEnv('CXONE_SIM_BINARY'),
      [
        '--port=0',
        '--client-id=harness-client',
        `--flows-dir=${sourceDir}/simulator/flows`,
        ...args,
      ],
      { CXONE_SIM_CLIENT_SECRET: HARNESS_CLIENT_SECRET },
    );
    const line = await this.sim.waitForLine(
      (l) => l.startsWith('cxone-sim listening on '),
      START_TIMEOUT_MS,
    );
    this.simUrl = line.slice('cxone-sim listening on '.length).trim();
  }

  /**
   * Starts the gateway: on port 0 the first time, on the same port (and the
   * same state directory) after stopServer().
   */
  async startServer() {
    const server = new ChildProcess(
      requiredEnv('CXONE_SERVER_BINARY'),
      [
        `--listen=127.0.0.1:${this.port}`,
        '--metrics-listen=127.0.0.1:0',
        '--client-id=harness-client',
        `--state-dir=${this.stateDir}`,
        `--cxone-base-url=${this.simUrl}`,
        ...this.#serverArgs,
      ],
      { CXONE_CLIENT_SECRET: HARNESS_CLIENT_SECRET },
    );
    this.server = server;
    const line = await server.waitForLine((l) => l.includes('"msg":"listening"'), START_TIMEOUT_MS);
    const listening = JSON.parse(line);
    if (!Number.isInteger(listening.port)) throw new Error(`no port in ${line}`);
    if (this.port !== 0 && listening.port !== this.port) {
      throw new Error(`the gateway came back on port ${listening.port}, not ${this.port}`);
    }
    this.port = listening.port;
    this.metricsPort = listening.metrics_port;
  }

  /**
   * Stops the gateway with `signal` (SIGTERM: it drains; SIGKILL: no chance
   * to clean up) and waits for it to exit.
   */
  async stopServer(signal = 'SIGKILL') {
    this.server.signal(signal);
    await this.server.wait(30_000);
    this.#earlierServers.push(this.server);
  }

  /** GET `urlPath` on the simulator, parsed as JSON. */
  async simGet(urlPath) {
    const response = await fetch(`${this.simUrl}${urlPath}`);
    if (!response.ok) throw new Error(`GET ${urlPath} answered ${response.status}`);
    return response.json();
  }

  /** POST /_sim/faults with `patch`. */
  async setSimFaults(patch) {
    const response = await fetch(`${this.simUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(patch),
    });
    if (!response.ok)
      throw new Error(`POST /_sim/faults answered ${response.status}: ${await response.text()}`);
  }

  /** The compiles the simulator started for `flowId`. */
  async simCompilesOf(flowId) {
    const compiles = await this.simGet('/_sim/compiles');
    return compiles.filter((compile) => compile.flowId === flowId);
  }

  /** The current value of the gateway's metric `name` (from /metrics). */
  async metric(name) {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    const text = await response.text();
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const rest = line.slice(name.length);
      if (rest[0] !== ' ' && rest[0] !== '{') continue;
      return Number(rest.slice(rest.lastIndexOf(' ') + 1));
    }
    throw new Error(`no metric ${name}`);
  }

  /** Every line of the simulator and of every gateway started. */
  allLogLines() {
    return [
      ...(this.sim?.lines ?? []),
      ...this.#earlierServers.flatMap((server) => server.lines),
      ...(this.server?.lines ?? []),
    ];
  }

  /** Kills both processes and removes the state directory. */
  async stop() {
    await this.server?.stop();
    await this.sim?.stop();
    if (this.stateDir) await rm(this.stateDir, { recursive: true, force: true });
  }
}

/**
 * Resolves once `condition()` (sync or async) is truthy, checking every
 * 20 ms; rejects with `what` after `timeoutMs`.
 */
export async function waitFor(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
