package client

import (
	"context"
	"os"
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
	endpoint         EndpointOptions
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

// WithTransportCredentials makes New use these credentials (TLS of your
// own making, say) instead of a plaintext connection or the WithTLSCA and
// WithClientCertificate files, which cannot be given with it.
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithTLSCA makes the connection TLS, the gateway's certificate verified
// against the PEM CAs in file (read by New) instead of the system's roots:
// the CLI's --tls-ca.
func WithTLSCA(file string) Option {
	return func(c *config) { c.endpoint.TLSCA = file }
}

// WithClientCertificate makes the connection TLS and presents the PEM
// certificate in certFile, with its key in keyFile (both read by New), to
// a gateway that requires one (mTLS): the CLI's --tls-cert and --tls-key.
func WithClientCertificate(certFile, keyFile string) Option {
	return func(c *config) { c.endpoint.TLSCert, c.endpoint.TLSKey = certFile, keyFile }
}

// WithToken sends `authorization: Bearer TOKEN` on every call, for a
// gateway that identifies callers by token (a static token or a JWT).
func WithToken(token string) Option {
	return func(c *config) { c.endpoint.Token = token }
}

// WithTokenFile is WithToken with the token read (by New) from file,
// surrounding whitespace trimmed: the CLI's --token-file.
func WithTokenFile(file string) Option {
	return func(c *config) { c.endpoint.TokenFile = file }
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

// New returns a client of the gateway at addr: HOST:PORT (plaintext unless
// WithTLSCA, WithClientCertificate or WithTransportCredentials is given),
// https://HOST[:PORT] (TLS, port 443 by default) or a gRPC target URI
// such as dns:///HOST:PORT, by the CLI's rules (ResolveEndpoint). It reads
// no environment variable (Connect does). A malformed addr, or a TLS or
// token file that cannot be used, is an *EndpointError naming it. It
// connects lazily: an unreachable gateway (or a refused TLS handshake)
// makes the first call fail UNAVAILABLE (or, with a request ID, retry),
// not New.
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
	return newDialed(addr, "address", true, newConfig(opts))
}

// Connect returns a client of the gateway the CLI would call: server
// ("" for $CXONE_SERVER, else DefaultServer) and each of WithTLSCA,
// WithClientCertificate and WithTokenFile not given come from the CLI's
// environment variables, as cxone-compile's flags do: $CXONE_TLS_CA,
// $CXONE_TLS_CERT, $CXONE_TLS_KEY, $CXONE_TOKEN_FILE (not read with
// WithToken; the TLS ones not with WithTransportCredentials). Otherwise
// as New.
func Connect(server string, opts ...Option) (*Client, error) {
	cfg := newConfig(opts)
	cfg.endpoint.LookupEnv = func(name string) (string, bool) {
		if cfg.creds != nil && (name == EnvTLSCA || name == EnvTLSCert || name == EnvTLSKey) {
			return "", false
		}
		return os.LookupEnv(name)
	}
	return newDialed(server, "server", false, cfg)
}

func newDialed(addr, addrName string, required bool, cfg config) (*Client, error) {
	endpoint, err := resolveEndpoint(addr, addrName, required, cfg.endpoint)
	if err != nil {
		return nil, err
	}
	creds := endpoint.transportCredentials()
	if cfg.creds != nil {
		if len(endpoint.CAPEM) > 0 || len(endpoint.CertPEM) > 0 {
			return nil, endpointError("give WithTransportCredentials or WithTLSCA and WithClientCertificate, not both")
		}
		creds = cfg.creds
	}
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
	if creds != nil {
		dial = append(dial, grpc.WithTransportCredentials(creds))
	} else {
		dial = append(dial, grpc.WithInsecure())
	}
	if endpoint.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearerToken{header: "Bearer " + endpoint.token}))
	}
	dial = append(dial, cfg.dialOptions...)
	target := endpoint.Target
	redial := func() (*grpc.ClientConn, error) { return grpc.Dial(target, dial...) }
	conn, err := redial()
	if err != nil {
		return nil, callError(context.Background(), "Dial", target, err)
	}
	return newClient(newOwnedConnection(conn, redial), cfg), nil
}

// NewWithConn returns a client that calls over conn, which the caller
// owns (Close leaves it open). Dial options in opts are ignored, and so
// are the TLS and token options: dial conn with them yourself.
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
