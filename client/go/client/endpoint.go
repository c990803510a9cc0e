package client

// Where the gateway is and how to reach it: the CLI's --server, --tls-ca,
// --tls-cert, --tls-key and --token-file (client/gateway_channel.h), with
// the same rules and, through Connect, the same environment variables.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"

	"google.golang.org/grpc/credentials"
)

// The environment variables Connect reads, as the CLI does, for each
// option not given.
const (
	EnvServer    = "CXONE_SERVER"
	EnvTLSCA     = "CXONE_TLS_CA"
	EnvTLSCert   = "CXONE_TLS_CERT"
	EnvTLSKey    = "CXONE_TLS_KEY"
	EnvTokenFile = "CXONE_TOKEN_FILE"
)

// DefaultServer is the CLI's default --server.
const DefaultServer = "127.0.0.1:50051"

const serverForms = "HOST:PORT, https://HOST[:PORT] or dns:///HOST:PORT"

// EndpointError is a server, TLS file or token the client cannot use. Its
// message names the option (or the environment variable it came from) and
// the file: never a file's contents, nor the token.
type EndpointError struct{ msg string }

func (e *EndpointError) Error() string { return e.msg }

func endpointError(format string, args ...interface{}) error {
	return &EndpointError{msg: fmt.Sprintf(format, args...)}
}

// EndpointOptions are what the CLI's flags say: paths, not contents. An
// empty field is not given.
type EndpointOptions struct {
	// A file of PEM CAs that verify the gateway (TLS); none: the system's.
	TLSCA string
	// Files: a PEM client certificate and its key, for a gateway that
	// requires one (mTLS). They go together.
	TLSCert, TLSKey string
	// A bearer token, sent as `authorization: Bearer TOKEN` on every call;
	// or TokenFile, a file holding one (not both).
	Token, TokenFile string
	// When set, each field left empty (and the server, when "") comes from
	// its CXONE_* variable through it (os.LookupEnv, say); TokenFile not
	// when Token is given. Nil: the environment is not read.
	LookupEnv func(name string) (string, bool)
}

// Endpoint is a resolved endpoint: the gRPC target, whether to use TLS,
// the PEM contents of the CAs (nil: the system's) and the client
// certificate, and the token. Its String and %v show neither the key nor
// the token.
type Endpoint struct {
	// HOST:PORT or a gRPC target URI.
	Target string
	TLS    bool
	CAPEM  []byte
	// The client certificate (nil: none).
	CertPEM []byte
	keyPEM  []byte
	token   string
}

// HasToken says whether calls carry a bearer token.
func (e *Endpoint) HasToken() bool { return e.token != "" }

func (e *Endpoint) String() string {
	shown := func(b []byte, as string) string {
		if len(b) == 0 {
			return "none"
		}
		return as
	}
	token := "none"
	if e.token != "" {
		token = "[REDACTED]"
	}
	return fmt.Sprintf("Endpoint{Target: %q, TLS: %t, CA: %s, Cert: %s, Key: %s, Token: %s}",
		e.Target, e.TLS, shown(e.CAPEM, "<PEM>"), shown(e.CertPEM, "<PEM>"),
		shown(e.keyPEM, "[REDACTED]"), token)
}

// GoString keeps %#v from printing the key and the token.
func (e *Endpoint) GoString() string { return e.String() }

// ResolveEndpoint returns the endpoint server and opts name, by the CLI's
// rules. server is HOST:PORT (plaintext unless a TLS file is given),
// https://HOST[:PORT] (TLS, port 443 when none) or a gRPC target URI
// dns:[//AUTHORITY/]HOST[:PORT] (plaintext unless a TLS file is given);
// "" is $CXONE_SERVER with opts.LookupEnv, else DefaultServer. The files
// are read now.
//
// The error is an *EndpointError for a malformed server, TLSCert without
// TLSKey (or the other way round), both Token and TokenFile, a file that
// cannot be read, a TLS file that is not PEM, a certificate and key that
// do not make a pair, or an empty token (or one with spaces or control
// characters).
func ResolveEndpoint(server string, opts EndpointOptions) (*Endpoint, error) {
	return resolveEndpoint(server, "server", false, opts)
}

// An option's value and the name an error calls it by: the field, or the
// environment variable it came from.
type endpointOption struct{ name, value string }

func optionOf(name, value, variable string, lookup func(string) (string, bool)) endpointOption {
	if value == "" && lookup != nil {
		if v, ok := lookup(variable); ok {
			return endpointOption{fmt.Sprintf("$%s (%s)", variable, name), v}
		}
	}
	return endpointOption{name, value}
}

