// ChildProcess: a program the tests start, whose stdout and stderr lines are
// collected (both streams, in arrival order) so that a test can wait for a
// line with a deadline. stop() kills it (SIGKILL) and waits for its exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export class ChildProcess {
  #process;
  #lines = [];
  #waiters = new Set();
  #exit = null;

  /** Starts `program` with `args`; `env` is added to this process's. */
  constructor(program, args, env = {}) {
    this.program = program;
    this.#process = spawn(program, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.#process.stdout, this.#process.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.#lines.push(line);
        this.#check();
      });
    }
    this.exited = once(this.#process, 'exit').then(([code, signal]) => {
      this.#exit = { code, signal };
      this.#check();
      return this.#exit;
    });
    this.#process.on('error', (error) => {
      this.#exit = { code: null, signal: null, error };
      this.#check();
    });
  }

  get pid() {
    return this.#process.pid;
  }

  /** Every line printed so far. */
  get lines() {
    return [...this.#lines];
  }

  /** Whether the process is still running. */
  get running() {
    return this.#exit === null;
  }

  /**
   * Resolves with the first line (from `from` on) for which `predicate` is
   * true; rejects after `timeoutMs` or when the process exits first.
   */
  waitForLine(predicate, timeoutMs, from = 0) {
    return new Promise((resolve, reject) => {
      const waiter = { predicate, from, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `${this.program}: no expected line within ${timeoutMs} ms; lines:\n${this.#tail()}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
      this.#check();
    });
  }

  /** Sends `signal`. */
  signal(signal) {
    if (this.running) this.#process.kill(signal);
  }

  /** Resolves with {code, signal} once exited; rejects after `timeoutMs`. */
  async wait(timeoutMs) {
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${this.program} (pid ${this.pid}) still running after ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL) unless it has exited, and reaps it. */
  async stop() {
    this.signal('SIGKILL');
    await this.wait(30_000);
  }

  #tail() {
    return this.#lines.slice(-20).join('\n');
  }

  #check() {
    for (const waiter of this.#waiters) {
      const index = this.#lines.findIndex((line, i) => i >= waiter.from && waiter.predicate(line));
      if (index >= 0) {
        this.#waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(this.#lines[index]);
      } else if (this.#exit !== null) {
        this.#waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.reject(
          new Error(
            `${this.program} exited (${JSON.stringify(this.#exit)}) before the expected line:\n${this.#tail()}`,
          ),
        );
      }
    }
  }
}
