package client

import (
	"context"
	"sync"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc"
)

// connection is the ClientConn a Client calls over, and the means to
// replace it after a silent watch stream.
//
// grpc puts every call of a ClientConn on its one HTTP/2 connection while
// that connection looks healthy. A connection can be wedged without looking
// broken (a proxy or NAT that stopped forwarding, TCP still open): calls on
// it hang, and only the keepalive ping's timeout (30 s + 10 s, see New)
// closes it. A Watcher that noticed the silence itself therefore calls
// replace before it reconnects, so that its next stream, and every later
// call, goes over a new ClientConn, hence a new TCP connection (grpc-go
// shares no connection between two ClientConns). Calls still running on
// the old ClientConn finish there; it is closed after the last of them, so
// replacing it cancels nothing.
//
// A connection the caller gave (NewWithConn) is never replaced nor closed.
//
// As a grpc.ClientConnInterface, each call goes over the ClientConn current
// when it starts. Safe for concurrent use.
type connection struct {
	// Makes a new ClientConn like the first; nil: the caller's connection.
	dial func() (*grpc.ClientConn, error)

	mu        sync.Mutex
	current   *lease
	retiring  map[*lease]struct{} // replaced, with calls still on them
	replacing bool                // a dial for replace is under way
	closed    bool
}

// lease is one ClientConn and the calls on it.
type lease struct {
	conn  grpc.ClientConnInterface
	owned *grpc.ClientConn // nil when the caller's
	rpc   compilev1.CompileServiceClient

	// Guarded by connection.mu.
	calls    int
	replaced bool
}

func newLease(conn grpc.ClientConnInterface, owned *grpc.ClientConn) *lease {
	return &lease{conn: conn, owned: owned, rpc: compilev1.NewCompileServiceClient(conn)}
}

// newOwnedConnection calls over conn, which dial made, and replaces it with
// another from dial when asked.
func newOwnedConnection(conn *grpc.ClientConn, dial func() (*grpc.ClientConn, error)) *connection {
	return &connection{dial: dial, current: newLease(conn, conn), retiring: map[*lease]struct{}{}}
}

// newCallerConnection calls over conn for good.
func newCallerConnection(conn grpc.ClientConnInterface) *connection {
	return &connection{current: newLease(conn, nil), retiring: map[*lease]struct{}{}}
}

// acquire returns the current ClientConn's lease for one call (or stream).
// REQUIRES: release once the call is over.
func (c *connection) acquire() *lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current.calls++
	return c.current
}

// release ends one call on l; the last call on a replaced ClientConn
// closes it.
func (c *connection) release(l *lease) {
	c.mu.Lock()
	l.calls--
	retire := c.retireIfIdleLocked(l)
	c.mu.Unlock()
	if retire {
		l.owned.Close()
	}
}

// replace makes later calls go over a new ClientConn after a stream on
// stale fell silent. Nothing happens when the connection is the caller's,
// stale was already replaced (another watch noticed first) or is being
// replaced, or close came first; or when the dial fails, which keeps the
// old one (grpc.Dial fails only on a bad target or options, which the
// first dial would have met).
func (c *connection) replace(stale *lease) {
	if c.dial == nil {
		return
	}
	c.mu.Lock()
	if c.closed || c.replacing || stale != c.current {
		c.mu.Unlock()
		return
	}
	c.replacing = true
	c.mu.Unlock()

	// Outside the lock: a dial option such as grpc.WithBlock makes it wait
	// for the connection.
	conn, err := c.dial()

	c.mu.Lock()
	c.replacing = false
	if err != nil || c.closed {
		c.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
		return
	}
	c.current = newLease(conn, conn)
	stale.replaced = true
	c.retiring[stale] = struct{}{}
	retire := c.retireIfIdleLocked(stale)
	c.mu.Unlock()
	if retire {
		stale.owned.Close()
	}
}

// close closes every ClientConn the client dialled (cancelling the calls
// still on them); the caller's connection stays open.
func (c *connection) close() error {
	if c.dial == nil {
		return nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	current := c.current.owned
	var retiring []*grpc.ClientConn
	for l := range c.retiring {
		retiring = append(retiring, l.owned)
	}
	c.retiring = map[*lease]struct{}{}
	c.mu.Unlock()
	for _, conn := range retiring {
		conn.Close()
	}
	return current.Close()
}

// retireIfIdleLocked: whether l is a replaced lease whose last call ended
// (and is to be closed now, once). REQUIRES: c.mu held.
func (c *connection) retireIfIdleLocked(l *lease) bool {
	if _, ok := c.retiring[l]; !ok || l.calls > 0 {
		return false
	}
	delete(c.retiring, l)
	return true
}

// Invoke makes a unary call over the current ClientConn.
func (c *connection) Invoke(ctx context.Context, method string, args, reply interface{}, opts ...grpc.CallOption) error {
	l := c.acquire()
	defer c.release(l)
	return l.conn.Invoke(ctx, method, args, reply, opts...)
}

// NewStream opens a stream over the current ClientConn, which the stream
// holds until it ends as grpc.ClientStream documents: RecvMsg returns an
// error (or the one response of a stream without server streaming), a
// SendMsg fails, or ctx is done.
func (c *connection) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	l := c.acquire()
	stream, err := l.conn.NewStream(ctx, desc, method, opts...)
	if err != nil {
		c.release(l)
		return nil, err
	}
	s := &leasedStream{ClientStream: stream, oneResponse: !desc.ServerStreams,
		ended: make(chan struct{}), release: func() { c.release(l) }}
	go func() {
		select {
		case <-ctx.Done():
			s.end()
		case <-s.ended:
		}
	}()
	return s, nil
}

// leasedStream releases its lease once when the stream ends.
type leasedStream struct {
	grpc.ClientStream
	oneResponse bool
	once        sync.Once
	ended       chan struct{}
	release     func()
}

func (s *leasedStream) SendMsg(m interface{}) error {
	err := s.ClientStream.SendMsg(m)
	if err != nil {
		s.end()
	}
	return err
}

func (s *leasedStream) RecvMsg(m interface{}) error {
	err := s.ClientStream.RecvMsg(m)
	if err != nil || s.oneResponse {
		s.end()
	}
	return err
}

func (s *leasedStream) end() {
	s.once.Do(func() {
		close(s.ended)
		s.release()
	})
}
