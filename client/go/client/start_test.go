package client_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestStartAndWaitReturnsTheSyntaxErrorWithItsLineAndColumn(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())

	compile, err := c.StartAndWait(timeout(t, 60*time.Second), "syntax-error")
	if err != nil {
		t.Fatal(err)
	}
	if compile.GetState() != client.StateFailed {
		t.Fatalf("state %v, want FAILED", compile.GetState())
	}
	if compile.GetFlowId() != "syntax-error" || compile.GetCompileId() == "" || compile.GetCreateTime() == nil {
		t.Errorf("the result lacks the compile's identity: %v", compile)
	}
	if len(compile.GetErrors()) != 1 {
		t.Fatalf("errors %v; want exactly the syntax error", compile.GetErrors())
	}
	diag := compile.GetErrors()[0]
	if diag.GetCategory() != client.CategorySyntax || diag.GetCode() != "SYNTAX_ERROR" ||
		diag.GetLocation().GetLine() != 13 || diag.GetLocation().GetColumn() != 7 {
		t.Errorf("error %v; want SYNTAX_ERROR at line 13 column 7", diag)
	}
	// The result is the gateway's own view of the compile.
	got, err := c.Get(timeout(t, 10*time.Second), compile.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState() != compile.GetState() || len(got.GetErrors()) != 1 ||
		got.GetErrors()[0].GetMessage() != diag.GetMessage() {
		t.Errorf("GetCompile says %v, StartAndWait returned %v", got, compile)
	}
}

func TestStartAndWaitReturnsACompletedCompile(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	c := dial(t, g.Addr())
	compile, err := c.StartAndWait(timeout(t, 60*time.Second), "main-menu",
		client.WithDirectives(map[string]any{"optimize": true, "tags": []any{"a", "b"}}))
	if err != nil {
		t.Fatal(err)
	}
	if compile.GetState() != client.StateCompleted || len(compile.GetErrors()) != 0 {
		t.Fatalf("got %v; want COMPLETED without errors", compile)
	}
}

func TestStartAndWaitEndsWithDeadlineExceeded(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{"--stuck-flows=stuck"}})
	c := dial(t, g.Addr())
	_, err := c.StartAndWait(timeout(t, 2*time.Second), "stuck")
	if status.Code(err) != codes.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want DEADLINE_EXCEEDED wrapping context.DeadlineExceeded", err)
	}
}

func TestStartWithARequestIDIsRetriedWhileTheGatewayIsDownAndStartsOnce(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	seen := newRetries()
	c := dial(t, g.Addr(), client.WithRetryHook(seen.hook),
		client.WithBackoff(50*time.Millisecond, 500*time.Millisecond), client.WithStartAttempts(1000))
	ctx := timeout(t, 60*time.Second)

	g.Stop(syscall.SIGKILL)
	type result struct {
		compile *client.Compile
		err     error
	}
	done := make(chan result, 1)
	go func() {
		compile, err := c.Start(ctx, "deploy-me", client.WithRequestID("deploy-42"))
		done <- result{compile, err}
	}()
	// Two refused attempts prove the retry; then the gateway comes back.
	for i := 0; i < 2; i++ {
		r := seen.waitFor(t, 30*time.Second, func(r client.Retry) bool { return r.Op == "StartCompile" })
		if status.Code(r.Err) != codes.Unavailable {
			t.Fatalf("retried after %v; want UNAVAILABLE", r.Err)
		}
	}
	g.Restart()
	r := <-done
	if r.err != nil {
		t.Fatalf("Start failed: %v", r.err)
	}

	again, err := c.Start(ctx, "deploy-me", client.WithRequestID("deploy-42"))
	if err != nil {
		t.Fatal(err)
	}
	if again.GetName() != r.compile.GetName() {
		t.Errorf("the same request ID gave %s, then %s", r.compile.GetName(), again.GetName())
	}
	if started := g.SimCompilesOf("deploy-me"); len(started) != 1 {
		t.Errorf("CXone started %d compiles of the flow: %v; want 1", len(started), started)
	}
}

func TestStartWithoutARequestIDIsNotRetried(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{})
	seen := newRetries()
	c := dial(t, g.Addr(), client.WithRetryHook(seen.hook))
	g.Stop(syscall.SIGKILL)

	_, err := c.Start(timeout(t, 30*time.Second), "deploy-me")
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("got %v; want UNAVAILABLE", err)
	}
	if retries := seen.drain(); len(retries) != 0 {
		t.Errorf("retried without a request ID: %v", retries)
	}
	var e *client.Error
	if !errors.As(err, &e) || e.Op != "StartCompile" || e.Target != "deploy-me" {
		t.Errorf("error %#v does not say which call failed", err)
	}
}
