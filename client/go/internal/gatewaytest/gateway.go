// Package gatewaytest runs the real simulator (cxone-sim) and the real
// gateway (cxone-compile-server) as child processes on loopback for the Go
// client's tests, as tests/support/gateway_harness.cc does for the C++
// ones: port 0, the bound ports read from the processes' "listening" lines,
// every wait bounded, every process killed when the test ends.
//
// The binaries come from the environment: CXONE_SERVER_BINARY,
// CXONE_SIM_BINARY and CXONE_SOURCE_DIR (the repository, for
// simulator/flows); ctest sets them (client/go/CMakeLists.txt).
package gatewaytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ClientSecret is the secret both processes are given.
const ClientSecret = "go-harness-s3cret-2b7e"

const startTimeout = 30 * time.Second

// Options are the flags of the two processes, on top of the harness's own
// (ports, credentials, flows directory, state directory, base URL).
type Options struct {
	// Simulator flags; nil: compiles QUEUED 300 ms, IN_PROGRESS 1500 ms,
	// so that a 50 ms poll sees each phase.
	SimArgs []string
	// Server flags; nil: polls every 50 ms with room for bursts.
	ServerArgs []string
}

// Gateway is a running simulator and gateway.
type Gateway struct {
	t                testing.TB
	sim              *Process
	simURL           string
	server           *Process
	serverArgs       []string
	serverBinaryPath string
	stateDir         string
	// The gateway's port, kept across restarts.
	port int
	// Lines of the servers stopped before the current one.
	earlierLines []string
}

// Env returns the environment variable name's value, failing the test
// when it is unset.
func Env(t testing.TB, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value == "" {
		t.Fatalf("%s is not set: run the tests through ctest (GoClient.Tests), or set "+
			"CXONE_SERVER_BINARY, CXONE_SIM_BINARY, CXONE_CLI_BINARY and CXONE_SOURCE_DIR "+
			"(see client/go/README.md)", name)
	}
	return value
}

// Start starts the simulator and the gateway; both are killed when the
// test ends.
func Start(t testing.TB, opts Options) *Gateway {
	t.Helper()
	serverBinary := Env(t, "CXONE_SERVER_BINARY")
	simBinary := Env(t, "CXONE_SIM_BINARY")
	sourceDir := Env(t, "CXONE_SOURCE_DIR")
	if opts.SimArgs == nil {
		opts.SimArgs = []string{"--queued-ms=300", "--in-progress-ms=1500"}
	}
	if opts.ServerArgs == nil {
		opts.ServerArgs = []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
			"--min-poll-interval=50ms", "--upstream-rps=200", "--upstream-burst=20"}
	}

	g := &Gateway{t: t, stateDir: t.TempDir()}
	simArgs := append([]string{"--port=0", "--client-id=go-harness-client",
		"--flows-dir=" + filepath.Join(sourceDir, "simulator", "flows")}, opts.SimArgs...)
	sim, err := StartProcess(simBinary, simArgs, map[string]string{"CXONE_SIM_CLIENT_SECRET": ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	g.sim = sim
	t.Cleanup(sim.Kill)
	line, err := sim.WaitForLine(func(l string) bool {
		return strings.HasPrefix(l, "cxone-sim listening on ")
	}, startTimeout)
	if err != nil {
		t.Fatal(err)
	}
	g.simURL = strings.TrimPrefix(line, "cxone-sim listening on ")

	g.serverArgs = append([]string{"--metrics-listen=127.0.0.1:0", "--client-id=go-harness-client",
		"--state-dir=" + g.stateDir, "--cxone-base-url=" + g.simURL}, opts.ServerArgs...)
	g.serverBinaryPath = serverBinary
	g.startServer()
	t.Cleanup(func() {
		if g.server != nil {
			g.server.Kill()
		}
	})
	return g
}

// Addr is the gateway's HOST:PORT (the same across restarts).
func (g *Gateway) Addr() string { return fmt.Sprintf("127.0.0.1:%d", g.port) }

// SimURL is the simulator's http://HOST:PORT.
func (g *Gateway) SimURL() string { return g.simURL }

// Server is the current gateway process.
func (g *Gateway) Server() *Process { return g.server }

// Stop sends sig to the gateway (SIGTERM: it drains; SIGKILL: it just
// dies) and waits for it to exit.
func (g *Gateway) Stop(sig syscall.Signal) {
	g.t.Helper()
	if err := g.server.Signal(sig); err != nil {
		g.t.Fatalf("signal the gateway: %v", err)
	}
	_ = g.server.Wait(startTimeout)
	select {
	case <-g.server.gone:
	default:
		g.t.Fatalf("the gateway did not exit within %v after %v", startTimeout, sig)
	}
	g.earlierLines = append(g.earlierLines, g.server.Lines()...)
}

// Restart starts the gateway again on the same port with the same state
// directory and flags. REQUIRES: Stop was called.
func (g *Gateway) Restart() {
	g.t.Helper()
	g.startServer()
}

// ServerLines is every line every gateway process printed, in order.
func (g *Gateway) ServerLines() []string {
	return append(append([]string(nil), g.earlierLines...), g.server.Lines()...)
}

func (g *Gateway) startServer() {
	g.t.Helper()
	args := append([]string{fmt.Sprintf("--listen=127.0.0.1:%d", g.port)}, g.serverArgs...)
	server, err := StartProcess(g.serverBinaryPath, args, map[string]string{"CXONE_CLIENT_SECRET": ClientSecret})
	if err != nil {
		g.t.Fatal(err)
	}
	g.server = server
	line, err := server.WaitForLine(func(l string) bool {
		return strings.Contains(l, `"msg":"listening"`)
	}, startTimeout)
	if err != nil {
		g.t.Fatal(err)
	}
	var listening struct {
		Port int `json:"port"`
	}
	if err := json.Unmarshal([]byte(line), &listening); err != nil || listening.Port == 0 {
		g.t.Fatalf("no port in the gateway's listening line %q", line)
	}
	if g.port != 0 && listening.Port != g.port {
		g.t.Fatalf("the restarted gateway listens on %d, not %d", listening.Port, g.port)
	}
	g.port = listening.Port
}

// SimCompile is one compile the simulator started (GET /_sim/compiles).
type SimCompile struct {
	FlowID    string `json:"flowId"`
	CompileID string `json:"compileId"`
	Status    string `json:"status"`
}

// SimCompilesOf returns the compiles the simulator started for flow.
func (g *Gateway) SimCompilesOf(flow string) []SimCompile {
	g.t.Helper()
	response, err := http.Get(g.simURL + "/_sim/compiles")
	if err != nil {
		g.t.Fatalf("GET /_sim/compiles: %v", err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode != http.StatusOK {
		g.t.Fatalf("GET /_sim/compiles: %d %v", response.StatusCode, err)
	}
	var all []SimCompile
	if err := json.Unmarshal(body, &all); err != nil {
		g.t.Fatalf("GET /_sim/compiles: %v in %s", err, body)
	}
	var found []SimCompile
	for _, c := range all {
		if c.FlowID == flow {
			found = append(found, c)
		}
	}
	return found
}
