// Starts a compile, follows it to its end, then shows where a broken flow
// fails. Usage: node examples/start_and_watch.mjs [HOST:PORT]
import { GatewayClient, GatewayError } from 'cxone-compile-gateway-client';

const client = new GatewayClient(process.argv[2] ?? '127.0.0.1:50051');
try {
  // With a requestId, a start the gateway did not answer is retried safely.
  const compile = await client.start('main-menu', { requestId: 'deploy-main-menu-1' });
  // Resumes by itself if the stream breaks; ends after the terminal event.
  for await (const event of client.watch(compile.name)) {
    console.log(`${event.sequence} ${event.type} ${event.state}`);
  }
  const failed = await client.startAndWait('syntax-error', { timeoutMs: 60_000 });
  for (const { code, location } of failed.errors) {
    console.log(`${failed.state} ${code} at ${location.line}:${location.column}`);
  }
} catch (error) {
  if (!(error instanceof GatewayError)) throw error;
  console.error(`gateway: ${error.codeName}: ${error.details}`);
  process.exitCode = 1;
} finally {
  client.close();
}
