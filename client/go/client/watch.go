package client

import (
	"context"
	"io"
	"sync/atomic"
	"time"

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
	c       *Client
	ctx     context.Context
	cancel  context.CancelFunc
	name    string
	markers bool
	closed  atomic.Bool

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

	// Twice the last heartbeat interval announced; 0 before any.
	idleLimit time.Duration
	// Reconnects since a stream last delivered anything.
	reconnects int
	// Why the next stream must wait out a backoff; nil: open it at once.
	pending error

	stream compilev1.CompileService_WatchCompileClient
	// The connection the stream went over, held until closeStream.
	streamLease  *lease
	streamCancel context.CancelFunc
	streamIdle   *atomic.Bool
	// The stream's idle timer, made once an idle limit is known, and
	// whether it is timing a wait now.
	streamTimer   *time.Timer
	streamWaiting bool
	streamResume  bool

	event *Event
	err   error
	done  bool
}

// Watch follows the compile named name (flows/{flow_id}/compiles/{id}).
// Nothing is sent until the first Next. Close the Watcher when done with it
// (a watch that reached its end has released everything already).
func (c *Client) Watch(ctx context.Context, name string, opts ...WatchOption) *Watcher {
	wctx, cancel := context.WithCancel(ctx)
	w := &Watcher{c: c, ctx: wctx, cancel: cancel, name: name}
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
			w.open()
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
func (w *Watcher) Close() {
	w.closed.Store(true)
	w.cancel()
}

// open starts the next stream, first waiting out the backoff if the last
// one broke.
func (w *Watcher) open() {
	if w.pending != nil {
		if w.reconnects >= w.c.cfg.maxReconnects {
			w.giveUp()
			return
		}
		delay := w.c.backoff.delay(w.reconnects)
		w.c.notifyRetry(Retry{
			Op: "WatchCompile", Target: w.name, Attempt: w.reconnects, Err: w.pending,
			Delay: delay, AfterSequence: w.resumeAfter, Resume: w.resume,
		})
		w.reconnects++
		if !sleep(w.ctx, delay) {
			w.endWithContext()
			return
		}
		w.pending = nil
	}
	request := &compilev1.WatchCompileRequest{Name: w.name}
	if w.resume {
		request.AfterSequence = proto.Uint64(w.resumeAfter)
	}
	sctx, cancel := context.WithCancel(w.ctx)
	w.streamCancel = cancel
	w.streamIdle = new(atomic.Bool)
	w.streamResume = w.resume
	w.streamLease = w.c.conn.acquire()
	// Timed from the call on, with the limit the last stream stated: a
	// stream that never delivers its first message (on a wedged
	// connection) is as dead as one that went silent later.
	w.startWait()
	stream, err := w.streamLease.rpc.WatchCompile(sctx, request)
	if err != nil {
		w.endStream(err)
		return
	}
	w.stream = stream
}

// recv reads one message. The stream's idle timer runs only while we wait
// here (or open the stream), so a caller that is slow between Nexts never
// looks like a dead stream; when it fires it marks the stream idle and
// cancels it.
func (w *Watcher) recv() (*Event, error) {
	w.startWait()
	ev, err := w.stream.Recv()
	if w.streamTimer != nil {
		w.streamTimer.Stop()
	}
	w.streamWaiting = false
	return ev, err
}

// startWait starts timing a wait for the stream's next message, unless
// one is timed already or no idle limit is known yet.
func (w *Watcher) startWait() {
	if w.idleLimit <= 0 || w.streamWaiting {
		return
	}
	w.streamWaiting = true
	if w.streamTimer == nil {
		idle, cancel := w.streamIdle, w.streamCancel
		w.streamTimer = time.AfterFunc(w.idleLimit, func() {
			idle.Store(true)
			cancel()
		})
		return
	}
	w.streamTimer.Reset(w.idleLimit)
}

// take records a received message; the event to yield, or nil.
func (w *Watcher) take(ev *Event) *Event {
	w.reconnects = 0
	if d := ev.GetHeartbeatInterval(); d != nil && d.AsDuration() > 0 {
		w.idleLimit = 2 * d.AsDuration()
	}
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
	resumed := w.streamResume
	idle := w.streamIdle != nil && w.streamIdle.Load()
	stale := w.streamLease
	w.closeStream()
	if w.closed.Load() {
		w.finish()
		return
	}
	if w.ctx.Err() != nil {
		w.endWithContext()
		return
	}
	code := status.Code(err)
	switch {
	case idle:
		// The connection may be wedged: the next stream goes over a new one.
		w.c.conn.replace(stale)
		w.pending = status.Errorf(codes.Unavailable,
			"no message for %v, twice the heartbeat interval", w.idleLimit)
	case err == io.EOF && !resumed:
		// The gateway ends a stream OK only after the terminal event.
		w.fail(&Error{Op: "WatchCompile", Target: w.name, status: status.New(codes.Internal,
			"the stream ended without a result (no terminal state received); the outcome is unknown")})
	case err == io.EOF || (code == codes.OutOfRange && resumed):
		// The gateway has nothing after the cursor (OK at once) or no
		// longer keeps it (OUT_OF_RANGE): start again from a snapshot.
		w.resume, w.resumeAfter = false, 0
	case isRetryableWatch(code):
		w.pending = err
	default:
		w.fail(callError(w.ctx, "WatchCompile", w.name, err))
	}
}

// isRetryableWatch: the codes after which a reconnect may succeed — the
// gateway draining or restarting, a reset or cut connection, overload
// (client/call_status.cc, IsRetryableWatchError).
func isRetryableWatch(code codes.Code) bool {
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Internal, codes.Unknown,
		codes.Canceled, codes.ResourceExhausted:
		return true
	}
	return false
}

func (w *Watcher) giveUp() {
	if w.c.cfg.maxReconnects <= 0 {
		w.fail(callError(w.ctx, "WatchCompile", w.name, w.pending))
		return
	}
	w.fail(&Error{Op: "WatchCompile", Target: w.name, status: status.Newf(status.Code(w.pending),
		"giving up after %d reconnects in a row received nothing; last: %s",
		w.reconnects, describe(w.pending))})
}

func (w *Watcher) endWithContext() {
	w.fail(contextError(w.ctx, "WatchCompile", w.name, w.pending))
	if w.closed.Load() {
		w.err = nil
	}
}

func (w *Watcher) fail(err *Error) {
	w.err = err
	w.finish()
}

func (w *Watcher) finish() {
	w.done = true
	w.closeStream()
	w.cancel()
}

func (w *Watcher) closeStream() {
	if w.streamTimer != nil {
		w.streamTimer.Stop()
		w.streamTimer = nil
	}
	w.streamWaiting = false
	if w.streamCancel != nil {
		w.streamCancel()
		w.streamCancel = nil
	}
	if w.streamLease != nil {
		w.c.conn.release(w.streamLease)
		w.streamLease = nil
	}
	w.stream = nil
}
