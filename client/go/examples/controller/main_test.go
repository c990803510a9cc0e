package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
)

// lines is an io.Writer whose lines a test can wait on.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLines() *lines { return &lines{changed: make(chan struct{})} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.buf.Write(p)
}

func (l *lines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSuffix(l.buf.String(), "\n"), "\n")
}

// waitUntil waits (at most d) until done holds for the lines.
func (l *lines) waitUntil(t *testing.T, d time.Duration, what string, done func([]string) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if done(l.all()) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no %s within %v; output:\n%s", what, d, strings.Join(l.all(), "\n"))
		}
	}
}

func count(lines []string, substr string) int {
	n := 0
	for _, line := range lines {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// runController runs the controller in the background; its exit status
// arrives on the channel.
func runController(args []string) (*lines, *lines, <-chan int) {
	stdout, stderr := newLines(), newLines()
	exit := make(chan int, 1)
	go func() { exit <- run(context.Background(), args, stdout, stderr) }()
	return stdout, stderr, exit
}

func waitExit(t *testing.T, exit <-chan int, stderr *lines) int {
	t.Helper()
	select {
	case code := <-exit:
		return code
	case <-time.After(90 * time.Second):
		t.Fatalf("the controller did not finish; it logged:\n%s", strings.Join(stderr.all(), "\n"))
		return -1
	}
}

func TestControllerReconcilesEveryFlowAcrossAGatewayRestart(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{"--queued-ms=300", "--in-progress-ms=3000"}})
	flows := []string{"main-menu", "syntax-error", "release-a", "release-b"}
	stdout, stderr, exit := runController([]string{"--server", g.Addr(), "--run-id", "test-run",
		"--timeout", "80s", "--flows", strings.Join(flows, ",")})

	stderr.waitUntil(t, 30*time.Second, "watch of every flow", func(l []string) bool {
		return count(l, ": EVENT_TYPE_SNAPSHOT") == len(flows)
	})
	// Every compile is live (3 s in progress); the gateway dies and comes
	// back on the same port with the same state.
	g.Stop(syscall.SIGKILL)
	restartedAt := len(stderr.all())
	g.Restart()

	code := waitExit(t, exit, stderr)
	out := strings.Join(stdout.all(), "\n")
	t.Logf("summary:\n%s\nlog:\n%s", out, strings.Join(stderr.all(), "\n"))
	if code != 1 {
		t.Errorf("exit status %d, want 1 (syntax-error failed); summary:\n%s", code, out)
	}
	for _, want := range []string{"main-menu  ", "release-a  ", "release-b  "} {
		if !containsLine(stdout.all(), want, "COMPLETED") {
			t.Errorf("no COMPLETED line for %q in:\n%s", want, out)
		}
	}
	if !containsLine(stdout.all(), "syntax-error", "FAILED", "SYNTAX_ERROR at 13:7") {
		t.Errorf("no FAILED line with SYNTAX_ERROR at 13:7 in:\n%s", out)
	}
	if !strings.Contains(out, "4 flows: 3 completed, 1 failed, 0 without a result") {
		t.Errorf("wrong totals in:\n%s", out)
	}
	afterRestart := stderr.all()[restartedAt:]
	if count(afterRestart, "WatchCompile") == 0 {
		t.Errorf("no watch reconnected after the restart; log:\n%s", strings.Join(stderr.all(), "\n"))
	}
	for _, flow := range flows {
		if count(afterRestart, flow+": EVENT_TYPE_STATE_CHANGED") == 0 {
			t.Errorf("%s: no event followed after the restart", flow)
		}
		if started := g.SimCompilesOf(flow); len(started) != 1 {
			t.Errorf("%s: CXone started %d compiles; want 1", flow, len(started))
		}
	}
}

func TestControllerRunAgainWithTheSameRunIDAdoptsTheSameCompiles(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{"--queued-ms=50", "--in-progress-ms=200"}})
	args := []string{"--server", g.Addr(), "--run-id", "again", "main-menu", "billing"}
	var summaries []string
	for i := 0; i < 2; i++ {
		stdout, stderr, exit := runController(args)
		if code := waitExit(t, exit, stderr); code != 0 {
			t.Fatalf("run %d: exit status %d; output:\n%s", i, code, strings.Join(stdout.all(), "\n"))
		}
		summaries = append(summaries, strings.Join(stdout.all(), "\n"))
	}
	if summaries[0] != summaries[1] {
		t.Errorf("the second run reported other compiles:\n%s\n---\n%s", summaries[0], summaries[1])
	}
	for _, flow := range []string{"main-menu", "billing"} {
		if started := g.SimCompilesOf(flow); len(started) != 1 {
			t.Errorf("%s: CXone started %d compiles over two runs; want 1", flow, len(started))
		}
	}
}

func TestControllerWithoutFlowsIsAUsageError(t *testing.T) {
	stdout, stderr, exit := runController([]string{"--server", "127.0.0.1:1"})
	if code := waitExit(t, exit, stderr); code != 2 {
		t.Errorf("exit status %d, want 2; stdout %q", code, stdout.all())
	}
}

func containsLine(lines []string, parts ...string) bool {
	for _, line := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
