package client_test

// WatchCompiles' resuming rules and List's paging against a scripted
// in-process gateway that misbehaves on purpose (breaks streams after a
// bookmark, replays what it sent, fails a page), which the real gateway
// does not do on demand.

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// collectionScript is one WatchCompiles call's behaviour.
type collectionScript func(*compilev1.WatchCompilesRequest, compilev1.CompileService_WatchCompilesServer) error

// pageScript is one ListCompiles call's answer.
type pageScript func(*compilev1.ListCompilesRequest) (*compilev1.ListCompilesResponse, error)

type scriptedCollection struct {
	compilev1.UnimplementedCompileServiceServer
	mu           sync.Mutex
	scripts      []collectionScript
	pages        []pageScript
	requests     []*compilev1.WatchCompilesRequest
	listRequests []*compilev1.ListCompilesRequest
}

func (g *scriptedCollection) WatchCompiles(req *compilev1.WatchCompilesRequest, stream compilev1.CompileService_WatchCompilesServer) error {
	g.mu.Lock()
	g.requests = append(g.requests, req)
	if len(g.scripts) == 0 {
		g.mu.Unlock()
		return status.Error(codes.FailedPrecondition, "script exhausted")
	}
	script := g.scripts[0]
	g.scripts = g.scripts[1:]
	g.mu.Unlock()
	return script(req, stream)
}

func (g *scriptedCollection) ListCompiles(_ context.Context, req *compilev1.ListCompilesRequest) (*compilev1.ListCompilesResponse, error) {
	g.mu.Lock()
	g.listRequests = append(g.listRequests, proto.Clone(req).(*compilev1.ListCompilesRequest))
	if len(g.pages) == 0 {
		g.mu.Unlock()
		return nil, status.Error(codes.FailedPrecondition, "no page left")
	}
	page := g.pages[0]
	g.pages = g.pages[1:]
	g.mu.Unlock()
	return page(req)
}

// afterRevisions is each WatchCompiles call's after_revision; -1 for none.
func (g *scriptedCollection) afterRevisions() []int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var after []int64
	for _, r := range g.requests {
		if r.AfterRevision == nil {
			after = append(after, -1)
		} else {
			after = append(after, int64(r.GetAfterRevision()))
		}
	}
	return after
}

func (g *scriptedCollection) watchRequests() []*compilev1.WatchCompilesRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*compilev1.WatchCompilesRequest(nil), g.requests...)
}

func (g *scriptedCollection) pageRequests() []*compilev1.ListCompilesRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*compilev1.ListCompilesRequest(nil), g.listRequests...)
}

func (g *scriptedCollection) pageTokens() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var tokens []string
	for _, r := range g.listRequests {
		tokens = append(tokens, r.GetPageToken())
	}
	return tokens
}

func serveCollection(t *testing.T, opts []client.Option, scripts []collectionScript, pages ...pageScript) (*scriptedCollection, *client.Client) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &scriptedCollection{scripts: scripts, pages: pages}
	server := grpc.NewServer()
	compilev1.RegisterCompileServiceServer(server, fake)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	opts = append([]client.Option{client.WithBackoff(time.Millisecond, 10*time.Millisecond)}, opts...)
	return fake, dial(t, listener.Addr().String(), opts...)
}

// change is a logged event at revision rev, with its compile (stating no
// heartbeat interval: the markers do).
func change(rev uint64, state client.State) *client.Change {
	name := "flows/f/compiles/c"
	return &client.Change{
		Event: &client.Event{Sequence: 1, Type: client.EventStateChanged, State: state, Name: name,
			Revision: rev, ResumeAfterSequence: 1},
		Compile:             &client.Compile{Name: name, FlowId: "f", State: state, Revision: rev},
		ResumeAfterRevision: rev,
	}
}

func marker(typ client.EventType, resumeAfter uint64, heartbeat time.Duration) *client.Change {
	return &client.Change{Event: &client.Event{Type: typ}, ResumeAfterRevision: resumeAfter,
		HeartbeatInterval: durationpb.New(heartbeat)}
}

// streams sends changes, then ends the stream with end.
func streams(end error, changes ...*client.Change) collectionScript {
	return func(_ *compilev1.WatchCompilesRequest, stream compilev1.CompileService_WatchCompilesServer) error {
		for _, ch := range changes {
			if err := stream.Send(ch); err != nil {
				return err
			}
		}
		return end
	}
}

