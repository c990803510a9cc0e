// Starts a labelled compile and finds it again by its request id, then, as a
// controller does, lists the pipeline's compiles and watches them from the
// list's revision until none is running. Usage:
// node examples/list_and_watch.mjs [HOST:PORT]
import { GatewayClient, GatewayError, isTerminal } from 'cxone-compile-gateway-client';

const client = new GatewayClient(process.argv[2] ?? '127.0.0.1:50051');
const filter = { labelSelector: 'pipeline=checkout' };
try {
  await client.start('main-menu', {
    requestId: 'checkout-main-menu-1',
    labels: { pipeline: 'checkout' },
  });
  // After a crash, the key finds the compile again without starting another.
  const mine = await client.lookup('checkout-main-menu-1');
  console.log(`lookup ${mine.name} pipeline=${mine.labels.pipeline}`);

  // Every page; the first page's revision is where the watch starts.
  let page = await client.listPage(filter);
  const revision = page.revision;
  const running = new Set();
  for (;;) {
    for (const compile of page.compiles) {
      console.log(`list ${compile.name} ${compile.state}`);
      if (!isTerminal(compile.state)) running.add(compile.name);
    }
    if (page.nextPageToken === '') break;
    page = await client.listPage({ ...filter, pageToken: page.nextPageToken });
  }
  // Resumes by itself if the stream breaks; OUT_OF_RANGE means list again.
  if (running.size > 0) {
    for await (const { event, compile } of client.watchCompiles({
      ...filter,
      afterRevision: revision,
    })) {
      console.log(`${event.revision} ${compile.name} ${event.state}`);
      if (isTerminal(compile.state)) running.delete(compile.name);
      else running.add(compile.name);
      if (running.size === 0) break;
    }
  }
} catch (error) {
  if (!(error instanceof GatewayError)) throw error;
  console.error(`gateway: ${error.codeName}: ${error.details}`);
  process.exitCode = 1;
} finally {
  client.close();
}
