// Compiled (not run) by types.test.js against ../../index.d.ts: the
// declarations must accept the package's documented use and refuse misuse.
import {
  Code,
  type Compile,
  type CompileEvent,
  GatewayClient,
  GatewayError,
  State,
  EventType,
  ErrorCategory,
  isTerminal,
  LOADER_OPTIONS,
} from 'cxone-compile-gateway-client';

export async function example(address: string): Promise<Compile> {
  const client = new GatewayClient(address, {
    startRetry: { maxAttempts: 5 },
    onRetry: (info) => {
      if (info.operation === 'watch') console.error(info.reason, info.afterSequence);
      else console.error(info.error.code, info.requestId);
    },
  });
  try {
    const compile = await client.start('main-menu', {
      requestId: 'deploy-42',
      directives: { optimize: true, tags: ['a', null], nested: { level: 2 } },
    });
    let last: CompileEvent | undefined;
    for await (const event of client.watch(compile.name, {
      afterSequence: 3n,
      includeMarkers: false,
    })) {
      const next: bigint = event.sequence + 1n;
      void next;
      if (event.type === EventType.STATE_CHANGED && isTerminal(event.state)) last = event;
    }
    void last;
    const done = await client.startAndWait('syntax-error', { timeoutMs: 60_000 });
    for (const error of done.errors) {
      if (error.category === ErrorCategory.SYNTAX && error.location !== null) {
        const where: number = error.location.line + error.location.column;
        void where;
      }
    }
    if (done.state === State.FAILED) return done;
    return await client.get(done.name);
  } catch (error) {
    if (error instanceof GatewayError && error.code === Code.NOT_FOUND)
      throw new Error(error.details);
    throw error;
  } finally {
    client.close();
  }
}

export function misuse(client: GatewayClient): void {
  // @ts-expect-error: directives are JSON, not BigInt
  void client.start('f', { directives: { big: 1n } });
  // @ts-expect-error: the flow id is a string
  void client.start(42);
  // The types index.d.ts imports from grpc-js and proto-loader resolve (the
  // tsconfig skips checking .d.ts files, so an unresolved one would be any).
  // @ts-expect-error: credentials are ChannelCredentials
  void new GatewayClient('h:1', { credentials: 42 });
  // @ts-expect-error: LOADER_OPTIONS are proto-loader Options
  const longs: number = LOADER_OPTIONS.longs;
  void longs;
  // @ts-expect-error: sequences are BigInt, not Number
  const sequence: number = ({} as CompileEvent).sequence;
  void sequence;
}
