package client

import (
	"context"
	"time"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// Client talks to one gateway. Safe for concurrent use by many goroutines;
// Close it when done with it.
type Client struct {
	conn *connection
	// Over conn: each call goes over the ClientConn current when it starts.
	rpc     compilev1.CompileServiceClient
	backoff *backoff
	cfg     config
}

// Retry describes one retry the client is about to make, for WithRetryHook.
type Retry struct {
	// "StartCompile", "ListCompiles", "WatchCompile" or "WatchCompiles".
	Op string
	// The flow being started or the compile being watched; for a list or
	// a WatchCompiles, the filter (Filter.String).
	Target string
	// How many retries in a row came before this one (0 for the first).
	Attempt int
	// Why: the failed call's error (a status error; a watch silent for
	// twice its heartbeat interval is UNAVAILABLE saying so).
	Err error
	// How long the client waits before retrying.
	Delay time.Duration
	// For a watch: the after_sequence it resumes with; 0 with Resume false
	// means from a snapshot.
	AfterSequence uint64
	// For a WatchCompiles: the after_revision it resumes with; 0 with
	// Resume false means from the current revision.
	AfterRevision uint64
	Resume        bool
}

type config struct {
	dialOptions      []grpc.DialOption
	creds            credentials.TransportCredentials
	initialDelay     time.Duration
	maxDelay         time.Duration
	seed             int64
	maxStartAttempts int
	maxListAttempts  int
	maxReconnects    int
	retryHook        func(Retry)
}

// Option configures a Client.
type Option func(*config)

// WithTransportCredentials makes New use TLS (or other credentials)
// instead of a plaintext connection. The gateway itself serves plaintext,
// meant for a trusted network or behind a TLS-terminating proxy.
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithDialOptions adds options to New's grpc.Dial (after the client's own:
// keepalive pings every 30 s, reconnects backing off up to 5 s).
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOptions = append(c.dialOptions, opts...) }
}

// WithBackoff sets the delays between retries and reconnects: retry n
// waits a random time in [0, min(max, initial*2^n)]. Default 200 ms, 10 s.
func WithBackoff(initial, max time.Duration) Option {
	return func(c *config) { c.initialDelay, c.maxDelay = initial, max }
}

// WithJitterSeed seeds the backoff's random draws (default: the time).
func WithJitterSeed(seed int64) Option {
	return func(c *config) { c.seed = seed }
}

// WithStartAttempts bounds the calls Start makes with a request ID, the
// first included (default 10; the context's deadline bounds them too).
func WithStartAttempts(n int) Option {
	return func(c *config) { c.maxStartAttempts = n }
}

// WithListAttempts bounds the calls List and ListPage make for one page,
// the first included (default 10; the context's deadline bounds them too).
// A page that fails UNAVAILABLE is retried with the client's backoff: a
// list is read-only, so a retry is always safe.
func WithListAttempts(n int) Option {
	return func(c *config) { c.maxListAttempts = n }
}

// WithMaxReconnects sets how many reconnects in a row that receive nothing
// a watch (Watch or WatchCompiles) makes before it gives up (default 50; 0
// never reconnects). A stream that delivered anything, a marker included,
// resets the count.
func WithMaxReconnects(n int) Option {
	return func(c *config) { c.maxReconnects = n }
}

// WithRetryHook calls hook, on the retrying goroutine, before every retry
// of Start or of a list page and every reconnect of a watch (to log them,
// say). It must not block.
func WithRetryHook(hook func(Retry)) Option {
	return func(c *config) { c.retryHook = hook }
}

func newConfig(opts []Option) config {
	c := config{
		initialDelay:     200 * time.Millisecond,
		maxDelay:         10 * time.Second,
		seed:             time.Now().UnixNano(),
		maxStartAttempts: 10,
		maxListAttempts:  10,
		maxReconnects:    50,
	}
	for _, opt := range opts {
		opt(&c)
	}
	if c.maxStartAttempts < 1 {
		c.maxStartAttempts = 1
	}
	if c.maxListAttempts < 1 {
		c.maxListAttempts = 1
	}
	return c
}

