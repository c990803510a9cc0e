package gatewaytest

import (
	"net"
	"sync"
	"testing"
)

// Proxy is a loopback TCP forwarder a test can cut or freeze, to break a
// client's connection to the gateway without stopping either.
//
// It accepts on 127.0.0.1 (a port the kernel picks) and connects each
// accepted connection to the target. BreakAll resets every open
// connection; Freeze stops delivering bytes on them (as a network that
// drops everything would) until Thaw. New connections are always accepted
// and flow. Stopped, with every goroutine joined, when the test ends.
//
// Safe for concurrent use.
type Proxy struct {
	listener net.Listener
	target   string

	mu       sync.Mutex
	accepted int
	conns    map[net.Conn]struct{}
	frozen   map[net.Conn]struct{}
	thawed   chan struct{} // closed while nothing is frozen
	stopping bool
	wg       sync.WaitGroup
}

// StartProxy forwards to target (HOST:PORT).
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{
		listener: listener, target: target,
		conns: map[net.Conn]struct{}{}, frozen: map[net.Conn]struct{}{},
		thawed: make(chan struct{}),
	}
	close(p.thawed)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.stop)
	return p
}

// Addr is the proxy's HOST:PORT.
func (p *Proxy) Addr() string { return p.listener.Addr().String() }

// Accepted is how many connections the proxy accepted so far.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// BreakAll resets every connection open now (both sides see a reset).
func (p *Proxy) BreakAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for conn := range p.conns {
		reset(conn)
	}
}

// Freeze holds every byte of the connections open now, both ways, until
// Thaw; connections made later are not frozen.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for conn := range p.conns {
		p.frozen[conn] = struct{}{}
	}
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default:
	}
}

// Thaw delivers what Freeze held and lets the bytes flow again.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = map[net.Conn]struct{}{}
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

func (p *Proxy) stop() {
	p.listener.Close()
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()
	p.Thaw()
	p.BreakAll()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			reset(client)
			continue
		}
		p.mu.Lock()
		if p.stopping {
			p.mu.Unlock()
			reset(client)
			reset(server)
			return
		}
		p.accepted++
		p.conns[client], p.conns[server] = struct{}{}, struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pump(client, server)
		go p.pump(server, client)
	}
}

// pump copies from → to until either side ends, then resets both.
func (p *Proxy) pump(from, to net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, from)
		delete(p.conns, to)
		p.mu.Unlock()
		reset(from)
		reset(to)
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if !p.waitUnfrozen(from) {
				return
			}
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// waitUnfrozen blocks while conn is frozen; false when the proxy stops
// first.
func (p *Proxy) waitUnfrozen(conn net.Conn) bool {
	for {
		p.mu.Lock()
		_, frozen := p.frozen[conn]
		thawed, stopping := p.thawed, p.stopping
		p.mu.Unlock()
		if stopping {
			return false
		}
		if !frozen {
			return true
		}
		<-thawed
	}
}

// reset closes conn with an RST rather than a FIN.
func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
