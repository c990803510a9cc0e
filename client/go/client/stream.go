package client

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// receiver is a server stream of M: a WatchCompile or WatchCompiles client.
type receiver[M any] interface {
	Recv() (M, error)
}

// resumingStream is what Watcher and CollectionWatcher share: one stream
// at a time over the client's connection, the backoff before reopening
// one that broke, the silence timer, the move to a new connection after a
// silence, and the end of the watch (an error, ctx done, or Close). What
// a message means and how each ending is handled is theirs.
//
// The owner's Next loop: open a stream when there is none, recv, hand
// each message to its own take, and each error to its own endStream,
// which starts with ended.
type resumingStream[M any] struct {
	c      *Client
	ctx    context.Context
	cancel context.CancelFunc
	// The RPC and what it was about, for errors.
	op, target string
	closed     atomic.Bool

	// Twice the last heartbeat interval announced; 0 before any.
	idleLimit time.Duration
	// Reconnects since a stream last delivered anything.
	reconnects int
	// Why the next stream must wait out a backoff; nil: open it at once.
	pending error

	stream receiver[M]
	// The connection the stream went over, held until closeStream.
	streamLease  *lease
	streamCancel context.CancelFunc
	streamIdle   *atomic.Bool
	// The stream's idle timer, made once an idle limit is known, and
	// whether it is timing a wait now.
	streamTimer   *time.Timer
	streamWaiting bool

	err  error
	done bool
}

func (s *resumingStream[M]) init(c *Client, ctx context.Context, op, target string) {
	s.c, s.op, s.target = c, op, target
	s.ctx, s.cancel = context.WithCancel(ctx)
}

// open starts the next stream with call, first waiting out the backoff if
// the last one broke (retry is what the retry hook is told: Op, Target,
// Attempt, Err and Delay are filled in here). It returns call's error, for
// the owner's endStream; nil when the stream is open, or when the watch
// ended instead (done).
func (s *resumingStream[M]) open(retry Retry,
	call func(context.Context, compilev1.CompileServiceClient) (receiver[M], error)) error {
	if s.pending != nil {
		if s.reconnects >= s.c.cfg.maxReconnects {
			s.giveUp()
			return nil
		}
		delay := s.c.backoff.delay(s.reconnects)
		retry.Op, retry.Target = s.op, s.target
		retry.Attempt, retry.Err, retry.Delay = s.reconnects, s.pending, delay
		s.c.notifyRetry(retry)
		s.reconnects++
		if !sleep(s.ctx, delay) {
			s.endWithContext()
			return nil
		}
		s.pending = nil
	}
	sctx, cancel := context.WithCancel(s.ctx)
	s.streamCancel = cancel
	s.streamIdle = new(atomic.Bool)
	s.streamLease = s.c.conn.acquire()
	// Timed from the call on, with the limit the last stream stated: a
	// stream that never delivers its first message (on a wedged
	// connection) is as dead as one that went silent later.
	s.startWait()
	stream, err := call(sctx, s.streamLease.rpc)
	if err != nil {
		return err
	}
	s.stream = stream
	return nil
}

// recv reads one message. The stream's idle timer runs only while we wait
// here (or open the stream), so a caller that is slow between Nexts never
// looks like a dead stream; when it fires it marks the stream idle and
// cancels it.
func (s *resumingStream[M]) recv() (M, error) {
	s.startWait()
	m, err := s.stream.Recv()
	if s.streamTimer != nil {
		s.streamTimer.Stop()
	}
	s.streamWaiting = false
	return m, err
}

// startWait starts timing a wait for the stream's next message, unless
// one is timed already or no idle limit is known yet.
func (s *resumingStream[M]) startWait() {
	if s.idleLimit <= 0 || s.streamWaiting {
		return
	}
	s.streamWaiting = true
	if s.streamTimer == nil {
		idle, cancel := s.streamIdle, s.streamCancel
		s.streamTimer = time.AfterFunc(s.idleLimit, func() {
			idle.Store(true)
			cancel()
		})
		return
	}
	s.streamTimer.Reset(s.idleLimit)
}

// received records that a message arrived, stating (or not) the heartbeat
// interval d.
func (s *resumingStream[M]) received(d time.Duration) {
	s.reconnects = 0
	if d > 0 {
		s.idleLimit = 2 * d
	}
}

// ended closes the stream that just ended and handles the endings every
// watch treats alike: Close, ctx done (the watch is over: true), and a
// silence (a reconnect, over a new connection since the old one may be
// wedged: pending is set, true). False: the owner decides from err.
func (s *resumingStream[M]) ended() bool {
	idle := s.streamIdle != nil && s.streamIdle.Load()
	stale := s.streamLease
	s.closeStream()
	switch {
	case s.closed.Load():
		s.finish()
	case s.ctx.Err() != nil:
		s.endWithContext()
	case idle:
		s.c.conn.replace(stale)
		s.pending = status.Errorf(codes.Unavailable,
			"no message for %v, twice the heartbeat interval", s.idleLimit)
	default:
		return false
	}
	return true
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

func (s *resumingStream[M]) giveUp() {
	if s.c.cfg.maxReconnects <= 0 {
		s.fail(callError(s.ctx, s.op, s.target, s.pending))
		return
	}
	s.fail(&Error{Op: s.op, Target: s.target, status: status.Newf(status.Code(s.pending),
		"giving up after %d reconnects in a row received nothing; last: %s",
		s.reconnects, describe(s.pending))})
}

func (s *resumingStream[M]) endWithContext() {
	s.fail(contextError(s.ctx, s.op, s.target, s.pending))
	if s.closed.Load() {
		s.err = nil
	}
}

func (s *resumingStream[M]) fail(err *Error) {
	s.err = err
	s.finish()
}

func (s *resumingStream[M]) finish() {
	s.done = true
	s.closeStream()
	s.cancel()
}

// close ends the watch from any goroutine: a blocked Next returns false.
func (s *resumingStream[M]) close() {
	s.closed.Store(true)
	s.cancel()
}

func (s *resumingStream[M]) closeStream() {
	if s.streamTimer != nil {
		s.streamTimer.Stop()
		s.streamTimer = nil
	}
	s.streamWaiting = false
	if s.streamCancel != nil {
		s.streamCancel()
		s.streamCancel = nil
	}
	if s.streamLease != nil {
		s.c.conn.release(s.streamLease)
		s.streamLease = nil
	}
	s.stream = nil
}
