package client

import (
	"context"
	"io"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// WatchOption configures one Watch.
type WatchOption func(*Watcher)

// WithAfterSequence starts the watch after event seq, which the caller
// already has (from an earlier watch's Cursor): the first event is seq+1,
// with no snapshot before it. Without it the first event is a SNAPSHOT of
// the compile as it is now.
func WithAfterSequence(seq uint64) WatchOption {
	return func(w *Watcher) {
		w.resume, w.resumeAfter = true, seq
		w.hasSeen, w.seen = true, seq
		w.hasUserAfter, w.userAfter = true, seq
	}
}

// WithMarkers makes Next yield the SYNCED and HEARTBEAT markers too (see
// IsMarker): SYNCED says everything after it is live. They carry no
// sequence and are yielded as they come, once per stream.
func WithMarkers() WatchOption {
	return func(w *Watcher) { w.markers = true }
}

// Watcher follows one compile's events to its terminal state, across as
// many WatchCompile streams as it takes. Use it as a bufio.Scanner:
//
//	w := c.Watch(ctx, name)
//	defer w.Close()
//	for w.Next() {
//		ev := w.Event()
//		...
//	}
//	if err := w.Err(); err != nil { ... }
//
// Next yields each logged event once, in order of sequence, with none
// skipped, and returns false after the event carrying a terminal state
// (Err is then nil), when an error is final, or after Close.
//
// A stream that breaks (a cut connection, the gateway draining or
// restarting: UNAVAILABLE, and the other codes the C++ CLI retries) or is
// silent for twice its heartbeat interval is reopened after a backoff with
// after_sequence set to the last resume_after_sequence received, and
// replayed events already yielded are dropped. The silence is timed from
// the moment a stream is opened, with the interval the last stream stated,
// so that a reopened stream that never delivers anything counts too; after
// a silence the stream is reopened over a new connection, unless the
// caller gave the Client its connection (see New and NewWithConn). If the
// gateway no longer holds the events after that cursor (OUT_OF_RANGE), or
// a resumed stream ends at once without the result, the watch restarts
// from a SNAPSHOT, which Next yields: it carries the compile's current
// state, and its sequence jumps past the events the gateway has forgotten.
// Final errors: codes the gateway means (NOT_FOUND, INVALID_ARGUMENT, …), a
// stream ending without the result, WithMaxReconnects reconnects in a row
// receiving nothing, and ctx done.
//
// Why an iterator and not a channel: the events are read on the caller's
// goroutine, so a slow consumer simply reads slowly (the gateway keeps a
// cursor per watcher and never drops one), an abandoned watch leaks no
// goroutine, and the error comes back where the loop ends.
//
// Next, Event, Err and Cursor belong to one goroutine; Close may be called
// from any, to stop a Next blocked waiting.
type Watcher struct {
	resumingStream[*Event]
	name    string
	markers bool

	// The after_sequence of the next stream; resume false: a snapshot.
	resume      bool
	resumeAfter uint64
	// The newest logged sequence the caller has (yielded, or given with
	// WithAfterSequence).
	hasSeen bool
	seen    uint64
	// What WithAfterSequence gave.
	hasUserAfter bool
	userAfter    uint64
	// Whether the current stream resumed (asked with after_sequence).
	streamResume bool

	event *Event
}

// Watch follows the compile named name (flows/{flow_id}/compiles/{id}).
// Nothing is sent until the first Next. Close the Watcher when done with it
// (a watch that reached its end has released everything already).
func (c *Client) Watch(ctx context.Context, name string, opts ...WatchOption) *Watcher {
	w := &Watcher{name: name}
	w.init(c, ctx, "WatchCompile", name)
	for _, opt := range opts {
		opt(w)
	}
	return w
}

// Next waits for the next event; false when the watch is over (see Err).
func (w *Watcher) Next() bool {
	w.event = nil
	for !w.done {
		if w.closed.Load() {
			w.finish()
			break
		}
		if w.stream == nil {
			if err := w.open(Retry{AfterSequence: w.resumeAfter, Resume: w.resume}, w.call); err != nil {
				w.endStream(err)
			}
			continue
		}
		ev, err := w.recv()
		if err != nil {
			w.endStream(err)
			continue
		}
		if yielded := w.take(ev); yielded != nil {
			w.event = yielded
			return true
		}
	}
	return false
}

// Event is the event the last successful Next yielded.
func (w *Watcher) Event() *Event { return w.event }

// Err is why the watch ended: nil after the terminal event or Close,
// otherwise an *Error (status.Code reads its code).
func (w *Watcher) Err() error { return w.err }

// Cursor is the after_sequence a later watch of the same compile resumes
// with (WithAfterSequence) so that nothing is missed or repeated; false
// before anything was received.
func (w *Watcher) Cursor() (uint64, bool) { return w.resumeAfter, w.resume }

// Close ends the watch: a blocked Next returns false, and Err stays what it
// was (nil unless the watch had failed). Safe to call more than once, from
// any goroutine.
func (w *Watcher) Close() { w.close() }

// call opens the next stream: after the cursor, or from a snapshot.
func (w *Watcher) call(ctx context.Context, rpc compilev1.CompileServiceClient) (receiver[*Event], error) {
	request := &compilev1.WatchCompileRequest{Name: w.name}
	if w.resume {
		request.AfterSequence = proto.Uint64(w.resumeAfter)
	}
	w.streamResume = w.resume
	return rpc.WatchCompile(ctx, request)
}

// take records a received message; the event to yield, or nil.
func (w *Watcher) take(ev *Event) *Event {
	w.received(ev.GetHeartbeatInterval().AsDuration())
	marker := IsMarker(ev.GetType())
	resume := ev.GetResumeAfterSequence()
	// A logged event is itself delivered, whether or not the gateway
	// filled in resume_after_sequence.
	if !marker && ev.GetSequence() > resume {
		resume = ev.GetSequence()
	}
	if !w.resume || resume > w.resumeAfter {
		w.resume, w.resumeAfter = true, resume
	}
	if marker {
		if w.markers {
			return ev
		}
		return nil
	}

	terminal := IsTerminal(ev.GetState())
	fresh := !w.hasSeen || ev.GetSequence() > w.seen
	// A terminal snapshot at or below what we yielded means the gateway
	// lost events; the caller has not seen the result, so it gets it.
	// Below what the caller itself said it has (WithAfterSequence), it has.
	if !fresh && terminal && ev.GetType() == EventSnapshot &&
		!(w.hasUserAfter && ev.GetSequence() <= w.userAfter) {
		fresh = true
	}
	if fresh && (!w.hasSeen || ev.GetSequence() > w.seen) {
		w.hasSeen, w.seen = true, ev.GetSequence()
	}
	if terminal {
		// Terminal states never change again: the watch is over whether
		// or not the gateway has closed the stream yet.
		w.finish()
	}
	if fresh {
		return ev
	}
	return nil
}

// endStream decides what follows a stream that ended with err (io.EOF: OK).
func (w *Watcher) endStream(err error) {
	if w.ended() {
		return
	}
	code := status.Code(err)
	switch {
	case err == io.EOF && !w.streamResume:
		// The gateway ends a stream OK only after the terminal event.
		w.fail(&Error{Op: "WatchCompile", Target: w.name, status: status.New(codes.Internal,
			"the stream ended without a result (no terminal state received); the outcome is unknown")})
	case err == io.EOF || (code == codes.OutOfRange && w.streamResume):
		// The gateway has nothing after the cursor (OK at once) or no
		// longer keeps it (OUT_OF_RANGE): start again from a snapshot.
		w.resume, w.resumeAfter = false, 0
	case isRetryableWatch(code):
		w.pending = err
	default:
		w.fail(callError(w.ctx, "WatchCompile", w.name, err))
	}
}