// New returns a client of the gateway at addr (HOST:PORT or any gRPC
// target). It connects lazily: an unreachable gateway makes the first call
// fail UNAVAILABLE (or, with a request ID, retry), not New.
//
// A watch stream silent for twice its heartbeat interval may be on a
// wedged connection (a proxy or NAT that stopped forwarding while TCP
// looks open), where a new stream would hang too until keepalive closes it
// (30 s + 10 s). So after such a silence the client dials a new
// grpc.ClientConn, with the same target and options, for the watch's next
// stream and every later call. Calls already running on the old
// ClientConn, the other goroutines' included, go on there (on a wedged
// connection they end when keepalive closes it, or with their context);
// the old ClientConn is closed after the last of them ends.
func New(addr string, opts ...Option) (*Client, error) {
	cfg := newConfig(opts)
	dial := []grpc.DialOption{
		// A watch may sit silent for minutes while CXone compiles: pings
		// notice a gateway that vanished without closing the connection.
		// The gateway permits pings every 10 s or more.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true,
		}),
		// grpc's default reconnect backoff grows to 120 s; a gateway back
		// after a restart should be found within seconds.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: grpcbackoff.Config{
				BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2,
				MaxDelay: 5 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
	}
	if cfg.creds != nil {
		dial = append(dial, grpc.WithTransportCredentials(cfg.creds))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	dial = append(dial, cfg.dialOptions...)
	redial := func() (*grpc.ClientConn, error) { return grpc.Dial(addr, dial...) }
	conn, err := redial()
	if err != nil {
		return nil, callError(context.Background(), "Dial", addr, err)
	}
	return newClient(newOwnedConnection(conn, redial), cfg), nil
}

// NewWithConn returns a client that calls over conn, which the caller
// owns (Close leaves it open). Dial options in opts are ignored.
//
// Unlike New's, conn cannot be replaced: after a silent stream the watch
// resumes over conn, on the same connection, which on a wedged one hangs
// until conn's keepalive (if it has any) closes it. Dial conn with
// grpc.WithKeepaliveParams (New's: 30 s, 10 s timeout).
func NewWithConn(conn grpc.ClientConnInterface, opts ...Option) *Client {
	return newClient(newCallerConnection(conn), newConfig(opts))
}

func newClient(conn *connection, cfg config) *Client {
	return &Client{
		conn:    conn,
		rpc:     compilev1.NewCompileServiceClient(conn),
		backoff: newBackoff(cfg.initialDelay, cfg.maxDelay, cfg.seed),
		cfg:     cfg,
	}
}

// Close closes the connections New made. Calls in flight fail CANCELED.
func (c *Client) Close() error {
	return c.conn.close()
}

// Stub returns the generated client, for what this package does not wrap.
// Each of its calls goes over the client's connection current when the
// call starts (see New).
func (c *Client) Stub() compilev1.CompileServiceClient { return c.rpc }

// Get returns the compile named name (flows/{flow_id}/compiles/{compile_id})
// as it is now. It does not retry.
func (c *Client) Get(ctx context.Context, name string) (*Compile, error) {
	compile, err := c.rpc.GetCompile(ctx, &compilev1.GetCompileRequest{Name: name})
	if err != nil {
		return nil, callError(ctx, "GetCompile", name, err)
	}
	return compile, nil
}

// Lookup returns the compile a Start with WithRequestID(requestID) started
// (or attached to), as it is now: for a caller that lost a Start's answer
// (it crashed, say) and must not start another. NOT_FOUND while there is
// none: the start still in flight (not visible until CXone answered), or
// the key unknown (never used, its start failed, or retention forgot it
// with its compile); the message says which. It does not retry.
func (c *Client) Lookup(ctx context.Context, requestID string) (*Compile, error) {
	compile, err := c.rpc.LookupCompile(ctx, &compilev1.LookupCompileRequest{RequestId: requestID})
	if err != nil {
		return nil, callError(ctx, "LookupCompile", requestID, err)
	}
	return compile, nil
}

func (c *Client) notifyRetry(r Retry) {
	if c.cfg.retryHook != nil {
		c.cfg.retryHook(r)
	}
}
