package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
)

func TestQuickstartPrintsTheResultWithItsDiagnostics(t *testing.T) {
	g := gatewaytest.Start(t, gatewaytest.Options{SimArgs: []string{
		"--queued-ms=50", "--in-progress-ms=200", "--not-found-flows=ghost"}})

	var out bytes.Buffer
	if err := compileFlow(g.Addr(), "main-menu", &out); err != nil {
		t.Fatalf("main-menu: %v", err)
	}
	if !strings.Contains(out.String(), "STATE_COMPLETED") {
		t.Errorf("main-menu printed %q", out.String())
	}

	out.Reset()
	err := compileFlow(g.Addr(), "syntax-error", &out)
	if err == nil || !strings.Contains(out.String(), "SYNTAX_ERROR at 13:7: expected ',' or '}'") {
		t.Errorf("syntax-error: %v, printed %q", err, out.String())
	}

	if err := compileFlow(g.Addr(), "ghost", &out); err == nil || !strings.Contains(err.Error(), `no flow "ghost"`) {
		t.Errorf("ghost: %v; want the NOT_FOUND branch", err)
	}
}
