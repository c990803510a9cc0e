package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
)

// chattyOptions: a compile that logs a new event (UPSTREAM_ANOMALY for
// each WORKING-n status) on every 30 ms poll for inProgressMs.
func chattyOptions(inProgressMs string, extraServerArgs ...string) gatewaytest.Options {
	return gatewaytest.Options{
		SimArgs: []string{"--queued-ms=100", "--in-progress-ms=" + inProgressMs, "--chatty-flows=chatty"},
		ServerArgs: append([]string{"--poll-interval=30ms", "--queued-poll-interval=30ms",
			"--min-poll-interval=30ms", "--upstream-rps=500", "--upstream-burst=50"}, extraServerArgs...),
	}
}

func dial(t *testing.T, addr string, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{client.WithJitterSeed(1)}, opts...)
	c, err := client.New(addr, opts...)
	if err != nil {
		t.Fatalf("client.New(%q): %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// collect reads w to its end, failing the test on an error.
func collect(t *testing.T, w *client.Watcher) []*client.Event {
	t.Helper()
	var events []*client.Event
	for w.Next() {
		events = append(events, w.Event())
	}
	if err := w.Err(); err != nil {
		t.Fatalf("watch ended with %v after %d events", err, len(events))
	}
	return events
}

// checkOnceInOrder fails unless events are a snapshot followed by every
// logged event after it, each once, ending in state want.
func checkOnceInOrder(t *testing.T, events []*client.Event, want client.State) {
	t.Helper()
	if len(events) == 0 {
		t.Fatal("no events")
	}
	if events[0].GetType() != client.EventSnapshot {
		t.Fatalf("first event is %v, want a snapshot", events[0].GetType())
	}
	for i, ev := range events {
		if client.IsMarker(ev.GetType()) {
			t.Fatalf("event %d is a marker (%v), which the watch hides", i, ev.GetType())
		}
		if i > 0 && ev.GetSequence() != events[i-1].GetSequence()+1 {
			t.Fatalf("event %d has sequence %d after %d: missed or repeated", i,
				ev.GetSequence(), events[i-1].GetSequence())
		}
	}
	if last := events[len(events)-1]; last.GetState() != want {
		t.Fatalf("last event's state is %v, want %v", last.GetState(), want)
	}
}

// checkMatchesLog fails unless events after the snapshot are exactly the
// gateway's log of the compile from that point (replayed anew, with no
// cuts, by a watch from sequence 0).
func checkMatchesLog(t *testing.T, c *client.Client, name string, events []*client.Event) {
	t.Helper()
	log := collect(t, c.Watch(timeout(t, 30*time.Second), name, client.WithAfterSequence(0)))
	var want []*client.Event
	for _, ev := range log {
		if ev.GetSequence() > events[0].GetSequence() {
			want = append(want, ev)
		}
	}
	got := events[1:]
	if len(got) != len(want) {
		t.Fatalf("the watch yielded %d events after the snapshot, the log holds %d", len(got), len(want))
	}
	for i := range got {
		if got[i].GetSequence() != want[i].GetSequence() || got[i].GetType() != want[i].GetType() ||
			got[i].GetState() != want[i].GetState() || got[i].GetUpstreamStatus() != want[i].GetUpstreamStatus() {
			t.Fatalf("event %d is %v, the log's is %v", i, got[i], want[i])
		}
	}
}

// waitUntil polls cond until it holds, failing the test naming what after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// retries records the client's retries for a test to wait on.
type retries struct {
	ch chan client.Retry
}

func newRetries() *retries { return &retries{ch: make(chan client.Retry, 1000)} }

func (r *retries) hook(retry client.Retry) {
	select {
	case r.ch <- retry:
	default:
	}
}

// waitFor returns the first retry (from now) for which match holds.
func (r *retries) waitFor(t *testing.T, d time.Duration, match func(client.Retry) bool) client.Retry {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case retry := <-r.ch:
			if match(retry) {
				return retry
			}
		case <-deadline:
			t.Fatalf("no matching retry within %v", d)
		}
	}
}

// drain returns the retries recorded and not yet taken.
func (r *retries) drain() []client.Retry {
	var all []client.Retry
	for {
		select {
		case retry := <-r.ch:
			all = append(all, retry)
		default:
			return all
		}
	}
}
