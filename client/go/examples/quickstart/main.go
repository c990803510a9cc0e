// Command quickstart compiles one flow through cxone-compile-gateway and
// prints the result: the example client/go/README.md shows.
//
// Usage: quickstart HOST:PORT FLOW_ID
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: quickstart HOST:PORT FLOW_ID")
		os.Exit(2)
	}
	if err := compileFlow(os.Args[1], os.Args[2], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func compileFlow(server, flow string, out io.Writer) error {
	c, err := client.New(server)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The request ID makes the start safe to retry (the client does so by
	// itself while the gateway is unreachable).
	compile, err := c.StartAndWait(ctx, flow, client.WithRequestID("quickstart/"+flow))
	if status.Code(err) == codes.NotFound {
		return fmt.Errorf("CXone has no flow %q", flow)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, compile.GetName(), compile.GetState())
	for _, e := range compile.GetErrors() {
		fmt.Fprintf(out, "  %s at %d:%d: %s\n", e.GetCode(),
			e.GetLocation().GetLine(), e.GetLocation().GetColumn(), e.GetMessage())
	}
	if compile.GetState() != client.StateCompleted {
		return fmt.Errorf("%s did not compile", flow)
	}
	return nil
}