// resolveEndpoint is ResolveEndpoint; with required, an empty server is
// malformed rather than not given.
func resolveEndpoint(server, serverName string, required bool, opts EndpointOptions) (*Endpoint, error) {
	if opts.Token != "" && opts.TokenFile != "" {
		return nil, endpointError("give Token or TokenFile, not both")
	}
	lookup := opts.LookupEnv
	srv := endpointOption{serverName, server}
	if !required {
		srv = optionOf(serverName, server, EnvServer, lookup)
		if srv.value == "" && srv.name == serverName {
			srv.value = DefaultServer
		}
	}
	ca := optionOf("TLSCA", opts.TLSCA, EnvTLSCA, lookup)
	cert := optionOf("TLSCert", opts.TLSCert, EnvTLSCert, lookup)
	key := optionOf("TLSKey", opts.TLSKey, EnvTLSKey, lookup)
	tokenLookup := lookup
	if opts.Token != "" {
		tokenLookup = nil
	}
	tokenFile := optionOf("TokenFile", opts.TokenFile, EnvTokenFile, tokenLookup)

	files := ca.value != "" || cert.value != "" || key.value != ""
	e := &Endpoint{}
	var err error
	if e.Target, e.TLS, err = targetOf(srv, files); err != nil {
		return nil, err
	}
	if (cert.value == "") != (key.value == "") {
		return nil, endpointError("TLSCert and TLSKey go together: the client certificate and its key")
	}
	if ca.value != "" {
		if e.CAPEM, err = readPEM(ca); err != nil {
			return nil, err
		}
		if !x509.NewCertPool().AppendCertsFromPEM(e.CAPEM) {
			return nil, endpointError("%s %q: holds no PEM certificate", ca.name, ca.value)
		}
	}
	if cert.value != "" {
		if e.CertPEM, err = readPEM(cert); err != nil {
			return nil, err
		}
		if e.keyPEM, err = readPEM(key); err != nil {
			return nil, err
		}
		if _, err := tls.X509KeyPair(e.CertPEM, e.keyPEM); err != nil {
			return nil, endpointError("%s %q and %s %q: not a certificate and its key (%v)",
				cert.name, cert.value, key.name, key.value, err)
		}
	}
	switch {
	case opts.Token != "":
		e.token, err = checkedToken([]byte(opts.Token), "Token")
	case tokenFile.value != "":
		e.token, err = readToken(tokenFile)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

func targetOf(srv endpointOption, files bool) (string, bool, error) {
	server := srv.value
	switch {
	case strings.HasPrefix(server, "https://"):
		address := strings.TrimSuffix(strings.TrimPrefix(server, "https://"), "/")
		hasPort := strings.Contains(address, ":")
		if strings.HasPrefix(address, "[") {
			hasPort = strings.Contains(address, "]:")
		}
		if !hasPort {
			address += ":443"
		}
		if err := checkHostPort(address, srv); err != nil {
			return "", false, err
		}
		return address, true, nil
	case strings.HasPrefix(server, "dns:"):
		if len(server) <= 4 || strings.HasSuffix(server, "/") {
			return "", false, endpointError("%s %q: a dns: target names a host (dns:///HOST:PORT)",
				srv.name, server)
		}
		return server, files, nil
	case strings.Contains(server, "://"):
		return "", false, endpointError(
			"%s %q: the only schemes are https:// and dns: (plain HOST:PORT for plaintext)",
			srv.name, server)
	}
	if err := checkHostPort(server, srv); err != nil {
		return "", false, err
	}
	return server, files, nil
}

func checkHostPort(address string, srv endpointOption) error {
	// The port follows the last colon; an IPv6 host is bracketed, so its
	// own colons come before it.
	colon := strings.LastIndexByte(address, ':')
	port := ""
	if colon >= 0 {
		port = address[colon+1:]
	}
	var problem string
	if colon <= 0 || port == "" || strings.Trim(port, "0123456789") != "" {
		problem = fmt.Sprintf("expected HOST:PORT, got %q", address)
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		problem = fmt.Sprintf("port %s is out of range: expected port 1 to 65535", port)
	} else {
		return nil
	}
	return endpointError("%s %q: %s; %s takes %s", srv.name, srv.value, problem, srv.name, serverForms)
}

func readPEM(o endpointOption) ([]byte, error) {
	text, err := os.ReadFile(o.value)
	if err != nil {
		return nil, endpointError("%s %q: cannot read it", o.name, o.value)
	}
	if !bytes.Contains(text, []byte("-----BEGIN ")) {
		return nil, endpointError("%s %q: not a PEM file", o.name, o.value)
	}
	return text, nil
}

func readToken(o endpointOption) (string, error) {
	text, err := os.ReadFile(o.value)
	what := fmt.Sprintf("%s %q", o.name, o.value)
	if err != nil || len(bytes.TrimSpace(text)) == 0 {
		return "", endpointError("%s: cannot read a token from it", what)
	}
	return checkedToken(text, what)
}

func checkedToken(text []byte, what string) (string, error) {
	token := bytes.Trim(text, " \t\n\v\f\r") // ASCII whitespace, as absl's
	if len(token) == 0 {
		return "", endpointError("%s: the token is empty", what)
	}
	for _, b := range token {
		if b < 0x21 || b == 0x7f {
			return "", endpointError("%s: the token holds spaces or control characters", what)
		}
	}
	for _, b := range token {
		if b > 0x7e {
			// gRPC metadata values are ASCII; the CLI's call would fail later.
			return "", endpointError("%s: the token holds non-ASCII characters", what)
		}
	}
	return string(token), nil
}

// transportCredentials are the endpoint's TLS credentials; nil for
// plaintext.
func (e *Endpoint) transportCredentials() credentials.TransportCredentials {
	if !e.TLS {
		return nil
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(e.CAPEM) > 0 {
		config.RootCAs = x509.NewCertPool()
		config.RootCAs.AppendCertsFromPEM(e.CAPEM)
	}
	if len(e.CertPEM) > 0 {
		// Checked by resolveEndpoint.
		pair, _ := tls.X509KeyPair(e.CertPEM, e.keyPEM)
		config.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(config)
}

// bearerToken sends `authorization: Bearer TOKEN` on every call. It does
// not require transport security: as the CLI, the token goes over a
// plaintext (loopback) connection too.
type bearerToken struct{ header string }

func (b bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": b.header}, nil
}

func (bearerToken) RequireTransportSecurity() bool { return false }

// String keeps the token out of a %v of the dial options.
func (bearerToken) String() string { return "bearerToken{[REDACTED]}" }
