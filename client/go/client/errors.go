package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed call: the gRPC status it ended with and which call it
// was. It implements GRPCStatus, so status.Code(err), status.Convert(err)
// and status.FromError(err) see the gateway's code and message.
//
// When the call ended because the caller's context was done, the status is
// CANCELED or DEADLINE_EXCEEDED and Unwrap returns the context's error, so
// errors.Is(err, context.DeadlineExceeded) holds too.
type Error struct {
	// The RPC: "StartCompile", "GetCompile", "LookupCompile",
	// "ListCompiles", "WatchCompile", "WatchCompiles" or
	// "BatchStartCompiles".
	Op string
	// What the call was about: the flow (StartCompile), the compile name,
	// the request ID (LookupCompile), the filter (Filter.String); for
	// BatchStartCompiles the item (`items[3] main-menu`, in a BatchResult
	// or for an item refused before sending) or the call (`20 items`).
	Target string

	status *status.Status
	cause  error
}

// Error reads "cxone: StartCompile main-menu: Unavailable: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cxone: ")
	b.WriteString(e.Op)
	if e.Target != "" {
		b.WriteString(" ")
		b.WriteString(e.Target)
	}
	fmt.Fprintf(&b, ": %s", e.status.Code())
	if msg := e.status.Message(); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	return b.String()
}

// GRPCStatus returns the call's status (what status.Code reads).
func (e *Error) GRPCStatus() *status.Status { return e.status }

// Code is the call's gRPC status code.
func (e *Error) Code() codes.Code { return e.status.Code() }

// Message is the status message, as the gateway wrote it.
func (e *Error) Message() string { return e.status.Message() }

// Unwrap returns the context error that ended the call, if one did.
func (e *Error) Unwrap() error { return e.cause }

// callError makes the *Error of `op` on `target` from what a call made
// under ctx returned: a gRPC status error, a context error, or anything
// else (UNKNOWN). A call that ctx ended unwraps to ctx's error.
func callError(ctx context.Context, op, target string, err error) *Error {
	var already *Error
	if errors.As(err, &already) {
		return already
	}
	e := &Error{Op: op, Target: target}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.status = status.FromContextError(err)
		e.cause = err
		return e
	}
	e.status = status.Convert(err)
	if code := e.status.Code(); ctx != nil && ctx.Err() != nil &&
		(code == codes.Canceled || code == codes.DeadlineExceeded) {
		e.cause = ctx.Err()
	}
	return e
}

// contextError is the *Error of a call abandoned because ctx is done, while
// it waited to retry after `last`.
func contextError(ctx context.Context, op, target string, last error) *Error {
	st := status.FromContextError(ctx.Err())
	msg := st.Message()
	if last != nil {
		msg = fmt.Sprintf("%s (while waiting to retry after %s)", msg, describe(last))
	}
	return &Error{Op: op, Target: target, status: status.New(st.Code(), msg), cause: ctx.Err()}
}

// describe is "Code: message" of a status error.
func describe(err error) string {
	st := status.Convert(err)
	if st.Message() == "" {
		return st.Code().String()
	}
	return fmt.Sprintf("%s: %s", st.Code(), st.Message())
}
