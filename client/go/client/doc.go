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
//
// Every error a method returns is an *Error, which carries the gRPC status:
// status.Code(err) and status.Convert(err) work on it directly. grpc-go
// 1.33 (Debian 12's) does not unwrap errors, so wrapping one with
// fmt.Errorf("%w") hides its code from status.Code; use errors.As to get
// the *Error back.
//
// A Client is safe for concurrent use; a Watcher is used by one goroutine.
package client