// goesSilent sends changes, then nothing until the client gives up.
func goesSilent(changes ...*client.Change) collectionScript {
	return func(_ *compilev1.WatchCompilesRequest, stream compilev1.CompileService_WatchCompilesServer) error {
		for _, ch := range changes {
			if err := stream.Send(ch); err != nil {
				return err
			}
		}
		<-stream.Context().Done()
		return stream.Context().Err()
	}
}

// firstChanges reads n changes of w, then closes it.
func firstChanges(t *testing.T, w *client.CollectionWatcher, n int) []*client.Change {
	t.Helper()
	defer w.Close()
	var changes []*client.Change
	for len(changes) < n && w.Next() {
		changes = append(changes, w.Change())
	}
	if len(changes) < n {
		t.Fatalf("the watch ended after %d changes: %v", len(changes), w.Err())
	}
	return changes
}

func revisionsOf(changes []*client.Change) []uint64 {
	var revs []uint64
	for _, ch := range changes {
		revs = append(revs, ch.GetEvent().GetRevision())
	}
	return revs
}

func TestWatchCompilesResumesAfterTheLastMessageBookmarksIncluded(t *testing.T) {
	seen := newRetries()
	fake, c := serveCollection(t, []client.Option{client.WithRetryHook(seen.hook)}, []collectionScript{
		streams(status.Error(codes.Unavailable, "server draining; resume with after_revision=9"),
			marker(client.EventSynced, 5, 30*time.Second), change(6, client.StateQueued),
			marker(client.EventHeartbeat, 9, 30*time.Second)),
		streams(nil, change(10, client.StateInProgress), change(11, client.StateCompleted)),
	})
	w := c.WatchCompiles(timeout(t, 10*time.Second), client.Filter{})
	if got := revisionsOf(firstChanges(t, w, 3)); !equal(got, []uint64{6, 10, 11}) {
		t.Errorf("yielded revisions %v; want 6 10 11", got)
	}
	// From the current revision at first; then after the heartbeat's
	// bookmark, not after the last event.
	if got := fake.afterRevisions(); !equal(got, []int64{-1, 9}) {
		t.Errorf("after_revision per call %v; want none, then 9", got)
	}
	if cursor, ok := w.Cursor(); !ok || cursor != 11 {
		t.Errorf("Cursor() = %d, %v; want 11, true", cursor, ok)
	}
	r := seen.waitFor(t, time.Second, func(r client.Retry) bool { return r.Op == "WatchCompiles" })
	if !r.Resume || r.AfterRevision != 9 {
		t.Errorf("the reconnect reported %+v; want to resume after revision 9", r)
	}
}

func TestWatchCompilesDropsReplayedChangesAndThoseAtTheCallersRevision(t *testing.T) {
	fake, c := serveCollection(t, nil, []collectionScript{
		streams(status.Error(codes.Internal, "reset"),
			change(4, client.StateQueued), change(6, client.StateQueued), change(7, client.StateInProgress)),
		// A gateway that replays what the cursor already holds.
		streams(nil, change(6, client.StateQueued), change(7, client.StateInProgress),
			change(8, client.StateCompleted)),
	})
	w := c.WatchCompiles(timeout(t, 10*time.Second), client.Filter{}, client.WithAfterRevision(5))
	if got := revisionsOf(firstChanges(t, w, 3)); !equal(got, []uint64{6, 7, 8}) {
		t.Errorf("yielded revisions %v; want 6 7 8", got)
	}
	if got := fake.afterRevisions(); !equal(got, []int64{5, 7}) {
		t.Errorf("after_revision per call %v; want 5, then 7", got)
	}
}

