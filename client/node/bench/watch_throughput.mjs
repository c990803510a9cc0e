#!/usr/bin/env node
// Watch throughput of the Node client: watches one compile to its end with
// GatewayClient.watch and prints ONE JSON line,
//   {"client":"node","events":N,"seconds":S,"events_per_second":E,
//    "cpu_seconds_per_1000_events":C}
// where N counts the events yielded (markers hidden, as by default), S is
// the wall time from the call to the terminal event, and C is this
// process's CPU time (user + system) over that time per 1000 events.
// bench/client_watch_bench.py passes --after-sequence 0: its compile has
// finished, and without it a watch yields the snapshot alone.
//
// Usage: node bench/watch_throughput.mjs --server HOST:PORT --name COMPILE_NAME
//        [--after-sequence N]   (replay the events after N instead of a snapshot)
import { parseArgs } from 'node:util';

import { GatewayClient } from '../src/index.js';

function usage(message) {
  console.error(`watch_throughput: ${message}`);
  console.error(
    'usage: node bench/watch_throughput.mjs --server HOST:PORT --name COMPILE_NAME [--after-sequence N]',
  );
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      server: { type: 'string' },
      name: { type: 'string' },
      'after-sequence': { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  usage(error.message);
}
if (!values.server || !values.name) usage('--server and --name are required');

const client = new GatewayClient(values.server);
try {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  let events = 0;
  const afterSequence = values['after-sequence'];
  for await (const _ of client.watch(values.name, { afterSequence })) ++events;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    JSON.stringify({
      client: 'node',
      events,
      seconds,
      events_per_second: seconds > 0 ? events / seconds : 0,
      cpu_seconds_per_1000_events: events > 0 ? (cpuSeconds / events) * 1000 : 0,
    }),
  );
} catch (error) {
  console.error(`watch_throughput: ${error.message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
