// Command watch_throughput measures how fast the Go client takes in a
// watch: it follows one compile to its end and prints one JSON line,
//
//	{"client":"go","events":N,"seconds":S,"events_per_second":E,"cpu_seconds_per_1000_events":C}
//
// where events counts the logged events yielded (markers excluded),
// seconds is the wall time from the first call to the terminal event, and
// C is the process's CPU time (user + system) per 1000 events.
//
// Usage: watch_throughput --server HOST:PORT --name flows/F/compiles/C
// [--after-sequence N]  (replay the log after N first: with 0, a finished
// compile's whole history; without it, a snapshot and what follows)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type result struct {
	Client                  string  `json:"client"`
	Events                  int     `json:"events"`
	Seconds                 float64 `json:"seconds"`
	EventsPerSecond         float64 `json:"events_per_second"`
	CPUSecondsPer1000Events float64 `json:"cpu_seconds_per_1000_events"`
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("watch_throughput", flag.ContinueOnError)
	flags.SetOutput(stderr)
	server := flags.String("server", "", "the gateway's `HOST:PORT`")
	name := flags.String("name", "", "the compile to watch, flows/FLOW/compiles/ID")
	timeout := flags.Duration("timeout", time.Hour, "give up after this long")
	after := flags.Int64("after-sequence", -1, "replay the events after this sequence first (default: a snapshot)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *server == "" || *name == "" {
		fmt.Fprintln(stderr, "watch_throughput: --server and --name are required")
		return 2
	}
	c, err := client.New(*server)
	if err != nil {
		fmt.Fprintln(stderr, "watch_throughput:", err)
		return 1
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	cpuBefore := cpuTime()
	start := time.Now()
	var opts []client.WatchOption
	if *after >= 0 {
		opts = append(opts, client.WithAfterSequence(uint64(*after)))
	}
	w := c.Watch(ctx, *name, opts...)
	events := 0
	for w.Next() {
		events++
	}
	seconds := time.Since(start).Seconds()
	cpu := (cpuTime() - cpuBefore).Seconds()
	if err := w.Err(); err != nil {
		fmt.Fprintln(stderr, "watch_throughput:", err)
		return 1
	}
	r := result{Client: "go", Events: events, Seconds: seconds}
	if seconds > 0 {
		r.EventsPerSecond = float64(events) / seconds
	}
	if events > 0 {
		r.CPUSecondsPer1000Events = cpu * 1000 / float64(events)
	}
	line, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(line))
	return 0
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}