func TestWatchCompilesSendsTheFilterAndYieldsMarkersOnlyWhenAsked(t *testing.T) {
	scripts := func() []collectionScript {
		return []collectionScript{streams(nil, marker(client.EventSynced, 5, time.Minute),
			marker(client.EventHeartbeat, 8, time.Minute), change(9, client.StateQueued))}
	}
	filter := client.Filter{FlowIDs: []string{"f"}, States: []client.State{client.StateQueued},
		LabelSelector: "pipeline=checkout", CreateTimeFrom: time.Unix(1700000000, 0)}
	fake, c := serveCollection(t, nil, scripts())
	if got := revisionsOf(firstChanges(t, c.WatchCompiles(timeout(t, 10*time.Second), filter), 1)); !equal(got, []uint64{9}) {
		t.Errorf("yielded %v; want only the event at 9", got)
	}
	sent := fake.watchRequests()[0].GetFilter()
	if !equal(sent.GetFlowIds(), []string{"f"}) || !equal(sent.GetStates(), []client.State{client.StateQueued}) ||
		sent.GetLabelSelector() != "pipeline=checkout" || sent.GetCreateTimeFrom().GetSeconds() != 1700000000 ||
		sent.GetCreateTimeTo() != nil {
		t.Errorf("sent filter %v", sent)
	}
	_, c = serveCollection(t, nil, scripts())
	changes := firstChanges(t, c.WatchCompiles(timeout(t, 10*time.Second), filter, client.WithChangeMarkers()), 3)
	if changes[0].GetEvent().GetType() != client.EventSynced || changes[1].GetEvent().GetType() != client.EventHeartbeat ||
		changes[1].GetCompile() != nil || changes[2].GetCompile().GetName() == "" {
		t.Errorf("with markers: %v", changes)
	}
}

func TestWatchCompilesResumesASilentStreamAndAnOKEnd(t *testing.T) {
	seen := newRetries()
	fake, c := serveCollection(t, []client.Option{client.WithRetryHook(seen.hook)}, []collectionScript{
		goesSilent(marker(client.EventSynced, 2, 50*time.Millisecond), change(3, client.StateQueued)),
		streams(nil, change(4, client.StateInProgress)),
		streams(nil, change(5, client.StateCompleted)),
	})
	w := c.WatchCompiles(timeout(t, 10*time.Second), client.Filter{})
	if got := revisionsOf(firstChanges(t, w, 3)); !equal(got, []uint64{3, 4, 5}) {
		t.Errorf("yielded %v; want 3 4 5", got)
	}
	if got := fake.afterRevisions(); !equal(got, []int64{-1, 3, 4}) {
		t.Errorf("after_revision per call %v; want none, 3, 4", got)
	}
	retries := seen.drain()
	if len(retries) != 2 || !strings.Contains(retries[0].Err.Error(), "no message for 100ms, twice the heartbeat interval") ||
		!strings.Contains(retries[1].Err.Error(), "never does by itself") {
		t.Errorf("reconnects %v; want one for the silence, one for the OK end", retries)
	}
}

func TestWatchCompilesEndsWithOutOfRangeForTheCallerToListAgain(t *testing.T) {
	seen := newRetries()
	fake, c := serveCollection(t, []client.Option{client.WithRetryHook(seen.hook)}, []collectionScript{
		streams(status.Error(codes.OutOfRange,
			"after_revision 3: no longer retained: the oldest retained is revision 40; list again")),
	})
	w := c.WatchCompiles(timeout(t, 10*time.Second), client.Filter{}, client.WithAfterRevision(3))
	defer w.Close()
	for w.Next() {
		t.Errorf("yielded %v", w.Change())
	}
	if status.Code(w.Err()) != codes.OutOfRange || !strings.Contains(w.Err().Error(), "list again") {
		t.Errorf("got %v; want OUT_OF_RANGE saying to list again", w.Err())
	}
	if calls := len(fake.afterRevisions()); calls != 1 {
		t.Errorf("%d calls; want 1 (never resumed)", calls)
	}
	if retries := seen.drain(); len(retries) != 0 {
		t.Errorf("retried: %v", retries)
	}
}

func TestWatchCompilesGivesUpAfterMaxReconnectsThatReceiveNothing(t *testing.T) {
	down := streams(status.Error(codes.Unavailable, "down"))
	fake, c := serveCollection(t, []client.Option{client.WithMaxReconnects(2)},
		[]collectionScript{down, down, down, down})
	w := c.WatchCompiles(timeout(t, 10*time.Second), client.Filter{})
	defer w.Close()
	for w.Next() {
	}
	if status.Code(w.Err()) != codes.Unavailable || !strings.Contains(w.Err().Error(), "giving up after 2 reconnects") {
		t.Errorf("got %v; want UNAVAILABLE giving up after 2 reconnects", w.Err())
	}
	if got := fake.afterRevisions(); !equal(got, []int64{-1, -1, -1}) {
		t.Errorf("after_revision per call %v; want none three times", got)
	}
}

