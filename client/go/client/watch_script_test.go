package client_test

// The watch's recovery rules against a scripted in-process gateway that
// misbehaves on purpose (replays what it sent, ends streams early), which
// the real gateway does not do on demand.

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/compilev1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

const scriptedName = "flows/f/compiles/c"

// streamScript is one WatchCompile call's behaviour.
type streamScript func(*compilev1.WatchCompileRequest, compilev1.CompileService_WatchCompileServer) error

type scriptedGateway struct {
	compilev1.UnimplementedCompileServiceServer
	mu       sync.Mutex
	scripts  []streamScript
	requests []*compilev1.WatchCompileRequest
	// The client address (so the connection) of each WatchCompile and
	// GetCompile call.
	watchPeers, getPeers []string
	// While non-nil, GetCompile answers once it is closed.
	held chan struct{}
}

func peerOf(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok {
		return p.Addr.String()
	}
	return ""
}

func (g *scriptedGateway) WatchCompile(req *compilev1.WatchCompileRequest, stream compilev1.CompileService_WatchCompileServer) error {
	g.mu.Lock()
	g.requests = append(g.requests, req)
	g.watchPeers = append(g.watchPeers, peerOf(stream.Context()))
	if len(g.scripts) == 0 {
		g.mu.Unlock()
		return status.Error(codes.FailedPrecondition, "script exhausted")
	}
	script := g.scripts[0]
	g.scripts = g.scripts[1:]
	g.mu.Unlock()
	return script(req, stream)
}

func (g *scriptedGateway) GetCompile(ctx context.Context, req *compilev1.GetCompileRequest) (*compilev1.Compile, error) {
	g.mu.Lock()
	g.getPeers = append(g.getPeers, peerOf(ctx))
	held := g.held
	g.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return &compilev1.Compile{Name: req.GetName(), State: client.StateCompleted}, nil
}

func (g *scriptedGateway) peers() (watch, get []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.watchPeers...), append([]string(nil), g.getPeers...)
}

// afterSequences is each call's after_sequence; -1 for none.
func (g *scriptedGateway) afterSequences() []int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	var after []int64
	for _, r := range g.requests {
		if r.AfterSequence == nil {
			after = append(after, -1)
		} else {
			after = append(after, int64(r.GetAfterSequence()))
		}
	}
	return after
}

func serveScript(t *testing.T, scripts ...streamScript) (*scriptedGateway, *client.Client) {
	return serveScriptWith(t, nil, scripts...)
}

func serveScriptWith(t *testing.T, opts []client.Option, scripts ...streamScript) (*scriptedGateway, *client.Client) {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &scriptedGateway{scripts: scripts}
	server := grpc.NewServer()
	compilev1.RegisterCompileServiceServer(server, fake)
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	opts = append([]client.Option{client.WithBackoff(time.Millisecond, 10*time.Millisecond)}, opts...)
	return fake, dial(t, listener.Addr().String(), opts...)
}

func event(seq uint64, typ client.EventType, state client.State) *client.Event {
	return &client.Event{Sequence: seq, Type: typ, State: state, Name: scriptedName,
		ResumeAfterSequence: seq, HeartbeatInterval: durationpb.New(30 * time.Second)}
}

