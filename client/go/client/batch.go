package client

import (
	"context"
	"fmt"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BatchItem is one start of a BatchStart: what Start takes. Give every item
// WithRequestID, so that the batch retried returns the compiles already
// started instead of starting them again.
type BatchItem struct {
	FlowID  string
	Options []StartOption
}

// BatchResult is one item's outcome: exactly one of Compile and Err is set.
type BatchResult struct {
	// The compile the item started (or attached to).
	Compile *Compile
	// What Start would have returned for the item: an *Error whose Op is
	// "BatchStartCompiles" and Target the item (`items[3] main-menu`);
	// status.Code(Err) is its code.
	Err error
}

// BatchStart starts many compiles in one call (1 to 1000 items) and returns
// when every item has its answer: one result per item, in the items' order.
//
// Per item, not atomic: each item is a Start of its own, with the same
// validation, idempotency and errors (a bad label or flow ID is that item's
// INVALID_ARGUMENT, in its BatchResult), and one item's error leaves the
// others alone. A trigger CXone accepted cannot be taken back, so give
// every item a request ID: the same batch retried returns the compiles
// already started and triggers only the rest.
//
// The error return is the call's own: INVALID_ARGUMENT for no items or more
// than 1000, UNAVAILABLE when the gateway cannot be reached, ctx's end. Such
// a call may have started any of its items (and the gateway goes on with
// them): retry it with the same items, or Lookup them. Nothing is retried
// by itself — neither the call nor the items that failed UNAVAILABLE or
// RESOURCE_EXHAUSTED; retry those, with their request IDs, yourself. An
// item whose options Start would refuse before sending (directives JSON
// cannot carry) fails the call with INVALID_ARGUMENT naming its index, and
// nothing is sent.
//
// The gateway starts the items a few at a time within the account's rate
// budget, shared with every other start: a batch takes about 28 s per 1000
// items at 50 requests/s, more when the budget is busy. Give ctx a deadline
// to match, not a single Start's.
func (c *Client) BatchStart(ctx context.Context, items []BatchItem) ([]BatchResult, error) {
	request := &compilev1.BatchStartCompilesRequest{
		Requests: make([]*compilev1.StartCompileRequest, len(items)),
	}
	for i, item := range items {
		built, err := startRequest(item.FlowID, item.Options)
		if err != nil {
			return nil, callError(ctx, "BatchStartCompiles", itemTarget(i, item.FlowID), err)
		}
		request.Requests[i] = built
	}
	target := fmt.Sprintf("%d items", len(items))
	response, err := c.rpc.BatchStartCompiles(ctx, request)
	if err != nil {
		return nil, callError(ctx, "BatchStartCompiles", target, err)
	}
	if got := len(response.GetResults()); got != len(items) {
		return nil, &Error{Op: "BatchStartCompiles", Target: target, status: status.Newf(codes.Unknown,
			"the gateway answered %d results for %d items; Lookup the keyed items by request ID", got, len(items))}
	}
	results := make([]BatchResult, len(items))
	for i, result := range response.GetResults() {
		if compile := result.GetCompile(); compile != nil {
			results[i].Compile = compile
			continue
		}
		st := status.New(codes.Unknown, "the gateway sent no result for this item")
		if item := result.GetStatus(); item != nil {
			code := codes.Code(item.GetCode())
			if code == codes.OK { // never, says the contract; no success either
				code = codes.Unknown
			}
			st = status.New(code, item.GetMessage())
		}
		results[i].Err = &Error{Op: "BatchStartCompiles", Target: itemTarget(i, items[i].FlowID), status: st}
	}
	return results, nil
}

// itemTarget names item i of a batch in errors: `items[3] main-menu`.
func itemTarget(i int, flowID string) string {
	return fmt.Sprintf("items[%d] %s", i, flowID)
}