// page answers with compiles named names and the token next.
func page(next string, revision uint64, names ...string) pageScript {
	return func(*compilev1.ListCompilesRequest) (*compilev1.ListCompilesResponse, error) {
		response := &compilev1.ListCompilesResponse{NextPageToken: next, Revision: revision}
		for _, n := range names {
			response.Compiles = append(response.Compiles, &client.Compile{Name: n})
		}
		return response, nil
	}
}

func failsWith(code codes.Code, msg string) pageScript {
	return func(*compilev1.ListCompilesRequest) (*compilev1.ListCompilesResponse, error) {
		return nil, status.Error(code, msg)
	}
}

func TestListFollowsThePageTokensAndRetriesAnUnavailablePage(t *testing.T) {
	seen := newRetries()
	fake, c := serveCollection(t, []client.Option{client.WithRetryHook(seen.hook)}, nil,
		page("t1", 41, "c3", "c2"), failsWith(codes.Unavailable, "restarting"), page("", 45, "c1"))
	l := c.List(timeout(t, 10*time.Second), client.Filter{FlowIDs: []string{"f"}}, client.WithPageSize(2))
	var names []string
	for l.Next() {
		names = append(names, l.Compile().GetName())
	}
	if err := l.Err(); err != nil || !equal(names, []string{"c3", "c2", "c1"}) {
		t.Fatalf("listed %v, then %v; want c3 c2 c1", names, err)
	}
	if l.Revision() != 41 {
		t.Errorf("Revision() = %d; want the first page's, 41", l.Revision())
	}
	if got := fake.pageTokens(); !equal(got, []string{"", "t1", "t1"}) {
		t.Errorf("page tokens %q; want none, t1, t1 (retried)", got)
	}
	for _, r := range fake.pageRequests() {
		if r.GetPageSize() != 2 || !equal(r.GetFilter().GetFlowIds(), []string{"f"}) {
			t.Errorf("request %v; want page size 2 and the filter on every page", r)
		}
	}
	if r := seen.drain(); len(r) != 1 || r[0].Op != "ListCompiles" || r[0].Target != "flows=[f]" {
		t.Errorf("retries %+v; want one of ListCompiles for flows=[f]", r)
	}
}

func TestListPageReturnsTheTokenAndRevisionAndDoesNotRetryAnAnswer(t *testing.T) {
	fake, c := serveCollection(t, nil, nil,
		page("t1", 41, "c2"), failsWith(codes.InvalidArgument, "page_token: made for another filter"))
	ctx := timeout(t, 10*time.Second)
	first, err := c.ListPage(ctx, client.Filter{}, "", client.WithPageSize(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetCompiles()) != 1 || first.GetNextPageToken() != "t1" || first.GetRevision() != 41 {
		t.Errorf("first page %v", first)
	}
	_, err = c.ListPage(ctx, client.Filter{LabelSelector: "x"}, first.GetNextPageToken())
	var e *client.Error
	if status.Code(err) != codes.InvalidArgument || !errors.As(err, &e) || e.Op != "ListCompiles" || e.Target != `labels="x"` {
		t.Errorf("got %#v; want an INVALID_ARGUMENT *Error of ListCompiles naming the filter", err)
	}
	if got := fake.pageTokens(); !equal(got, []string{"", "t1"}) {
		t.Errorf("page tokens %q; want none, then t1 once", got)
	}
}

func TestListGivesUpAfterItsAttempts(t *testing.T) {
	down := failsWith(codes.Unavailable, "down")
	fake, c := serveCollection(t, []client.Option{client.WithListAttempts(3)}, nil, down, down, down, down)
	l := c.List(timeout(t, 10*time.Second), client.Filter{})
	if l.Next() || status.Code(l.Err()) != codes.Unavailable {
		t.Errorf("got %v; want UNAVAILABLE", l.Err())
	}
	if calls := len(fake.pageTokens()); calls != 3 {
		t.Errorf("%d calls; want 3", calls)
	}
}
