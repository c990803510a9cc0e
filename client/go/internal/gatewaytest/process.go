package gatewaytest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a child process whose stdout and stderr lines are kept, in
// order, for tests to wait on. It dies with the test binary (SIGKILL on
// parent death).
type Process struct {
	name string
	cmd  *exec.Cmd

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced on every new line and at exit
	exited  bool
	waitErr error
	// Closed once the process has exited and its output is read.
	gone chan struct{}
}

// StartProcess runs path with args, env added to the test's environment.
func StartProcess(path string, args []string, env map[string]string) (*Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	reader, writer, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = writer, writer
	if err := cmd.Start(); err != nil {
		reader.Close()
		writer.Close()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	writer.Close()
	p := &Process{name: path, cmd: cmd, changed: make(chan struct{}), gone: make(chan struct{})}
	go p.reap(reader)
	return p, nil
}

// reap reads the output to its end, then waits for the exit.
func (p *Process) reap(r *os.File) {
	p.read(r)
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited, p.waitErr = true, err
	p.notifyLocked()
	p.mu.Unlock()
	close(p.gone)
}

func (p *Process) read(r *os.File) {
	defer r.Close()
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for scanner.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, scanner.Text())
		p.notifyLocked()
		p.mu.Unlock()
	}
}

func (p *Process) notifyLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Lines is every line printed so far.
func (p *Process) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// WaitForLine returns the first line (from the start) for which match is
// true, waiting up to timeout for it; an error when the process exits or
// the time is up first.
func (p *Process) WaitForLine(match func(string) bool, timeout time.Duration) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	next := 0
	for {
		p.mu.Lock()
		for ; next < len(p.lines); next++ {
			if match(p.lines[next]) {
				line := p.lines[next]
				p.mu.Unlock()
				return line, nil
			}
		}
		exited, changed := p.exited, p.changed
		p.mu.Unlock()
		if exited {
			return "", fmt.Errorf("%s exited before printing the awaited line; it printed:\n%s",
				p.name, strings.Join(p.Lines(), "\n"))
		}
		select {
		case <-changed:
		case <-deadline.C:
			return "", fmt.Errorf("%s printed no awaited line within %v; it printed:\n%s",
				p.name, timeout, strings.Join(p.Lines(), "\n"))
		}
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the process to exit (and its output to be
// read) and returns how it ended.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.gone:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("%s did not exit within %v", p.name, timeout)
	}
}

// Kill kills the process with SIGKILL (if it still runs) and reaps it.
func (p *Process) Kill() {
	select {
	case <-p.gone:
		return
	default:
	}
	_ = p.Signal(syscall.SIGKILL)
	_ = p.Wait(30 * time.Second)
}
