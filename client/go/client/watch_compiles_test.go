package client_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// quickHeartbeats: heartbeats every 300 ms, so that a watch with markers
// wakes up often and bookmarks follow the events it skipped soon.
func quickHeartbeats() gatewaytest.Options {
	return gatewaytest.Options{ServerArgs: []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
		"--min-poll-interval=50ms", "--upstream-rps=200", "--upstream-burst=20", "--heartbeat-interval=300ms"}}
}

func allTerminal(cache map[string]*client.Compile, n int) bool {
	if len(cache) != n {
		return false
	}
	for _, compile := range cache {
		if !client.IsTerminal(compile.GetState()) {
			return false
		}
	}
	return true
}

func TestListThenWatchCompilesKeepsACacheEqualToAFreshList(t *testing.T) {
	g := gatewaytest.Start(t, quickHeartbeats())
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	for _, flow := range []string{"informer-0", "informer-1", "informer-2"} {
		mustStart(t, c, ctx, flow)
	}
	cache := map[string]*client.Compile{}
	l := c.List(ctx, client.Filter{}, client.WithPageSize(2))
	for _, compile := range listAll(t, l) {
		cache[compile.GetName()] = compile
	}
	listed := l.Revision()
	if len(cache) != 3 || listed == 0 {
		t.Fatalf("listed %d compiles at revision %d; want 3", len(cache), listed)
	}
	// Started after the list: the watch brings them.
	for _, flow := range []string{"informer-3", "informer-4", "informer-5"} {
		mustStart(t, c, ctx, flow)
	}
	w := c.WatchCompiles(ctx, client.Filter{}, client.WithAfterRevision(listed), client.WithChangeMarkers())
	defer w.Close()
	var seen []uint64
	var fresh *client.Page
	for w.Next() {
		ch := w.Change()
		if ch.GetCompile() != nil {
			seen = append(seen, ch.GetEvent().GetRevision())
			cache[ch.GetCompile().GetName()] = ch.GetCompile()
		}
		if fresh == nil && allTerminal(cache, 6) {
			var err error
			if fresh, err = c.ListPage(ctx, client.Filter{}, "", client.WithPageSize(1000)); err != nil {
				t.Fatal(err)
			}
		}
		if fresh != nil && ch.GetResumeAfterRevision() >= fresh.GetRevision() {
			break
		}
	}
	if fresh == nil {
		t.Fatalf("the watch ended (%v) with %d compiles cached, not all terminal", w.Err(), len(cache))
	}
	if len(fresh.GetCompiles()) != len(cache) {
		t.Fatalf("the fresh list has %d compiles, the cache %d", len(fresh.GetCompiles()), len(cache))
	}
	for _, want := range fresh.GetCompiles() {
		if got := cache[want.GetName()]; !proto.Equal(got, want) {
			t.Errorf("cached %v\nlisted %v", got, want)
		}
	}
	// Every event after the list's revision exactly once, in order: no
	// filter, so every event of the gateway.
	for i, rev := range seen {
		if rev != listed+1+uint64(i) {
			t.Fatalf("revisions seen %v; want %d to %d, each once", seen, listed+1, fresh.GetRevision())
		}
	}
	if len(seen) == 0 || seen[len(seen)-1] != fresh.GetRevision() {
		t.Errorf("revisions seen %v end before the fresh list's %d", seen, fresh.GetRevision())
	}
}

