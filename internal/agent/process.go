//go:build unix

package agent

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// killGrace is how long the CLI gets between SIGTERM and SIGKILL, and how long Run waits for
// output pipes held open by a process that escaped the group. A variable for tests.
var killGrace = 3 * time.Second

// proc is a started CLI in its own process group. Its owner must call stop or wait for done.
type proc struct {
	cmd        *exec.Cmd
	pgid       int
	stdout     *os.File      // read end
	stderr     *os.File      // read end
	stderrTail *tailBuffer   // filled until stderrDone
	stderrDone chan struct{} // closed when stderr is drained
	done       chan struct{} // closed when the process has exited; waitErr is then set
	waitErr    error
}

// startProc starts the CLI with our own pipes (not exec's copying goroutines) so that reads can
// be given a deadline: a background process of a tool may keep them open after the CLI exits.
func startProc(cli string, args, env []string, dir, stdin string) (*proc, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd := exec.Command(cli, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = outW, errW
	// Its own process group: the CLI's tools (a shell, a test run, a dev server) die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Bounds Wait's copy of stdin when a grandchild holds the pipe open without reading.
	cmd.WaitDelay = killGrace
	err = cmd.Start()
	outW.Close() // the child has its copies; ours would keep the pipes from reaching EOF
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: %w", cli, err)
	}
	p := &proc{cmd: cmd, pgid: cmd.Process.Pid, stdout: outR, stderr: errR,
		stderrTail: newTailBuffer(stderrTailBytes), stderrDone: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.stderrDone)
		_, _ = io.Copy(p.stderrTail, errR) // ends at EOF or at the read deadline
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// signal sends sig to the whole process group. Errors mean nobody is left (ESRCH) or the group
// id now belongs to someone else (EPERM): either way there is nothing of ours to stop.
func (p *proc) signal(sig syscall.Signal) {
	_ = syscall.Kill(-p.pgid, sig)
}

// terminate asks the group to stop, then kills it after killGrace. It returns once the CLI
// itself has exited.
func (p *proc) terminate() {
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(killGrace):
	}
	p.signal(syscall.SIGKILL) // whatever is left, the CLI included
	<-p.done
}

// release kills what is left of the group after the CLI exited (background jobs of its tools)
// and bounds the wait for pipes that an escaped process still holds.
func (p *proc) release() {
	p.signal(syscall.SIGKILL)
	deadline := time.Now().Add(killGrace)
	_ = p.stdout.SetReadDeadline(deadline) // pipes from os.Pipe support deadlines
	_ = p.stderr.SetReadDeadline(deadline)
}

// close frees the read ends once reading is over.
func (p *proc) close() {
	<-p.stderrDone
	p.stdout.Close()
	p.stderr.Close()
}

// exitCode is the CLI's exit code, or -1 with the signal's name when a signal ended it.
func (p *proc) exitCode() (code int, how string) {
	st := p.cmd.ProcessState
	if st == nil {
		return -1, "did not start"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, "killed by " + ws.Signal().String()
	}
	return st.ExitCode(), fmt.Sprintf("exit code %d", st.ExitCode())
}
