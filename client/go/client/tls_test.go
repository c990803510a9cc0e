package client_test

// TLS, mTLS and bearer tokens: the endpoint rules the CLI has
// (client/gateway_channel.h), and the client against a real gateway
// serving TLS with a throwaway PKI (openssl), with and without client
// certificates and a tokens file.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cxone-compile-gateway/client/go/client"
	"github.com/cxone-compile-gateway/client/go/internal/gatewaytest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	testToken = "s3cret-deployer-token-4711"
	missing   = "flows/main-menu/compiles/00000000-0000-0000-0000-000000000000"
	// A call that cannot get through fails within this (a refused
	// handshake is UNAVAILABLE at once; the bound is for a loaded machine).
	refusedWithin = 10 * time.Second
)

type testPKI struct {
	pki                    *gatewaytest.PKI
	ca, otherCA            gatewaytest.Issued
	server, clientIdentity gatewaytest.Issued
	tokenFile              string
}

func newTestPKI(t *testing.T) testPKI {
	p := gatewaytest.NewPKI(t)
	ca := p.CA("ca")
	tp := testPKI{pki: p, ca: ca, otherCA: p.CA("other-ca"), server: p.Server(ca, "server"),
		clientIdentity: p.Client(ca, "ci-runner"), tokenFile: filepath.Join(p.Dir(), "token")}
	if err := os.WriteFile(tp.tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return tp
}

// startTLS starts a gateway serving TLS, requiring a client certificate
// when mtls, knowing testToken as "deployer" when tokens.
func (p testPKI) startTLS(t *testing.T, mtls, tokens bool) *gatewaytest.Gateway {
	args := []string{"--poll-interval=50ms", "--queued-poll-interval=50ms",
		"--min-poll-interval=50ms", "--upstream-rps=200", "--upstream-burst=20",
		"--tls-cert-file=" + p.server.CertFile, "--tls-key-file=" + p.server.KeyFile}
	if mtls {
		args = append(args, "--tls-client-ca-file="+p.ca.CertFile)
	}
	if tokens {
		args = append(args, "--auth-tokens-file="+p.pki.TokensFile("deployer", testToken))
	}
	return gatewaytest.Start(t, gatewaytest.Options{ServerArgs: args})
}

// codeOfGet is the code a Get of a compile that does not exist fails with
// through c: NOT_FOUND means the call got through.
func codeOfGet(t *testing.T, c *client.Client) codes.Code {
	t.Helper()
	_, err := c.Get(timeout(t, refusedWithin), missing)
	if err != nil && strings.Contains(err.Error(), testToken) {
		t.Errorf("the error shows the token: %v", err)
	}
	return status.Code(err)
}

func wantEndpointError(t *testing.T, err error, pattern string) {
	t.Helper()
	var endpointErr *client.EndpointError
	if !errors.As(err, &endpointErr) {
		t.Fatalf("error %v (%T), want an *EndpointError matching %q", err, err, pattern)
	}
	if !regexp.MustCompile(pattern).MatchString(err.Error()) {
		t.Fatalf("error %q does not match %q", err, pattern)
	}
}

func TestEndpointResolvesTheServerFormsAsTheCLI(t *testing.T) {
	for _, tc := range []struct {
		server, target string
		tls            bool
	}{
		{"gw.example.com:50051", "gw.example.com:50051", false},
		{"https://gw.example.com", "gw.example.com:443", true},
		{"https://gw.example.com:8443/", "gw.example.com:8443", true},
		{"https://[::1]", "[::1]:443", true},
		{"dns:///gw.example.com:50051", "dns:///gw.example.com:50051", false},
		{"", client.DefaultServer, false},
	} {
		e, err := client.ResolveEndpoint(tc.server, client.EndpointOptions{})
		if err != nil || e.Target != tc.target || e.TLS != tc.tls {
			t.Errorf("ResolveEndpoint(%q) = %v, %v; want %s TLS %t", tc.server, e, err, tc.target, tc.tls)
		}
	}
}

func TestEndpointNamesAMalformedServer(t *testing.T) {
	for server, pattern := range map[string]string{
		"gw":          `^server "gw": expected HOST:PORT, got "gw"; server takes HOST:PORT, https://`,
		"gw:0":        `port 0 is out of range: expected port 1 to 65535`,
		"grpc://gw:1": `the only schemes are https:// and dns:`,
		"dns:///":     `a dns: target names a host`,
	} {
		_, err := client.ResolveEndpoint(server, client.EndpointOptions{})
		wantEndpointError(t, err, pattern)
	}
	_, err := client.New("")
	wantEndpointError(t, err, `^address "": expected HOST:PORT`)
}

func TestEndpointRefusesBadTLSFilesNamingThemNotShowingThem(t *testing.T) {
	p := newTestPKI(t)
	e, err := client.ResolveEndpoint("127.0.0.1:1", client.EndpointOptions{TLSCA: p.ca.CertFile})
	if err != nil || !e.TLS {
		t.Fatalf("a CA file makes HOST:PORT TLS: %v, %v", e, err)
	}
	_, err = client.New("127.0.0.1:1", client.WithClientCertificate(p.clientIdentity.CertFile, ""))
	wantEndpointError(t, err, `^TLSCert and TLSKey go together`)
	_, err = client.New("127.0.0.1:1", client.WithTLSCA(filepath.Join(p.pki.Dir(), "absent.pem")))
	wantEndpointError(t, err, `^TLSCA ".*absent\.pem": cannot read it$`)
	notPEM := filepath.Join(p.pki.Dir(), "not-pem.key")
	if err := os.WriteFile(notPEM, []byte("hunter2-not-a-pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = client.New("127.0.0.1:1", client.WithClientCertificate(p.clientIdentity.CertFile, notPEM))
	wantEndpointError(t, err, `^TLSKey ".*not-pem\.key": not a PEM file$`)
	// Another certificate's key.
	_, err = client.New("127.0.0.1:1", client.WithClientCertificate(p.clientIdentity.CertFile, p.server.KeyFile))
	wantEndpointError(t, err, `not a certificate and its key`)
}

func TestEndpointRefusesBadTokensWithoutShowingThem(t *testing.T) {
	p := newTestPKI(t)
	dir := p.pki.Dir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	_, err := client.New("127.0.0.1:1", client.WithTokenFile(write("empty", " \n")))
	wantEndpointError(t, err, `^TokenFile ".*empty": cannot read a token from it$`)
	_, err = client.New("127.0.0.1:1", client.WithTokenFile(filepath.Join(dir, "absent")))
	wantEndpointError(t, err, `cannot read a token from it$`)
	_, err = client.New("127.0.0.1:1", client.WithTokenFile(write("spaced", "two words\n")))
	wantEndpointError(t, err, `the token holds spaces or control characters$`)
	_, err = client.New("127.0.0.1:1", client.WithToken("a"), client.WithTokenFile(p.tokenFile))
	wantEndpointError(t, err, `not both`)

	e, err := client.ResolveEndpoint("127.0.0.1:1", client.EndpointOptions{TokenFile: p.tokenFile})
	if err != nil || !e.HasToken() {
		t.Fatalf("ResolveEndpoint: %v, %v", e, err)
	}
	for _, shown := range []string{e.String(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
		if strings.Contains(shown, testToken) || !strings.Contains(shown, "[REDACTED]") {
			t.Errorf("the endpoint shows as %q", shown)
		}
	}
}

func TestEndpointFillsWhatIsNotGivenFromTheEnvironment(t *testing.T) {
	p := newTestPKI(t)
	env := map[string]string{
		client.EnvServer:    "https://gw.example.com",
		client.EnvTLSCA:     p.ca.CertFile,
		client.EnvTokenFile: filepath.Join(p.pki.Dir(), "absent"),
	}
	lookup := func(name string) (string, bool) { v, ok := env[name]; return v, ok }
	_, err := client.ResolveEndpoint("", client.EndpointOptions{LookupEnv: lookup})
	wantEndpointError(t, err, `^\$CXONE_TOKEN_FILE \(TokenFile\) ".*absent": cannot read a token`)
	e, err := client.ResolveEndpoint("", client.EndpointOptions{LookupEnv: lookup, Token: "given"})
	if err != nil || e.Target != "gw.example.com:443" || !e.TLS || len(e.CAPEM) == 0 || !e.HasToken() {
		t.Fatalf("ResolveEndpoint from the environment: %v, %v", e, err)
	}
	e, err = client.ResolveEndpoint("127.0.0.1:2", client.EndpointOptions{LookupEnv: lookup, Token: "t"})
	if err != nil || e.Target != "127.0.0.1:2" {
		t.Fatalf("a server given beats $CXONE_SERVER: %v, %v", e, err)
	}
}

func TestTLSWithTheGatewaysCACompiles(t *testing.T) {
	p := newTestPKI(t)
	g := p.startTLS(t, false, false)
	c := dial(t, "https://"+g.Addr(), client.WithTLSCA(p.ca.CertFile))
	compile, err := c.StartAndWait(timeout(t, 60*time.Second), "main-menu", client.WithRequestID("tls-1"))
	if err != nil {
		t.Fatal(err)
	}
	if compile.GetState() != client.StateCompleted {
		t.Fatalf("state %v, want COMPLETED", compile.GetState())
	}
}

func TestTLSRefusesAClientTrustingAnotherCAOrPlaintext(t *testing.T) {
	p := newTestPKI(t)
	g := p.startTLS(t, false, false)
	if code := codeOfGet(t, dial(t, "https://"+g.Addr(), client.WithTLSCA(p.otherCA.CertFile))); code != codes.Unavailable {
		t.Errorf("trusting another CA: %v, want UNAVAILABLE", code)
	}
	if code := codeOfGet(t, dial(t, g.Addr())); code != codes.Unavailable {
		t.Errorf("plaintext: %v, want UNAVAILABLE", code)
	}
}

func TestMTLSRefusesAClientWithoutACertificateAndWatchesWithOne(t *testing.T) {
	p := newTestPKI(t)
	g := p.startTLS(t, true, false)
	if code := codeOfGet(t, dial(t, "https://"+g.Addr(), client.WithTLSCA(p.ca.CertFile))); code != codes.Unavailable {
		t.Errorf("without a client certificate: %v, want UNAVAILABLE", code)
	}
	// HOST:PORT: TLS because of the files.
	c := dial(t, g.Addr(), client.WithTLSCA(p.ca.CertFile),
		client.WithClientCertificate(p.clientIdentity.CertFile, p.clientIdentity.KeyFile))
	ctx := timeout(t, 60*time.Second)
	started, err := c.Start(ctx, "main-menu", client.WithRequestID("mtls-1"))
	if err != nil {
		t.Fatal(err)
	}
	events := collect(t, c.Watch(ctx, started.GetName()))
	if len(events) == 0 || events[len(events)-1].GetState() != client.StateCompleted {
		t.Fatalf("the watch ended with %d events, not at COMPLETED", len(events))
	}
}

func TestATokensFileGatewayWantsTheRightToken(t *testing.T) {
	p := newTestPKI(t)
	g := p.startTLS(t, false, true)
	server := "https://" + g.Addr()
	ca := client.WithTLSCA(p.ca.CertFile)
	if code := codeOfGet(t, dial(t, server, ca)); code != codes.Unauthenticated {
		t.Errorf("no token: %v, want UNAUTHENTICATED", code)
	}
	if code := codeOfGet(t, dial(t, server, ca, client.WithToken("wrong-token"))); code != codes.Unauthenticated {
		t.Errorf("a wrong token: %v, want UNAUTHENTICATED", code)
	}
	if code := codeOfGet(t, dial(t, server, ca, client.WithTokenFile(p.tokenFile))); code != codes.NotFound {
		t.Errorf("the token file's token: %v, want NOT_FOUND (through)", code)
	}
	c := dial(t, server, ca, client.WithToken(testToken))
	compile, err := c.StartAndWait(timeout(t, 60*time.Second), "main-menu", client.WithRequestID("token-1"))
	if err != nil || compile.GetState() != client.StateCompleted {
		t.Fatalf("with the token: %v, %v", compile.GetState(), err)
	}
	for _, line := range g.ServerLines() {
		if strings.Contains(line, testToken) {
			t.Fatalf("the gateway logged the token: %s", line)
		}
	}
}

func TestConnectHonoursTheCLIEnvironmentVariables(t *testing.T) {
	p := newTestPKI(t)
	g := p.startTLS(t, true, true)
	t.Setenv(client.EnvServer, "https://"+g.Addr())
	t.Setenv(client.EnvTLSCA, p.ca.CertFile)
	t.Setenv(client.EnvTLSCert, p.clientIdentity.CertFile)
	t.Setenv(client.EnvTLSKey, p.clientIdentity.KeyFile)
	t.Setenv(client.EnvTokenFile, p.tokenFile)
	connect := func(opts ...client.Option) *client.Client {
		t.Helper()
		c, err := client.Connect("", opts...)
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Through mTLS (else UNAVAILABLE), as the token's principal (the
	// audit log line says).
	if code := codeOfGet(t, connect()); code != codes.NotFound {
		t.Fatalf("Connect from the environment: %v, want NOT_FOUND (through)", code)
	}
	if _, err := g.Server().WaitForLine(func(line string) bool {
		return strings.Contains(line, `"token:deployer"`)
	}, refusedWithin); err != nil {
		t.Fatalf("no call as token:deployer: %v", err)
	}
	// A token given beats $CXONE_TOKEN_FILE (a bad token decides over a
	// good certificate).
	if code := codeOfGet(t, connect(client.WithToken("wrong-token"))); code != codes.Unauthenticated {
		t.Errorf("WithToken over the environment's file: %v, want UNAUTHENTICATED", code)
	}
	// New reads no variable: without a certificate, refused.
	if code := codeOfGet(t, dial(t, "https://"+g.Addr(), client.WithTLSCA(p.ca.CertFile))); code != codes.Unavailable {
		t.Errorf("New with the variables set: %v, want UNAVAILABLE", code)
	}
	t.Setenv(client.EnvTLSKey, filepath.Join(p.pki.Dir(), "absent.key"))
	_, err := client.Connect("")
	wantEndpointError(t, err, `^\$CXONE_TLS_KEY \(TLSKey\) ".*absent\.key": cannot read it$`)
}
