package client

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Filter says which compiles a List, ListPage or WatchCompiles means. Every
// condition that is set must hold; the zero Filter matches every compile.
type Filter struct {
	// The compile's flow is one of these (at most 100).
	FlowIDs []string
	// The compile's state is one of these (StateUnspecified is refused).
	// WatchCompiles also delivers the change by which a compile leaves
	// these states (its event's previous state is one of them): a cache
	// drops the compile then.
	States []State
	// A Kubernetes label selector: comma-separated requirements that must
	// all hold — key=value (or ==), key!=value, key in (a,b),
	// key notin (a,b), key (has the label), !key (has not). != and notin
	// hold for a compile without the label.
	LabelSelector string
	// The compile was created at or after CreateTimeFrom, and before
	// CreateTimeTo; the zero time sets no bound.
	CreateTimeFrom, CreateTimeTo time.Time
}

// String describes the filter for errors and retries, e.g.
// `flows=[a b] labels="pipeline=checkout"`; "" for the zero Filter.
func (f Filter) String() string {
	var parts []string
	if len(f.FlowIDs) > 0 {
		parts = append(parts, fmt.Sprintf("flows=%v", f.FlowIDs))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = strings.TrimPrefix(s.String(), "STATE_")
		}
		parts = append(parts, fmt.Sprintf("states=%v", states))
	}
	if f.LabelSelector != "" {
		parts = append(parts, fmt.Sprintf("labels=%q", f.LabelSelector))
	}
	if !f.CreateTimeFrom.IsZero() {
		parts = append(parts, "from="+f.CreateTimeFrom.UTC().Format(time.RFC3339Nano))
	}
	if !f.CreateTimeTo.IsZero() {
		parts = append(parts, "before="+f.CreateTimeTo.UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(parts, " ")
}

func (f Filter) proto() *compilev1.CompileFilter {
	filter := &compilev1.CompileFilter{
		FlowIds:       append([]string(nil), f.FlowIDs...),
		States:        append([]State(nil), f.States...),
		LabelSelector: f.LabelSelector,
	}
	if !f.CreateTimeFrom.IsZero() {
		filter.CreateTimeFrom = timestamppb.New(f.CreateTimeFrom)
	}
	if !f.CreateTimeTo.IsZero() {
		filter.CreateTimeTo = timestamppb.New(f.CreateTimeTo)
	}
	return filter
}

// ListOption configures one List or ListPage.
type ListOption func(*compilev1.ListCompilesRequest)

// WithPageSize sets the most compiles a page holds: the gateway's 100 by
// default, at most 1000 (more, or a negative n, is INVALID_ARGUMENT).
func WithPageSize(n int) ListOption {
	// Beyond int32: refused as out of range, not wrapped around.
	if n > math.MaxInt32 {
		n = math.MaxInt32
	} else if n < math.MinInt32 {
		n = math.MinInt32
	}
	return func(r *compilev1.ListCompilesRequest) { r.PageSize = int32(n) }
}

func listRequest(filter Filter, pageToken string, opts []ListOption) *compilev1.ListCompilesRequest {
	request := &compilev1.ListCompilesRequest{Filter: filter.proto(), PageToken: pageToken}
	for _, opt := range opts {
		opt(request)
	}
	return request
}

// ListPage returns one page of the compiles that match filter, newest
// (latest create time) first: the first page with pageToken "", the next
// with the last page's GetNextPageToken() and the same filter (a token
// made for another filter is INVALID_ARGUMENT). A token stays valid however
// many compiles start meanwhile (they are newer, so they come before it)
// and across gateway restarts.
//
// The page's GetRevision() is the collection revision it reflects: every
// event up to it and none after. A controller lists every page, then
// calls WatchCompiles with WithAfterRevision(first page's revision): its
// cache then equals a fresh list at every revision it reaches.
//
// UNAVAILABLE is retried with the client's backoff (a list is read-only)
// until a call answers otherwise, the attempts run out (WithListAttempts)
// or ctx is done. A bad filter, label selector, page size or token is
// INVALID_ARGUMENT naming it.
func (c *Client) ListPage(ctx context.Context, filter Filter, pageToken string, opts ...ListOption) (*Page, error) {
	return c.listPage(ctx, listRequest(filter, pageToken, opts), filter.String())
}

func (c *Client) listPage(ctx context.Context, request *compilev1.ListCompilesRequest, target string) (*Page, error) {
	for attempt := 0; ; attempt++ {
		page, err := c.rpc.ListCompiles(ctx, request)
		if err == nil {
			return page, nil
		}
		if status.Code(err) != codes.Unavailable || attempt+1 >= c.cfg.maxListAttempts || ctx.Err() != nil {
			return nil, callError(ctx, "ListCompiles", target, err)
		}
		delay := c.backoff.delay(attempt)
		c.notifyRetry(Retry{Op: "ListCompiles", Target: target, Attempt: attempt, Err: err, Delay: delay})
		if !sleep(ctx, delay) {
			return nil, contextError(ctx, "ListCompiles", target, err)
		}
	}
}

// Lister iterates over every compile that matches a filter, newest first,
// fetching the pages as it needs them (see List). Use it as a
// bufio.Scanner:
//
//	l := c.List(ctx, client.Filter{LabelSelector: "pipeline=checkout"})
//	for l.Next() {
//		compile := l.Compile()
//		...
//	}
//	if err := l.Err(); err != nil { ... }
//
// A Lister belongs to one goroutine.
type Lister struct {
	c       *Client
	ctx     context.Context
	request *compilev1.ListCompilesRequest
	target  string

	page     []*Compile
	fetched  bool // a page came
	revision uint64
	compile  *Compile
	err      error
	done     bool
}

// List returns an iterator over every compile that matches filter, newest
// (latest create time) first, page by page (WithPageSize), each page as
// ListPage fetches it (UNAVAILABLE retried). A compile started while the
// list is read is newer than the pages already read, so it is not listed;
// none is listed twice. Nothing is sent until the first Next.
func (c *Client) List(ctx context.Context, filter Filter, opts ...ListOption) *Lister {
	return &Lister{c: c, ctx: ctx, request: listRequest(filter, "", opts), target: filter.String()}
}

// Next moves to the next compile; false at the end of the list or on an
// error (see Err).
func (l *Lister) Next() bool {
	l.compile = nil
	for !l.done {
		if len(l.page) > 0 {
			l.compile, l.page = l.page[0], l.page[1:]
			return true
		}
		if l.fetched && l.request.PageToken == "" {
			l.done = true
			break
		}
		page, err := l.c.listPage(l.ctx, l.request, l.target)
		if err != nil {
			l.err, l.done = err, true
			break
		}
		if !l.fetched {
			l.revision = page.GetRevision()
		}
		l.fetched = true
		l.page = page.GetCompiles()
		l.request.PageToken = page.GetNextPageToken()
	}
	return false
}

// Compile is the compile the last successful Next moved to.
func (l *Lister) Compile() *Compile { return l.compile }

// Err is why the list ended early: nil at its end, otherwise an *Error.
func (l *Lister) Err() error { return l.err }

// Revision is the collection revision of the list's first page (0 before
// it came): the after_revision to watch the same filter from
// (WithAfterRevision) once the whole list is read.
func (l *Lister) Revision() uint64 { return l.revision }
