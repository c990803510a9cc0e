package client_test

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/compilev1"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func TestWatchYieldsEveryEventOnceToTheTerminalState(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	compile, err := c.Start(ctx, "main-menu")
	if err != nil {
		t.Fatal(err)
	}
	events := collect(t, c.Watch(ctx, compile.GetName()))
	checkOnceInOrder(t, events, client.StateCompleted)
	states := map[client.State]bool{}
	for _, ev := range events {
		states[ev.GetState()] = true
		if ev.GetName() != compile.GetName() {
			t.Errorf("event %d names %q, want %q", ev.GetSequence(), ev.GetName(), compile.GetName())
		}
	}
	if !states[client.StateInProgress] {
		t.Errorf("no IN_PROGRESS event in %v", events)
	}
	checkMatchesLog(t, c, compile.GetName(), events)
}

func TestWatchWithMarkersYieldsSynced(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)

	compile, err := c.Start(ctx, "marked")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, compile.GetName(), client.WithMarkers())
	defer w.Close()
	var types []client.EventType
	for w.Next() {
		types = append(types, w.Event().GetType())
		if w.Event().GetType() == client.EventSynced {
			if w.Event().GetSequence() != 0 || w.Event().GetHeartbeatInterval().AsDuration() <= 0 {
				t.Errorf("SYNCED marker %v: want sequence 0 and a heartbeat interval", w.Event())
			}
			w.Close()
		}
	}
	if err := w.Err(); err != nil {
		t.Fatalf("after Close, Err is %v; want nil", err)
	}
	if len(types) != 2 || types[0] != client.EventSnapshot || types[1] != client.EventSynced {
		t.Fatalf("a live compile's watch began with %v; want SNAPSHOT, SYNCED", types)
	}
}

func TestWatchResumesAfterCutConnectionsMissingAndRepeatingNothing(t *testing.T) {
	g := gatewaytest.Start(t, chattyOptions("3000"))
	proxy := gatewaytest.StartProxy(t, g.Addr())
	seen := newRetries()
	c := dial(t, proxy.Addr(), client.WithRetryHook(seen.hook), client.WithBackoff(50*time.Millisecond, time.Second))
	ctx := timeout(t, 60*time.Second)

	compile, err := c.Start(ctx, "chatty")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, compile.GetName())
	defer w.Close()
	var events []*client.Event
	cuts := 0
	for w.Next() {
		events = append(events, w.Event())
		// Cut the connection a few events in, and again after the first
		// reconnect has delivered more; the compile is still running.
		if (len(events) == 4 || len(events) == 12) && !client.IsTerminal(w.Event().GetState()) {
			proxy.BreakAll()
			cuts++
		}
	}
	if err := w.Err(); err != nil {
		t.Fatalf("watch failed: %v", err)
	}
	if cuts != 2 {
		t.Fatalf("the compile ended after %d events, before both cuts: make it longer", len(events))
	}
	checkOnceInOrder(t, events, client.StateCompleted)
	if proxy.Accepted() < 3 {
		t.Errorf("the proxy accepted %d connections; want the first and two more", proxy.Accepted())
	}
	resumed := 0
	for _, r := range seen.drain() {
		if r.Op == "WatchCompile" && r.Resume {
			resumed++
		}
	}
	if resumed < 2 {
		t.Errorf("%d resuming reconnects; want one per cut", resumed)
	}
	checkMatchesLog(t, c, compile.GetName(), events)
}

func TestWatchResumesAcrossAGatewayRestartOnTheSamePortAndState(t *testing.T) {
	for _, tc := range []struct {
		name   string
		signal syscall.Signal
		// What the reconnect after the stop reports.
		reason string
	}{
		{"drained", syscall.SIGTERM, "server draining; resume with after_sequence="},
		{"killed", syscall.SIGKILL, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := gatewaytest.Start(t, chattyOptions("5000"))
			seen := newRetries()
			c := dial(t, g.Addr(), client.WithRetryHook(seen.hook), client.WithBackoff(50*time.Millisecond, time.Second))
			ctx := timeout(t, 90*time.Second)

			compile, err := c.Start(ctx, "chatty")
			if err != nil {
				t.Fatal(err)
			}
			w := c.Watch(ctx, compile.GetName())
			defer w.Close()
			var events []*client.Event
			restartedAt := -1
			for w.Next() {
				events = append(events, w.Event())
				if len(events) == 5 {
					if client.IsTerminal(w.Event().GetState()) {
						t.Fatal("the compile ended before the restart: make it longer")
					}
					g.Stop(tc.signal)
					g.Restart()
					restartedAt = len(events)
				}
			}
			if err := w.Err(); err != nil {
				t.Fatalf("watch failed: %v", err)
			}
			checkOnceInOrder(t, events, client.StateCompleted)
			retries := seen.drain()
			if len(retries) == 0 {
				t.Fatal("the watch never reconnected")
			}
			if !strings.Contains(retries[0].Err.Error(), tc.reason) {
				t.Errorf("first reconnect after %v; want it to say %q", retries[0].Err, tc.reason)
			}
			if !retries[0].Resume || retries[0].AfterSequence < events[restartedAt-1].GetSequence() {
				t.Errorf("reconnected with %+v; want to resume after at least %d", retries[0],
					events[restartedAt-1].GetSequence())
			}
			if restartedAt < 0 || len(events) <= restartedAt+1 {
				t.Errorf("only %d events after the restart: the compile should have gone on", len(events)-restartedAt)
			}
			checkMatchesLog(t, c, compile.GetName(), events)
		})
	}
}