// sends sends events, then ends the stream with end.
func sends(end error, events ...*client.Event) streamScript {
	return func(_ *compilev1.WatchCompileRequest, stream compilev1.CompileService_WatchCompileServer) error {
		for _, ev := range events {
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
		return end
	}
}

// fallsSilent sends events, then nothing until the client gives up on the
// stream.
func fallsSilent(events ...*client.Event) streamScript {
	return func(_ *compilev1.WatchCompileRequest, stream compilev1.CompileService_WatchCompileServer) error {
		for _, ev := range events {
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
		<-stream.Context().Done()
		return stream.Context().Err()
	}
}

func sequences(events []*client.Event) []uint64 {
	var seqs []uint64
	for _, ev := range events {
		seqs = append(seqs, ev.GetSequence())
	}
	return seqs
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWatchDropsReplayedEventsItAlreadyYielded(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "cut")
	fake, c := serveScript(t,
		sends(unavailable,
			event(1, client.EventSnapshot, client.StateQueued),
			event(2, client.EventStateChanged, client.StateInProgress),
			event(3, client.EventUpstreamAnomaly, client.StateInProgress)),
		// A gateway that replays from further back than asked.
		sends(nil,
			event(2, client.EventStateChanged, client.StateInProgress),
			event(3, client.EventUpstreamAnomaly, client.StateInProgress),
			event(4, client.EventStateChanged, client.StateCompleted)))
	events := collect(t, c.Watch(timeout(t, 10*time.Second), scriptedName))
	if got := sequences(events); !equal(got, []uint64{1, 2, 3, 4}) {
		t.Errorf("yielded sequences %v; want 1 2 3 4", got)
	}
	if got := fake.afterSequences(); !equal(got, []int64{-1, 3}) {
		t.Errorf("after_sequence per call %v; want none, then 3", got)
	}
}

func TestWatchRestartsFromASnapshotWhenAResumedStreamEndsWithoutTheResult(t *testing.T) {
	fake, c := serveScript(t,
		sends(status.Error(codes.Unavailable, "cut"),
			event(1, client.EventSnapshot, client.StateQueued)),
		sends(nil), // OK at once: the gateway has nothing after 1
		sends(nil, event(2, client.EventSnapshot, client.StateFailed)))
	events := collect(t, c.Watch(timeout(t, 10*time.Second), scriptedName))
	if len(events) != 2 || events[1].GetState() != client.StateFailed {
		t.Errorf("got %v; want the snapshot, then the FAILED snapshot", events)
	}
	if got := fake.afterSequences(); !equal(got, []int64{-1, 1, -1}) {
		t.Errorf("after_sequence per call %v; want none, 1, none", got)
	}
}

func TestWatchRestartsFromASnapshotAfterOutOfRange(t *testing.T) {
	fake, c := serveScript(t,
		sends(status.Error(codes.OutOfRange, "events 1 to 9 are no longer kept")),
		sends(nil, event(12, client.EventSnapshot, client.StateCompleted)))
	events := collect(t, c.Watch(timeout(t, 10*time.Second), scriptedName, client.WithAfterSequence(3)))
	if got := sequences(events); !equal(got, []uint64{12}) {
		t.Errorf("yielded %v; want the snapshot at 12", got)
	}
	if got := fake.afterSequences(); !equal(got, []int64{3, -1}) {
		t.Errorf("after_sequence per call %v; want 3, then none", got)
	}
}

func TestWatchWithAfterSequencePastTheEndYieldsNothing(t *testing.T) {
	_, c := serveScript(t,
		sends(nil),
		sends(nil, event(4, client.EventSnapshot, client.StateCompleted)))
	events := collect(t, c.Watch(timeout(t, 10*time.Second), scriptedName, client.WithAfterSequence(4)))
	if len(events) != 0 {
		t.Errorf("yielded %v; the caller already has everything up to 4", events)
	}
}

func TestWatchFailsWhenAStreamEndsWithoutTheResult(t *testing.T) {
	_, c := serveScript(t, sends(nil, event(1, client.EventSnapshot, client.StateInProgress)))
	w := c.Watch(timeout(t, 10*time.Second), scriptedName)
	for w.Next() {
	}
	if status.Code(w.Err()) != codes.Internal || !strings.Contains(w.Err().Error(), "without a result") {
		t.Errorf("got %v; want INTERNAL, ended without a result", w.Err())
	}
}

func TestWatchGivesUpAfterMaxReconnectsThatReceiveNothing(t *testing.T) {
	down := sends(status.Error(codes.Unavailable, "down"))
	fake, c := serveScriptWith(t, []client.Option{client.WithMaxReconnects(2)},
		// A delivered event resets the count.
		sends(status.Error(codes.Unavailable, "cut"), event(1, client.EventSnapshot, client.StateQueued)),
		down, down, down, down)
	w := c.Watch(timeout(t, 10*time.Second), scriptedName)
	n := 0
	for w.Next() {
		n++
	}
	if n != 1 || status.Code(w.Err()) != codes.Unavailable ||
		!strings.Contains(w.Err().Error(), "giving up after 2 reconnects") {
		t.Errorf("%d events, then %v; want 1, then UNAVAILABLE giving up after 2 reconnects", n, w.Err())
	}
	if got := fake.afterSequences(); !equal(got, []int64{-1, 1, 1}) {
		t.Errorf("after_sequence per call %v; want none, 1, 1", got)
	}
}

func TestWatchDoesNotRetryAnAnswer(t *testing.T) {
	fake, c := serveScript(t, sends(status.Error(codes.PermissionDenied, "flow:read missing")))
	w := c.Watch(timeout(t, 10*time.Second), scriptedName)
	for w.Next() {
	}
	if status.Code(w.Err()) != codes.PermissionDenied {
		t.Errorf("got %v; want PERMISSION_DENIED", w.Err())
	}
	if calls := len(fake.afterSequences()); calls != 1 {
		t.Errorf("%d calls; want 1", calls)
	}
}

func TestASilentStreamMovesLaterCallsToANewConnectionAndLetsTheOthersFinish(t *testing.T) {
	quick := event(1, client.EventSnapshot, client.StateInProgress)
	quick.HeartbeatInterval = durationpb.New(50 * time.Millisecond)
	fake, c := serveScript(t,
		fallsSilent(quick),
		sends(nil, event(2, client.EventStateChanged, client.StateCompleted)))
	ctx := timeout(t, 10*time.Second)
	// A call on the first connection that is still running when the
	// watch leaves it.
	held := make(chan struct{})
	fake.mu.Lock()
	fake.held = held
	fake.mu.Unlock()
	got := make(chan error, 1)
	go func() {
		_, err := c.Get(ctx, scriptedName)
		got <- err
	}()
	waitUntil(t, 5*time.Second, "the held GetCompile", func() bool {
		_, get := fake.peers()
		return len(get) == 1
	})

	events := collect(t, c.Watch(ctx, scriptedName))
	if seqs := sequences(events); !equal(seqs, []uint64{1, 2}) {
		t.Fatalf("yielded %v; want 1 2", seqs)
	}
	close(held)
	if err := <-got; err != nil {
		t.Errorf("the call on the replaced connection failed: %v; want it to finish there", err)
	}
	if _, err := c.Get(ctx, scriptedName); err != nil {
		t.Fatal(err)
	}
	watch, get := fake.peers()
	if len(watch) != 2 || watch[0] != get[0] || watch[1] == watch[0] {
		t.Errorf("streams came from %v, the held call from %s; want the first stream "+
			"on the held call's connection and the second on another", watch, get[0])
	}
	if get[1] != watch[1] {
		t.Errorf("the later call came from %s; want the new connection %s", get[1], watch[1])
	}
}
