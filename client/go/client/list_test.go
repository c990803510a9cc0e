package client_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var checkout = map[string]string{"pipeline": "checkout", "example.com/team": "ivr"}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// listAll reads l to its end, failing the test on an error.
func listAll(t *testing.T, l *client.Lister) []*client.Compile {
	t.Helper()
	var compiles []*client.Compile
	for l.Next() {
		compiles = append(compiles, l.Compile())
	}
	if err := l.Err(); err != nil {
		t.Fatalf("list ended with %v after %d compiles", err, len(compiles))
	}
	return compiles
}

func namesOf(compiles []*client.Compile) []string {
	var names []string
	for _, c := range compiles {
		names = append(names, c.GetName())
	}
	return names
}

func mustStart(t *testing.T, c *client.Client, ctx context.Context, flow string, opts ...client.StartOption) *client.Compile {
	t.Helper()
	compile, err := c.Start(ctx, flow, opts...)
	if err != nil {
		t.Fatalf("Start %s: %v", flow, err)
	}
	return compile
}

func TestLabelsGivenAtStartComeBackOnGetAndList(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	started := mustStart(t, c, ctx, "labelled", client.WithLabels(checkout))
	if !sameLabels(started.GetLabels(), checkout) {
		t.Errorf("Start returned labels %v; want %v", started.GetLabels(), checkout)
	}
	got, err := c.Get(ctx, started.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if !sameLabels(got.GetLabels(), checkout) {
		t.Errorf("Get returned labels %v; want %v", got.GetLabels(), checkout)
	}
	listed := listAll(t, c.List(ctx, client.Filter{}))
	if len(listed) != 1 || listed[0].GetName() != started.GetName() || !sameLabels(listed[0].GetLabels(), checkout) {
		t.Errorf("List returned %v; want the one compile with %v", listed, checkout)
	}
	finished, err := c.StartAndWait(ctx, "labelled-2", client.WithLabels(map[string]string{"pipeline": "nightly"}))
	if err != nil {
		t.Fatal(err)
	}
	if !sameLabels(finished.GetLabels(), map[string]string{"pipeline": "nightly"}) {
		t.Errorf("StartAndWait returned labels %v", finished.GetLabels())
	}

	_, err = c.Start(ctx, "main-menu", client.WithLabels(map[string]string{"bad key!": "x"}))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "bad key!") {
		t.Errorf("a bad label gave %v; want INVALID_ARGUMENT naming it", err)
	}
	mustStart(t, c, ctx, "main-menu", client.WithRequestID("go-labels-1"),
		client.WithLabels(map[string]string{"pipeline": "a"}))
	_, err = c.Start(ctx, "main-menu", client.WithRequestID("go-labels-1"),
		client.WithLabels(map[string]string{"pipeline": "b"}))
	if status.Code(err) != codes.AlreadyExists {
		t.Errorf("a request ID retried with other labels gave %v; want ALREADY_EXISTS", err)
	}
}

func TestLookupFindsTheCompileARequestIDStarted(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	started := mustStart(t, c, ctx, "main-menu", client.WithRequestID("go-lookup-1"), client.WithLabels(checkout))
	found, err := c.Lookup(ctx, "go-lookup-1")
	if err != nil {
		t.Fatal(err)
	}
	if found.GetName() != started.GetName() || !sameLabels(found.GetLabels(), checkout) {
		t.Errorf("Lookup found %v; want %s with %v", found, started.GetName(), checkout)
	}
	// As it is now: after the end, the final state.
	result, err := c.StartAndWait(ctx, "main-menu", client.WithRequestID("go-lookup-1"), client.WithLabels(checkout))
	if err != nil {
		t.Fatal(err)
	}
	found, err = c.Lookup(ctx, "go-lookup-1")
	if err != nil || result.GetName() != started.GetName() || found.GetState() != client.StateCompleted {
		t.Errorf("after the end Lookup found %v (%v); want %s COMPLETED", found, err, started.GetName())
	}
}

func TestLookupOfAnUnknownKeyIsNotFound(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 30*time.Second)

	_, err := c.Lookup(ctx, "go-never-used")
	var e *client.Error
	if status.Code(err) != codes.NotFound || !errors.As(err, &e) || e.Op != "LookupCompile" ||
		e.Target != "go-never-used" || e.Message() == "" {
		t.Errorf("got %#v; want a NOT_FOUND *Error of LookupCompile naming the key, with a message", err)
	}
	if _, err := c.Lookup(ctx, ""); status.Code(err) != codes.InvalidArgument {
		t.Errorf("an empty key gave %v; want INVALID_ARGUMENT", err)
	}
}

