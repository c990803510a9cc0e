package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
)

func TestPrintsOneJSONLineCountingEveryEvent(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{
		SimArgs: []string{"--queued-ms=50", "--in-progress-ms=1500", "--chatty-flows=chatty"},
		ServerArgs: []string{"--poll-interval=20ms", "--queued-poll-interval=20ms",
			"--min-poll-interval=20ms", "--upstream-rps=500", "--upstream-burst=50"},
	})
	c, err := client.New(g.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	compile, err := c.Start(ctx, "chatty")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"live", nil}, // a snapshot, then every event as it comes
		{"replayed", []string{"--after-sequence", "0"}}, // the finished compile's whole log
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--server", g.Addr(), "--name", compile.GetName()}, tc.args...)
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("%s: exit status %d: %s", tc.name, code, stderr.String())
		}
		var r result
		if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &r); err != nil ||
			bytes.Count(stdout.Bytes(), []byte("\n")) != 1 {
			t.Fatalf("%s: output %q is not one JSON line: %v", tc.name, stdout.String(), err)
		}
		if r.Client != "go" || r.Events < 10 || r.Seconds <= 0 || r.EventsPerSecond <= 0 ||
			r.CPUSecondsPer1000Events <= 0 {
			t.Errorf("%s: got %+v; want client go, many events, positive figures", tc.name, r)
		}
		if tc.name == "replayed" {
			final, err := c.Get(ctx, compile.GetName())
			if err != nil {
				t.Fatal(err)
			}
			if !client.IsTerminal(final.GetState()) {
				t.Fatalf("the compile is %v after the live watch", final.GetState())
			}
			var last uint64
			for w := c.Watch(ctx, compile.GetName(), client.WithAfterSequence(0)); w.Next(); {
				last = w.Event().GetSequence()
			}
			if uint64(r.Events) != last {
				t.Errorf("replayed: counted %d events; the log holds %d", r.Events, last)
			}
		}
	}
}
