// Compiled (not run) by types.test.js against ../../index.d.ts: the
// declarations must accept the package's documented use and refuse misuse.
import {
  Code,
  type BatchResult,
  type Compile,
  type CompileEvent,
  type CompilesMessage,
  type ListPage,
  GatewayClient,
  EndpointError,
  connect,
  resolveEndpoint,
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
      switch (info.operation) {
        case 'start':
          console.error(info.error.code, info.requestId);
          break;
        case 'list':
          console.error(info.error.code, info.pageToken);
          break;
        case 'watch':
          console.error(info.reason, info.afterSequence);
          break;
        case 'watchCompiles':
          console.error(info.reason, info.afterRevision);
          break;
      }
    },
  });
  try {
    const compile = await client.start('main-menu', {
      requestId: 'deploy-42',
      directives: { optimize: true, tags: ['a', null], nested: { level: 2 } },
      labels: { pipeline: 'checkout', 'example.com/team': 'ivr' },
    });
    const pipeline: string | undefined = compile.labels['pipeline'];
    void pipeline;
    const again: Compile = await client.lookup('deploy-42');
    void again;
    const results: BatchResult[] = await client.batchStart(
      [
        { flowId: 'main-menu', requestId: 'release-7/main-menu', labels: { release: '7' } },
        { flowId: 'billing', requestId: 'release-7/billing', directives: { optimize: true } },
      ],
      { timeoutMs: 300_000 },
    );
    for (const result of results) {
      if (result instanceof GatewayError) {
        const code: number = result.code;
        void code;
      } else {
        const name: string = result.name;
        void name;
      }
    }
    const first: ListPage = await client.listPage({
      flowIds: ['main-menu'],
      states: [State.COMPLETED, State.FAILED],
      labelSelector: 'pipeline=checkout',
      createTimeFrom: new Date(0),
      pageSize: 50,
    });
    const cursor: bigint = first.revision;
    for await (const listed of client.list({
      labelSelector: 'pipeline',
      pageToken: first.nextPageToken,
    })) {
      void listed.name;
    }
    for await (const message of client.watchCompiles({
      labelSelector: 'pipeline=checkout',
      afterRevision: cursor,
    })) {
      const { event, compile: changed }: CompilesMessage = message;
      if (changed !== null && isTerminal(changed.state)) break;
      const next: bigint = message.resumeAfterRevision + event.revision;
      void next;
    }
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
  // @ts-expect-error: labels are strings
  void client.start('f', { labels: { commit: 42 } });
  // @ts-expect-error: a batch item needs its flowId
  void client.batchStart([{ requestId: 'k' }]);
  // @ts-expect-error: batchStart takes items, not flow ids
  void client.batchStart(['main-menu']);
  // @ts-expect-error: an item's result may be an error, not only a Compile
  void client.batchStart([{ flowId: 'f' }]).then((r: Compile[]) => r);
  // @ts-expect-error: states are State values
  void client.list({ states: ['STATE_FAILED'] });
  // @ts-expect-error: times are Dates
  void client.listPage({ createTimeTo: '2026-01-01' });
  // @ts-expect-error: a list page's revision is a BigInt
  const revision: number = ({} as ListPage).revision;
  void revision;
  // @ts-expect-error: sequences are BigInt, not Number
  const sequence: number = ({} as CompileEvent).sequence;
  void sequence;
}

export function tlsAndTokens(caFile: string): GatewayClient {
  const endpoint = resolveEndpoint('https://gw.example.com', { tlsCa: caFile, env: process.env });
  const target: string = endpoint.target;
  void target;
  new GatewayClient(endpoint).close();
  try {
    // @ts-expect-error: the TLS files are paths, not Buffers
    new GatewayClient('gw:443', { tlsCa: Buffer.from('') });
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
  }
  return connect(undefined, { tokenFile: '/run/secrets/token', callTimeoutMs: 5_000 });
}