func TestListIsNewestFirstOverSeveralPages(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	var newestFirst []string
	var newestRevision uint64
	for _, flow := range []string{"list-0", "list-1", "list-2", "list-3", "list-4"} {
		compile := mustStart(t, c, ctx, flow)
		newestFirst = append([]string{compile.GetName()}, newestFirst...)
		if compile.GetRevision() > newestRevision {
			newestRevision = compile.GetRevision()
		}
	}
	l := c.List(ctx, client.Filter{}, client.WithPageSize(2))
	if got := namesOf(listAll(t, l)); !equal(got, newestFirst) {
		t.Errorf("List gave %v; want newest first %v", got, newestFirst)
	}
	if l.Revision() < newestRevision || newestRevision == 0 {
		t.Errorf("the list's revision %d is before the newest start's %d", l.Revision(), newestRevision)
	}

	first, err := c.ListPage(ctx, client.Filter{}, "", client.WithPageSize(2))
	if err != nil {
		t.Fatal(err)
	}
	if first.GetRevision() < newestRevision || first.GetNextPageToken() == "" {
		t.Errorf("first page %v: want a token and a revision of at least %d", first, newestRevision)
	}
	pages := []*client.Page{first}
	for pages[len(pages)-1].GetNextPageToken() != "" {
		next, err := c.ListPage(ctx, client.Filter{}, pages[len(pages)-1].GetNextPageToken(), client.WithPageSize(2))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, next)
	}
	var sizes []int
	var names []string
	for _, p := range pages {
		sizes = append(sizes, len(p.GetCompiles()))
		names = append(names, namesOf(p.GetCompiles())...)
	}
	if !equal(sizes, []int{2, 2, 1}) || !equal(names, newestFirst) {
		t.Errorf("pages of %v holding %v; want 2 2 1 holding %v", sizes, names, newestFirst)
	}
}

func TestListFiltersByFlowLabelsStateAndTime(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	checkoutA := mustStart(t, c, ctx, "checkout-a", client.WithLabels(map[string]string{"pipeline": "checkout"}))
	nightly := mustStart(t, c, ctx, "nightly", client.WithLabels(map[string]string{"pipeline": "nightly"}))
	checkoutB := mustStart(t, c, ctx, "checkout-b", client.WithLabels(map[string]string{"pipeline": "checkout", "team": "ivr"}))
	plain := mustStart(t, c, ctx, "plain")
	everything := []*client.Compile{plain, checkoutB, nightly, checkoutA} // newest first

	listed := func(f client.Filter) []string {
		return namesOf(listAll(t, c.List(ctx, f, client.WithPageSize(1))))
	}
	for _, tc := range []struct {
		filter client.Filter
		want   []*client.Compile
	}{
		{client.Filter{LabelSelector: "pipeline=checkout"}, []*client.Compile{checkoutB, checkoutA}},
		{client.Filter{LabelSelector: "pipeline in (checkout,nightly),team"}, []*client.Compile{checkoutB}},
		{client.Filter{LabelSelector: "!pipeline"}, []*client.Compile{plain}},
		{client.Filter{LabelSelector: "pipeline!=checkout"}, []*client.Compile{plain, nightly}},
		{client.Filter{FlowIDs: []string{"nightly", "plain"}}, []*client.Compile{plain, nightly}},
		{client.Filter{FlowIDs: []string{"nightly", "checkout-a"}, LabelSelector: "pipeline=checkout"},
			[]*client.Compile{checkoutA}},
		{client.Filter{CreateTimeFrom: checkoutB.GetCreateTime().AsTime()}, []*client.Compile{plain, checkoutB}},
		{client.Filter{CreateTimeTo: checkoutB.GetCreateTime().AsTime()}, []*client.Compile{nightly, checkoutA}},
	} {
		if got := listed(tc.filter); !equal(got, namesOf(tc.want)) {
			t.Errorf("List(%v) = %v; want %v", tc.filter, got, namesOf(tc.want))
		}
	}

	for _, compile := range everything {
		collect(t, c.Watch(ctx, compile.GetName()))
	}
	if got := listed(client.Filter{States: []client.State{client.StateCompleted}}); !equal(got, namesOf(everything)) {
		t.Errorf("the completed ones: %v; want %v", got, namesOf(everything))
	}
	if got := listed(client.Filter{States: []client.State{client.StateQueued, client.StateInProgress}}); len(got) != 0 {
		t.Errorf("the live ones: %v; want none", got)
	}
	_, err := c.ListPage(ctx, client.Filter{LabelSelector: "a in ("}, "")
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "label_selector") {
		t.Errorf("a bad selector gave %v; want INVALID_ARGUMENT naming filter.label_selector", err)
	}
}

func TestListPageIsRetriedWhileTheGatewayIsDown(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	seen := newRetries()
	c := dial(t, g.Addr(), client.WithRetryHook(seen.hook),
		client.WithBackoff(50*time.Millisecond, 500*time.Millisecond), client.WithListAttempts(1000))
	ctx := timeout(t, 60*time.Second)
	started := mustStart(t, c, ctx, "main-menu")

	g.Stop(syscall.SIGKILL)
	type result struct {
		page *client.Page
		err  error
	}
	done := make(chan result, 1)
	go func() {
		page, err := c.ListPage(ctx, client.Filter{}, "")
		done <- result{page, err}
	}()
	for i := 0; i < 2; i++ {
		r := seen.waitFor(t, 30*time.Second, func(r client.Retry) bool { return r.Op == "ListCompiles" })
		if status.Code(r.Err) != codes.Unavailable {
			t.Fatalf("retried after %v; want UNAVAILABLE", r.Err)
		}
	}
	g.Restart()
	r := <-done
	if r.err != nil {
		t.Fatalf("ListPage failed: %v", r.err)
	}
	if got := namesOf(r.page.GetCompiles()); !equal(got, []string{started.GetName()}) {
		t.Errorf("listed %v; want %s", got, started.GetName())
	}
}
