// Command controller is an example deployment controller on the Go client:
// it compiles a list of flows through cxone-compile-gateway, follows them
// all until every one is terminal, prints a summary and exits non-zero if
// any failed.
//
//	controller --server 127.0.0.1:50051 --flows main-menu,billing,support
//
// Each start carries a request ID (--run-id plus the flow id), so the
// client retries it safely while the gateway is unreachable, and running
// the controller again with the same --run-id adopts the same compiles
// instead of starting new ones. The watches resume by themselves across
// cut connections and gateway restarts.
//
// Exit status: 0 every flow compiled; 1 a compile FAILED or TIMED_OUT;
// 2 a flow got no result (an error, or --timeout) or the flags are wrong.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// outcome is what became of one flow.
type outcome struct {
	flow    string
	compile *client.Compile // nil when it never started
	err     error           // set when there is no result
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("controller", flag.ContinueOnError)
	flags.SetOutput(stderr)
	server := flags.String("server", "127.0.0.1:50051", "the gateway's `HOST:PORT`")
	flowList := flags.String("flows", "", "comma-separated flow ids to compile (or give them as arguments)")
	runID := flags.String("run-id", "", "prefix of the request IDs; the same run id adopts the same compiles (default: random)")
	timeout := flags.Duration("timeout", 10*time.Minute, "how long to wait for every flow's result")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	flows := flags.Args()
	for _, f := range strings.Split(*flowList, ",") {
		if f = strings.TrimSpace(f); f != "" {
			flows = append(flows, f)
		}
	}
	if len(flows) == 0 {
		fmt.Fprintln(stderr, "controller: no flows given (--flows a,b,c)")
		return 2
	}
	if *runID == "" {
		*runID = randomRunID()
	}

	logger := log.New(stderr, "controller: ", 0)
	logger.Printf("run %s: compiling %d flows through %s", *runID, len(flows), *server)
	c, err := client.New(*server, client.WithRetryHook(func(r client.Retry) {
		resume := ""
		if r.Resume {
			resume = fmt.Sprintf(" after sequence %d", r.AfterSequence)
		}
		logger.Printf("%s %s: %v; retrying in %v%s", r.Op, r.Target, r.Err, r.Delay.Round(time.Millisecond), resume)
	}))
	if err != nil {
		logger.Print(err)
		return 2
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	outcomes := make([]outcome, len(flows))
	var wg sync.WaitGroup
	for i, flow := range flows {
		wg.Add(1)
		go func(i int, flow string) {
			defer wg.Done()
			outcomes[i] = reconcile(ctx, c, flow, *runID+"/"+flow, logger)
		}(i, flow)
	}
	wg.Wait()
	return summarize(stdout, outcomes)
}

// reconcile starts flow's compile (or adopts the one its request ID already
// started) and follows it to its terminal state.
func reconcile(ctx context.Context, c *client.Client, flow, requestID string, logger *log.Logger) outcome {
	compile, err := c.Start(ctx, flow, client.WithRequestID(requestID))
	if err != nil {
		return outcome{flow: flow, err: err}
	}
	logger.Printf("%s: started %s (%v)", flow, compile.GetName(), compile.GetState())
	if client.IsTerminal(compile.GetState()) {
		return outcome{flow: flow, compile: compile}
	}
	w := c.Watch(ctx, compile.GetName())
	defer w.Close()
	for w.Next() {
		ev := w.Event()
		logger.Printf("%s: %v, now %v", flow, ev.GetType(), ev.GetState())
		compile.State = ev.GetState()
		compile.Errors = ev.GetErrors()
		compile.Warnings = ev.GetWarnings()
	}
	if err := w.Err(); err != nil {
		return outcome{flow: flow, compile: compile, err: err}
	}
	return outcome{flow: flow, compile: compile}
}

// summarize prints one line per flow and the totals; the exit status.
func summarize(out io.Writer, outcomes []outcome) int {
	table := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(table, "FLOW\tRESULT\tCOMPILE\tDETAIL")
	completed, failed, unknown := 0, 0, 0
	for _, o := range outcomes {
		name := "-"
		if o.compile != nil {
			name = o.compile.GetName()
		}
		switch {
		case o.err != nil:
			unknown++
			fmt.Fprintf(table, "%s\tNO RESULT\t%s\t%v\n", o.flow, name, o.err)
		case o.compile.GetState() == client.StateCompleted:
			completed++
			fmt.Fprintf(table, "%s\tCOMPLETED\t%s\t%s\n", o.flow, name, describe(o.compile.GetWarnings(), "warning"))
		default:
			failed++
			fmt.Fprintf(table, "%s\t%s\t%s\t%s\n", o.flow, strings.TrimPrefix(o.compile.GetState().String(), "STATE_"),
				name, describe(o.compile.GetErrors(), "error"))
		}
	}
	table.Flush()
	fmt.Fprintf(out, "%d flows: %d completed, %d failed, %d without a result\n",
		len(outcomes), completed, failed, unknown)
	switch {
	case unknown > 0:
		return 2
	case failed > 0:
		return 1
	}
	return 0
}

// describe is the first diagnostic, "CODE at LINE:COLUMN: message", and
// how many more there are.
func describe(diagnostics []*client.Diagnostic, kind string) string {
	if len(diagnostics) == 0 {
		return ""
	}
	d := diagnostics[0]
	text := d.GetCode()
	if loc := d.GetLocation(); loc != nil {
		text += fmt.Sprintf(" at %d:%d", loc.GetLine(), loc.GetColumn())
	}
	text += ": " + d.GetMessage()
	if more := len(diagnostics) - 1; more > 0 {
		text += fmt.Sprintf(" (and %d more %ss)", more, kind)
	}
	return text
}

func randomRunID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return fmt.Sprintf("run-%d", time.Now().UnixNano())
	}
	return "run-" + hex.EncodeToString(b)
}