func TestWatchReconnectsAfterTwiceTheHeartbeatIntervalOfSilence(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{
		SimArgs: []string{"--queued-ms=100", "--in-progress-ms=2500"},
		ServerArgs: []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
			"--min-poll-interval=50ms", "--heartbeat-interval=200ms"},
	})
	proxy := gatewaytest.StartProxy(t, g.Addr())
	seen := newRetries()
	c := dial(t, proxy.Addr(), client.WithRetryHook(seen.hook), client.WithBackoff(10*time.Millisecond, 100*time.Millisecond))
	ctx := timeout(t, 60*time.Second)

	compile, err := c.Start(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, compile.GetName())
	defer w.Close()
	if !w.Next() {
		t.Fatalf("no first event: %v", w.Err())
	}
	events := []*client.Event{w.Event()}
	// The network now swallows everything; the watch must notice the
	// silence itself. Once it has, let the bytes through again.
	proxy.Freeze()
	thawed := make(chan client.Retry, 1)
	go func() {
		defer proxy.Thaw()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case r := <-seen.ch:
				if strings.Contains(r.Err.Error(), "twice the heartbeat interval") {
					thawed <- r
					return
				}
			case <-deadline:
				return
			}
		}
	}()
	for w.Next() {
		events = append(events, w.Event())
	}
	if err := w.Err(); err != nil {
		t.Fatalf("watch failed: %v", err)
	}
	select {
	case r := <-thawed:
		if status.Code(r.Err) != codes.Unavailable || !strings.Contains(r.Err.Error(), "400ms") {
			t.Errorf("the idle reconnect reported %v; want UNAVAILABLE, no message for 400ms", r.Err)
		}
	default:
		t.Fatal("the watch never reconnected for silence")
	}
	checkOnceInOrder(t, events, client.StateCompleted)
}

func TestWatchLeavesAWedgedConnectionForANewOne(t *testing.T) {
	// A chatty compile for 4 s; heartbeats every 300 ms, so a stream silent
	// for 600 ms is dead.
	g := gatewaytest.Start(t, chattyOptions("4000", "--heartbeat-interval=300ms"))
	proxy := gatewaytest.StartProxy(t, g.Addr())
	seen := newRetries()
	c := dial(t, proxy.Addr(), client.WithRetryHook(seen.hook))
	// Well under what keepalive needs to notice a wedged connection (30 s +
	// 10 s): only a new connection finishes in time.
	const limit = 20 * time.Second
	began := time.Now()
	ctx := timeout(t, limit)

	compile, err := c.Start(ctx, "chatty")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, compile.GetName())
	defer w.Close()
	var mu sync.Mutex
	var events []*client.Event
	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(events)
	}
	ended := make(chan error, 1)
	go func() {
		for w.Next() {
			mu.Lock()
			events = append(events, w.Event())
			mu.Unlock()
		}
		ended <- w.Err()
	}()
	// Twice: the second wedge hits the connection the first reconnect
	// opened, once events flow over it. Freeze is the wedge: the
	// connections stay open and nothing more comes through them.
	for wedge := 1; wedge <= 2; wedge++ {
		flowing := received() + 4
		waitUntil(t, 30*time.Second, fmt.Sprintf("events before wedge %d", wedge), func() bool {
			return received() >= flowing || len(ended) > 0
		})
		if len(ended) > 0 {
			t.Fatalf("the watch ended after %d events, before wedge %d: %v", received(), wedge, <-ended)
		}
		connections := proxy.Accepted()
		proxy.Freeze()
		waitUntil(t, 10*time.Second, fmt.Sprintf("a new connection after wedge %d", wedge), func() bool {
			return proxy.Accepted() > connections
		})
	}
	if err := <-ended; err != nil {
		t.Fatalf("watch failed after %d events: %v", received(), err)
	}
	if elapsed := time.Since(began); elapsed >= limit {
		t.Errorf("the watch took %v", elapsed)
	}
	if proxy.Accepted() < 3 {
		t.Errorf("the proxy accepted %d connections; want the first and one per wedge", proxy.Accepted())
	}
	silences := 0
	for _, r := range seen.drain() {
		if strings.Contains(r.Err.Error(), "no message for 600ms, twice the heartbeat interval") {
			silences++
		}
	}
	if silences < 2 {
		t.Errorf("%d reconnects for silence; want one per wedge at least", silences)
	}
	checkOnceInOrder(t, events, client.StateCompleted)
}

func TestWatchFallsBackToASnapshotWhenTheEventsAreNoLongerKept(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{
		SimArgs: []string{"--queued-ms=50", "--in-progress-ms=100"},
		ServerArgs: []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
			"--min-poll-interval=50ms", "--event-retention=100ms"},
	})
	c := dial(t, g.Addr())
	ctx := timeout(t, 60*time.Second)
	compile, err := c.StartAndWait(ctx, "forgotten")
	if err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) until the gateway has dropped the events: a raw
	// resumed watch then answers OUT_OF_RANGE.
	for deadline := time.Now().Add(30 * time.Second); ; {
		stream, err := c.Stub().WatchCompile(ctx, &compilev1.WatchCompileRequest{
			Name: compile.GetName(), AfterSequence: proto.Uint64(1)})
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) == codes.OutOfRange {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events still kept after 30 s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	events := collect(t, c.Watch(ctx, compile.GetName(), client.WithAfterSequence(1)))
	if len(events) != 1 || events[0].GetType() != client.EventSnapshot || events[0].GetState() != client.StateCompleted {
		t.Fatalf("got %v; want one COMPLETED snapshot", events)
	}
}
