package client

import (
	"context"
	"io"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// CollectionWatchOption configures one WatchCompiles.
type CollectionWatchOption func(*CollectionWatcher)

// WithAfterRevision starts the watch after collection revision rev: the
// first page's GetRevision() of a list of the same filter, or an earlier
// watch's Cursor. Every matching event after rev comes first, then the live
// ones. Without it the watch starts at the current revision.
func WithAfterRevision(rev uint64) CollectionWatchOption {
	return func(w *CollectionWatcher) {
		w.resume, w.resumeAfter = true, rev
		w.hasSeen, w.seen = true, rev
	}
}

// WithChangeMarkers makes Next yield the SYNCED and HEARTBEAT markers too:
// Changes without a compile, whose GetResumeAfterRevision() says how far
// the stream has looked (SYNCED: everything after is live).
func WithChangeMarkers() CollectionWatchOption {
	return func(w *CollectionWatcher) { w.markers = true }
}

// CollectionWatcher follows the events of every compile that matches a
// filter, compiles started later included, across as many WatchCompiles
// streams as it takes. Use it as a Watcher:
//
//	page, err := c.ListPage(ctx, filter, "")    // and the pages after it
//	...
//	w := c.WatchCompiles(ctx, filter, client.WithAfterRevision(page.GetRevision()))
//	defer w.Close()
//	for w.Next() {
//		ch := w.Change()
//		cache[ch.GetCompile().GetName()] = ch.GetCompile()
//	}
//	if status.Code(w.Err()) == codes.OutOfRange { ... list again ... }
//
// Next yields each matching event once, in collection revision order, with
// none skipped, as a Change: the event and the compile as that event's
// commit left it. A compile that leaves the filter's States comes once
// more, with the change by which it left (drop it then). Applying every
// Change to a list taken at the revision the watch started after keeps it
// equal to a fresh list at every revision reached (list-then-watch).
//
// The watch never ends by itself. A stream that breaks (a cut connection,
// the gateway draining or restarting, any of the codes Watch retries, or
// even an OK end) or is silent for twice its heartbeat interval is
// reopened after a backoff (then over a new connection, see New), with
// after_revision set to the GetResumeAfterRevision() of the last message
// received — markers included: a HEARTBEAT carries the cursor past events
// that did not match the filter (a bookmark), so resuming skips them.
// Replayed events already yielded are dropped.
//
// OUT_OF_RANGE is final, an *Error Next ends with: the cursor fell behind
// the gateway's bounded history (--collection-history), or
// WithAfterRevision named a revision older than it. Events are lost, so
// resuming cannot help: list again, and watch from that list's revision.
// Other final errors: the codes the gateway means (INVALID_ARGUMENT for a
// bad filter, …), WithMaxReconnects reconnects in a row receiving nothing,
// and ctx done.
//
// Next, Change, Err and Cursor belong to one goroutine; Close may be called
// from any, to stop a Next blocked waiting.
type CollectionWatcher struct {
	resumingStream[*Change]
	filter  *compilev1.CompileFilter
	markers bool

	// The after_revision of the next stream; resume false: from the
	// current revision.
	resume      bool
	resumeAfter uint64
	// The newest revision the caller has (yielded, or given with
	// WithAfterRevision).
	hasSeen bool
	seen    uint64

	change *Change
}

// WatchCompiles follows every compile that matches filter (see
// CollectionWatcher). Nothing is sent until the first Next. Close the
// CollectionWatcher when done with it.
func (c *Client) WatchCompiles(ctx context.Context, filter Filter, opts ...CollectionWatchOption) *CollectionWatcher {
	w := &CollectionWatcher{filter: filter.proto()}
	w.init(c, ctx, "WatchCompiles", filter.String())
	for _, opt := range opts {
		opt(w)
	}
	return w
}

// Next waits for the next change; false when the watch is over (see Err).
func (w *CollectionWatcher) Next() bool {
	w.change = nil
	for !w.done {
		if w.closed.Load() {
			w.finish()
			break
		}
		if w.stream == nil {
			if err := w.open(Retry{AfterRevision: w.resumeAfter, Resume: w.resume}, w.call); err != nil {
				w.endStream(err)
			}
			continue
		}
		ch, err := w.recv()
		if err != nil {
			w.endStream(err)
			continue
		}
		if yielded := w.take(ch); yielded != nil {
			w.change = yielded
			return true
		}
	}
	return false
}

// Change is the change the last successful Next yielded.
func (w *CollectionWatcher) Change() *Change { return w.change }

// Err is why the watch ended: nil after Close, otherwise an *Error
// (status.Code reads its code; OUT_OF_RANGE: list again).
func (w *CollectionWatcher) Err() error { return w.err }

// Cursor is the after_revision a later WatchCompiles of the same filter
// resumes with (WithAfterRevision) so that nothing is missed or repeated;
// false before anything was received.
func (w *CollectionWatcher) Cursor() (uint64, bool) { return w.resumeAfter, w.resume }

// Close ends the watch: a blocked Next returns false, and Err stays what it
// was (nil unless the watch had failed). Safe to call more than once, from
// any goroutine.
func (w *CollectionWatcher) Close() { w.close() }

// call opens the next stream: after the cursor, or from the current
// revision.
func (w *CollectionWatcher) call(ctx context.Context, rpc compilev1.CompileServiceClient) (receiver[*Change], error) {
	request := &compilev1.WatchCompilesRequest{Filter: w.filter}
	if w.resume {
		request.AfterRevision = proto.Uint64(w.resumeAfter)
	}
	return rpc.WatchCompiles(ctx, request)
}

// take records a received message; the change to yield, or nil.
func (w *CollectionWatcher) take(ch *Change) *Change {
	w.received(ch.GetHeartbeatInterval().AsDuration())
	marker := IsMarker(ch.GetEvent().GetType())
	resume := ch.GetResumeAfterRevision()
	position := ch.GetEvent().GetRevision()
	if position == 0 {
		position = resume
	}
	// A delivered event is behind the cursor, whether or not the gateway
	// filled in resume_after_revision.
	if !marker && position > resume {
		resume = position
	}
	if !w.resume || resume > w.resumeAfter {
		w.resume, w.resumeAfter = true, resume
	}
	if marker {
		if w.markers {
			return ch
		}
		return nil
	}
	if w.hasSeen && position <= w.seen {
		return nil
	}
	w.hasSeen, w.seen = true, position
	return ch
}

// endStream decides what follows a stream that ended with err (io.EOF: OK).
func (w *CollectionWatcher) endStream(err error) {
	if w.ended() {
		return
	}
	code := status.Code(err)
	switch {
	case err == io.EOF:
		w.pending = status.Error(codes.Unavailable,
			"the stream ended OK, which a WatchCompiles stream never does by itself")
	case code == codes.OutOfRange:
		// The gateway's message names the oldest revision it retains and
		// says to list again.
		w.fail(callError(w.ctx, w.op, w.target, err))
	case isRetryableWatch(code):
		w.pending = err
	default:
		w.fail(callError(w.ctx, w.op, w.target, err))
	}
}
