package client

import (
	"context"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// StartOption configures one Start.
type StartOption func(*startCall)

type startCall struct {
	request *compilev1.StartCompileRequest
	err     error
}

// WithRequestID makes Start idempotent: a second Start with the same key
// and flow returns the first one's compile and never triggers CXone again.
// With a key, Start retries UNAVAILABLE and RESOURCE_EXHAUSTED itself. At
// most 256 bytes, not starting with "~".
func WithRequestID(id string) StartOption {
	return func(s *startCall) { s.request.RequestId = id }
}

// WithDirectives passes compile directives, unchanged, to CXone as the
// trigger's `directives` object. Values are what structpb.NewValue takes
// (nil, bool, numbers, string, []any, map[string]any). Integers beyond
// ±(2^53-1) cannot be carried exactly: pass them as strings.
func WithDirectives(directives map[string]any) StartOption {
	return func(s *startCall) {
		d, err := structpb.NewStruct(directives)
		if err != nil {
			s.err = status.Errorf(codes.InvalidArgument, "directives: %v", err)
			return
		}
		s.request.Directives = d
	}
}

// WithLabels gives the compile labels to find it by (List, ListPage,
// WatchCompiles with a Filter's LabelSelector), e.g. {"pipeline":
// "checkout"}: Kubernetes label syntax and limits (at most 64, 16 KiB in
// all). They are the compile's from its creation on and come back on
// every Compile. A bad one is INVALID_ARGUMENT naming it; a retry of a
// request ID with other labels than its first call is ALREADY_EXISTS. A
// Start that attaches to a compile already running gets it with the labels
// it has. The map is copied.
func WithLabels(labels map[string]string) StartOption {
	return func(s *startCall) {
		if s.request.Labels == nil {
			s.request.Labels = make(map[string]string, len(labels))
		}
		for k, v := range labels {
			s.request.Labels[k] = v
		}
	}
}

// Start starts compiling flowID and returns the new compile (or, when
// CXone says the flow is already compiling, the running one).
//
// With WithRequestID, UNAVAILABLE and RESOURCE_EXHAUSTED are retried with
// the client's backoff until a call answers otherwise, the attempts run out
// (WithStartAttempts) or ctx is done. Without one, nothing is retried: the
// outcome of a lost answer is unknown, and a retry could start a second
// compile.
func (c *Client) Start(ctx context.Context, flowID string, opts ...StartOption) (*Compile, error) {
	request, err := startRequest(flowID, opts)
	if err != nil {
		return nil, callError(ctx, "StartCompile", flowID, err)
	}
	for attempt := 0; ; attempt++ {
		compile, err := c.rpc.StartCompile(ctx, request)
		if err == nil {
			return compile, nil
		}
		if request.RequestId == "" || !isRetryableStart(status.Code(err)) ||
			attempt+1 >= c.cfg.maxStartAttempts || ctx.Err() != nil {
			return nil, callError(ctx, "StartCompile", flowID, err)
		}
		delay := c.backoff.delay(attempt)
		c.notifyRetry(Retry{Op: "StartCompile", Target: flowID, Attempt: attempt, Err: err, Delay: delay})
		if !sleep(ctx, delay) {
			return nil, contextError(ctx, "StartCompile", flowID, err)
		}
	}
}

// startRequest is the StartCompileRequest of Start(flowID, opts...), or the
// INVALID_ARGUMENT status error of an option that cannot be sent (directives
// JSON cannot carry). What is well-typed but invalid (a flow ID or label the
// gateway refuses) is the gateway's to say.
func startRequest(flowID string, opts []StartOption) (*compilev1.StartCompileRequest, error) {
	call := startCall{request: &compilev1.StartCompileRequest{FlowId: flowID}}
	for _, opt := range opts {
		opt(&call)
	}
	if call.err != nil {
		return nil, call.err
	}
	return call.request, nil
}

// isRetryableStart: the gateway could not be reached or was overloaded.
// Other codes are answers a retry would only repeat.
func isRetryableStart(code codes.Code) bool {
	return code == codes.Unavailable || code == codes.ResourceExhausted
}
