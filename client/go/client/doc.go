// Package client is the Go client of cxone-compile-gateway: it starts NICE
// CXone flow compiles through the gateway and follows them to their result.
//
// The generated stubs (package compilev1) speak the wire protocol; this
// package adds what every caller would otherwise write again:
//
//   - Start with a request ID retries UNAVAILABLE and RESOURCE_EXHAUSTED by
//     itself, with capped jittered backoff: the key makes a retry safe (the
//     gateway returns the first call's compile and never triggers CXone
//     twice). Without a request ID it never retries.
//   - Watch returns a Watcher whose Next yields every event of a compile
//     exactly once, in order, resuming by itself when the stream breaks,
//     the gateway drains or restarts, or the stream falls silent for twice
//     its heartbeat interval (then over a new connection, since the old one
//     may be wedged). The SYNCED and HEARTBEAT markers are hidden unless
//     WithMarkers is given.
//   - StartAndWait starts a compile and returns it in its terminal state.
//   - BatchStart starts up to 1000 compiles (BatchItems: what Start takes)
//     in one call and returns a BatchResult per item, in order: its
//     Compile or its error. Per item, not atomic: give every item a
//     request ID, so that retrying the batch is safe.
//   - WithLabels labels a compile at its start; Lookup finds the compile a
//     request ID started, for a caller that lost the answer.
//   - List returns a Lister over every compile that matches a Filter
//     (flows, states, a label selector, a create-time range), newest
//     first, page by page; ListPage returns one page with its collection
//     revision. A page that fails UNAVAILABLE is retried.
//   - WatchCompiles returns a CollectionWatcher over the events of every
//     compile that matches a Filter, from a list's revision: list, then
//     watch, and a cache stays equal to a fresh list. It resumes as Watch
//     does, from the last message's resume_after_revision; OUT_OF_RANGE
//     ends it (list again).
//
// New takes the CLI's server forms (HOST:PORT, https://HOST[:PORT],
// dns:///HOST:PORT) and TLS, mTLS and bearer-token options (WithTLSCA,
// WithClientCertificate, WithToken, WithTokenFile); Connect also reads the
// CLI's CXONE_* environment variables. A mistake in them is an
// *EndpointError.
//
// Every error a method returns is an *Error, which carries the gRPC status:
// status.Code(err) and status.Convert(err) work on it directly. grpc-go
// 1.33 (Debian 12's) does not unwrap errors, so wrapping one with
// fmt.Errorf("%w") hides its code from status.Code; use errors.As to get
// the *Error back.
//
// A Client is safe for concurrent use; a Watcher, CollectionWatcher or
// Lister is used by one goroutine.
package client
