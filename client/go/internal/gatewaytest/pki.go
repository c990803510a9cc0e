package gatewaytest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Issued is a PEM certificate and its key, as files.
type Issued struct{ CertFile, KeyFile string }

// PKI is a throwaway PKI made with the openssl command for the TLS tests:
// CAs, server certificates for 127.0.0.1 and localhost, and client
// certificates, each an EC P-256 key and a certificate valid for a day, in
// a directory the test removes.
type PKI struct {
	t      testing.TB
	dir    string
	serial int
}

// NewPKI returns a PKI writing into a temporary directory of t's.
func NewPKI(t testing.TB) *PKI { return &PKI{t: t, dir: t.TempDir(), serial: 1} }

// Dir is where the files are.
func (p *PKI) Dir() string { return p.dir }

var curve = []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"}

func (p *PKI) openssl(args ...string) {
	p.t.Helper()
	if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		p.t.Fatalf("openssl %v: %v\n%s", args, err, out)
	}
}

// CA makes a self-signed CA.
func (p *PKI) CA(name string) Issued {
	p.t.Helper()
	ca := Issued{filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+".key")}
	args := append([]string{"req", "-x509", "-new"}, curve...)
	p.openssl(append(args, "-keyout", ca.KeyFile, "-out", ca.CertFile, "-days", "1",
		"-subj", "/CN="+name, "-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign")...)
	return ca
}

func (p *PKI) issue(ca Issued, name, extensions string) Issued {
	p.t.Helper()
	leaf := Issued{filepath.Join(p.dir, name+".pem"), filepath.Join(p.dir, name+".key")}
	csr, ext := filepath.Join(p.dir, name+".csr"), filepath.Join(p.dir, name+".ext")
	if err := os.WriteFile(ext, []byte(extensions), 0o600); err != nil {
		p.t.Fatal(err)
	}
	args := append([]string{"req", "-new"}, curve...)
	p.openssl(append(args, "-keyout", leaf.KeyFile, "-out", csr, "-subj", "/CN="+name)...)
	p.serial++
	p.openssl("x509", "-req", "-in", csr, "-CA", ca.CertFile, "-CAkey", ca.KeyFile,
		"-set_serial", strconv.Itoa(p.serial), "-days", "1", "-extfile", ext, "-out", leaf.CertFile)
	return leaf
}

// Server issues a server certificate for 127.0.0.1 and localhost.
func (p *PKI) Server(ca Issued, name string) Issued {
	p.t.Helper()
	return p.issue(ca, name, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"+
		"extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n")
}

// Client issues a client certificate with subject CN name.
func (p *PKI) Client(ca Issued, name string) Issued {
	p.t.Helper()
	return p.issue(ca, name, "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n")
}

// TokensFile writes a gateway --auth-tokens-file (`NAME SHA256HEX` a line)
// knowing token as name, and returns its path.
func (p *PKI) TokensFile(name, token string) string {
	p.t.Helper()
	sum := sha256.Sum256([]byte(token))
	path := filepath.Join(p.dir, "tokens")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%s %s\n", name, hex.EncodeToString(sum[:]))), 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}
