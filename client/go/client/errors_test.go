package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorsCarryTheGatewaysStatusCode(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{"--not-found-flows=ghost"}})
	seen := newRetries()
	c := dial(t, g.Addr(), client.WithRetryHook(seen.hook))
	ctx := timeout(t, 30*time.Second)

	watchErr := func(name string) error {
		w := c.Watch(ctx, name)
		defer w.Close()
		for w.Next() {
			t.Errorf("watch of %q yielded %v", name, w.Event())
		}
		return w.Err()
	}
	_, getUnknown := c.Get(ctx, "flows/main-menu/compiles/nope")
	_, getMalformed := c.Get(ctx, "not-a-name")
	_, startEmpty := c.Start(ctx, "")
	_, startBad := c.Start(ctx, "no spaces", client.WithRequestID("k"))
	_, startDotDot := c.Start(ctx, "..")
	_, startGhost := c.Start(ctx, "ghost", client.WithRequestID("ghost-1"))
	_, badDirectives := c.Start(ctx, "main-menu", client.WithDirectives(map[string]any{"c": make(chan int)}))
	for _, tc := range []struct {
		what string
		err  error
		want codes.Code
		// A word the message must hold.
		says string
	}{
		{"Get of an unknown compile", getUnknown, codes.NotFound, "flows/main-menu/compiles/nope"},
		{"Get of a malformed name", getMalformed, codes.InvalidArgument, "name"},
		{"Watch of an unknown compile", watchErr("flows/main-menu/compiles/nope"), codes.NotFound, "nope"},
		{"Watch of a malformed name", watchErr("not-a-name"), codes.InvalidArgument, "name"},
		{"Start of an empty flow id", startEmpty, codes.InvalidArgument, "flow_id"},
		{"Start of a malformed flow id", startBad, codes.InvalidArgument, "flow_id"},
		{"Start of flow ..", startDotDot, codes.InvalidArgument, "flow_id"},
		{"Start of a flow CXone does not know", startGhost, codes.NotFound, "ghost"},
		{"Start with directives JSON cannot carry", badDirectives, codes.InvalidArgument, "directives"},
	} {
		if got := status.Code(tc.err); got != tc.want {
			t.Errorf("%s: status.Code is %v (%v); want %v", tc.what, got, tc.err, tc.want)
			continue
		}
		var e *client.Error
		if !errors.As(tc.err, &e) || e.Code() != tc.want {
			t.Errorf("%s: %#v is not a *client.Error with code %v", tc.what, tc.err, tc.want)
		}
		if !strings.Contains(status.Convert(tc.err).Message(), tc.says) {
			t.Errorf("%s: message %q does not mention %q", tc.what, status.Convert(tc.err).Message(), tc.says)
		}
	}
	if retries := seen.drain(); len(retries) != 0 {
		t.Errorf("answers were retried: %v", retries)
	}
}

func TestACancelledContextIsCanceledAndUnwrapsToTheContextError(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{"--stuck-flows=stuck"}})
	c := dial(t, g.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	compile, err := c.Start(ctx, "stuck")
	if err != nil {
		t.Fatal(err)
	}
	w := c.Watch(ctx, compile.GetName())
	if !w.Next() {
		t.Fatalf("no snapshot: %v", w.Err())
	}
	cancel()
	for w.Next() {
	}
	if status.Code(w.Err()) != codes.Canceled || !errors.Is(w.Err(), context.Canceled) {
		t.Fatalf("got %v; want CANCELED wrapping context.Canceled", w.Err())
	}
}