func TestWatchCompilesSendsOnlyWhatMatchesAndHidesMarkers(t *testing.T) {
	g := gatewaytest.Start(t, quickHeartbeats())
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	first, err := c.ListPage(ctx, client.Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	checkoutA := mustStart(t, c, ctx, "checkout-a", client.WithLabels(map[string]string{"pipeline": "checkout"}))
	mustStart(t, c, ctx, "nightly", client.WithLabels(map[string]string{"pipeline": "nightly"}))
	checkoutB := mustStart(t, c, ctx, "checkout-b", client.WithLabels(map[string]string{"pipeline": "checkout"}))
	w := c.WatchCompiles(ctx, client.Filter{LabelSelector: "pipeline=checkout"},
		client.WithAfterRevision(first.GetRevision()))
	defer w.Close()
	cache := map[string]*client.Compile{}
	for !allTerminal(cache, 2) && w.Next() {
		ch := w.Change()
		if ch.GetCompile() == nil {
			t.Fatalf("a marker %v, which the watch hides", ch)
		}
		if flow := ch.GetCompile().GetFlowId(); flow != "checkout-a" && flow != "checkout-b" {
			t.Errorf("a change of %s, which the selector does not match", flow)
		}
		cache[ch.GetCompile().GetName()] = ch.GetCompile()
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := cache[checkoutA.GetName()]; !ok || cache[checkoutB.GetName()] == nil {
		t.Errorf("cached %v; want the two checkout compiles", cache)
	}
}

func TestWatchCompilesResumesAfterCutConnectionsMissingAndRepeatingNothing(t *testing.T) {
	g := gatewaytest.Start(t, chattyOptions("3000"))
	proxy := gatewaytest.StartProxy(t, g.Addr())
	seen := newRetries()
	c := dial(t, proxy.Addr(), client.WithRetryHook(seen.hook), client.WithBackoff(50*time.Millisecond, time.Second))
	ctx := timeout(t, 60*time.Second)

	first, err := c.ListPage(ctx, client.Filter{}, "")
	if err != nil {
		t.Fatal(err)
	}
	started := mustStart(t, c, ctx, "chatty")
	w := c.WatchCompiles(ctx, client.Filter{FlowIDs: []string{"chatty"}}, client.WithAfterRevision(first.GetRevision()))
	defer w.Close()
	var revisions []uint64
	for w.Next() {
		ch := w.Change()
		if ch.GetCompile().GetName() != started.GetName() {
			t.Fatalf("a change of %s", ch.GetCompile().GetName())
		}
		revisions = append(revisions, ch.GetEvent().GetRevision())
		if len(revisions) == 4 || len(revisions) == 12 {
			proxy.BreakAll()
		}
		if client.IsTerminal(ch.GetCompile().GetState()) {
			break
		}
	}
	if err := w.Err(); err != nil {
		t.Fatalf("watch failed: %v", err)
	}
	if len(revisions) <= 12 {
		t.Fatalf("the compile ended after %d changes, before both cuts: make it longer", len(revisions))
	}
	// One compile's events, all matching: consecutive revisions.
	for i, rev := range revisions {
		if rev != first.GetRevision()+1+uint64(i) {
			t.Fatalf("revisions %v: missed or repeated at %d", revisions, i)
		}
	}
	if proxy.Accepted() < 3 {
		t.Errorf("the proxy accepted %d connections; want the first and two more", proxy.Accepted())
	}
	resumed := 0
	for _, r := range seen.drain() {
		if r.Op == "WatchCompiles" && r.Resume && r.AfterRevision > first.GetRevision() {
			resumed++
		}
	}
	if resumed < 2 {
		t.Errorf("%d resuming reconnects; want one per cut", resumed)
	}
}

func TestWatchCompilesBehindTheHistoryEndsOutOfRange(t *testing.T) {
	opts := gatewaytest.Options{}
	opts.ServerArgs = []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
		"--min-poll-interval=50ms", "--collection-history=3"}
	g := gatewaytest.Start(t, opts)
	seen := newRetries()
	c := dial(t, g.Addr(), client.WithRetryHook(seen.hook))
	ctx := timeout(t, 60*time.Second)

	for _, flow := range []string{"history-0", "history-1", "history-2"} {
		mustStart(t, c, ctx, flow)
	}
	waitUntil(t, 30*time.Second, "five events", func() bool {
		page, err := c.ListPage(ctx, client.Filter{}, "")
		return err == nil && page.GetRevision() >= 5
	})
	w := c.WatchCompiles(ctx, client.Filter{}, client.WithAfterRevision(0))
	defer w.Close()
	for w.Next() {
		t.Errorf("yielded %v", w.Change())
	}
	if status.Code(w.Err()) != codes.OutOfRange || !strings.Contains(w.Err().Error(), "list again") {
		t.Errorf("got %v; want OUT_OF_RANGE saying to list again", w.Err())
	}
	if retries := seen.drain(); len(retries) != 0 {
		t.Errorf("resumed an OUT_OF_RANGE: %v", retries)
	}
}
