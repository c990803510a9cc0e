// batchStart() against the real gateway and simulator: a result per item in
// order, an item's error resolved (not thrown) beside the others' compiles,
// the same batch retried returning the same compiles without triggering
// CXone again, a call-level error rejected, and an item the client refuses
// named by its index, with nothing sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Code, GatewayClient, GatewayError } from '../src/index.js';
import { GatewayHarness } from './support/gateway_harness.js';

const BAD_LABEL = 5;
const BAD_FLOW = 12;

// 20 keyed items of distinct flows; BAD_LABEL has a label and BAD_FLOW a
// flow id the gateway refuses (the client checks only types, so both reach
// the gateway and come back as those items' statuses).
function twentyItems(prefix) {
  const items = Array.from({ length: 20 }, (_, i) => ({
    flowId: `${prefix}-flow-${i}`,
    requestId: `${prefix}-${i}`,
    labels: { suite: prefix, item: String(i) },
  }));
  items[BAD_LABEL] = { ...items[BAD_LABEL], labels: { 'bad key!': 'x' } };
  items[BAD_FLOW] = { flowId: 'bad/flow', requestId: `${prefix}-${BAD_FLOW}` };
  return items;
}

function checkResults(items, results) {
  assert.equal(results.length, items.length);
  results.forEach((result, i) => {
    if (i === BAD_LABEL || i === BAD_FLOW) {
      assert.ok(result instanceof GatewayError, `item ${i}: ${JSON.stringify(result)}`);
      assert.equal(result.code, Code.INVALID_ARGUMENT, `item ${i}`);
      return;
    }
    assert.ok(!(result instanceof GatewayError), `item ${i}: ${result}`);
    assert.equal(result.flowId, items[i].flowId, `item ${i}`);
    assert.deepEqual(result.labels, items[i].labels, `item ${i}`);
    assert.match(result.name, new RegExp(`^flows/${items[i].flowId}/compiles/`));
  });
  assert.match(results[BAD_LABEL].details, /bad key!/);
  assert.match(results[BAD_FLOW].details, /flow_id/);
}

describe('batchStart', () => {
  let gateway;
  let client;
  before(async () => {
    gateway = await GatewayHarness.start();
    client = new GatewayClient(gateway.address);
  });
  after(async () => {
    client?.close();
    await gateway?.stop();
  });

  it('answers per item in order, and the same batch retried returns the same compiles', async () => {
    const items = twentyItems('node-batch');
    const first = await client.batchStart(items, { timeoutMs: 60_000 });
    checkResults(items, first);

    const again = await client.batchStart(items);
    checkResults(items, again);
    const nameOf = (result) => (result instanceof GatewayError ? result.codeName : result.name);
    assert.deepEqual(again.map(nameOf), first.map(nameOf));

    // Each good item is one compile, found by its key; CXone was triggered
    // once per flow, the retry included.
    for (const [i, item] of items.entries()) {
      if (i === BAD_LABEL || i === BAD_FLOW) {
        await assert.rejects(client.lookup(item.requestId), { code: Code.NOT_FOUND });
        continue;
      }
      assert.equal((await client.lookup(item.requestId)).name, first[i].name);
      assert.equal((await gateway.simCompilesOf(item.flowId)).length, 1, item.flowId);
    }
    const listed = [];
    for await (const compile of client.list({ labelSelector: 'suite=node-batch' })) {
      listed.push(compile.name);
    }
    assert.equal(listed.length, 18);
  });

  it('rejects the call with INVALID_ARGUMENT for no items or more than 1000', async () => {
    await assert.rejects(client.batchStart([]), {
      name: 'GatewayError',
      code: Code.INVALID_ARGUMENT,
      details: /0 items/,
    });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ flowId: `node-many-${i}` }));
    await assert.rejects(client.batchStart(tooMany), {
      code: Code.INVALID_ARGUMENT,
      details: /1001 items/,
    });
    assert.equal((await gateway.simCompilesOf('node-many-0')).length, 0);
  });

  it('throws a TypeError naming the index of an item start would refuse, sending nothing', async () => {
    const good = { flowId: 'node-typed-a' };
    const refused = [
      [
        [good, { flowId: 'node-typed-b', labels: { commit: 42 } }],
        /^items\[1\] \(flow "node-typed-b"\): labels\["commit"\] must be a string/,
      ],
      [[good, { flowId: 42 }], /^items\[1\]: flowId must be a string/],
      [[good, { flowId: 'x', directives: { big: 1n } }], /^items\[1\] \(flow "x"\): directives\.big/],
      [['node-typed-a'], /^items\[0\]: must be an object/],
    ];
    for (const [items, message] of refused) {
      await assert.rejects(client.batchStart(items), { name: 'TypeError', message });
    }
    await assert.rejects(client.batchStart('node-typed-a'), TypeError);
    await assert.rejects(client.batchStart([{ flowId: 'a' }], { timeoutMs: -1 }), RangeError);
    assert.equal((await gateway.simCompilesOf('node-typed-a')).length, 0);
  });

  it('rejects with the call error when the gateway cannot be reached', async () => {
    const unreachable = new GatewayClient(gateway.address.replace(/:\d+$/, ':1'));
    try {
      await assert.rejects(
        unreachable.batchStart([{ flowId: 'main-menu', requestId: 'node-batch-down' }], {
          timeoutMs: 30_000,
        }),
        { name: 'GatewayError', code: Code.UNAVAILABLE },
      );
    } finally {
      unreachable.close();
    }
  });
});
