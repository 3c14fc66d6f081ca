package sandbox

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// BridgeArg is the first argument that starts the service's binary as the bridge inside a
// sandbox: `claude-gitlab __sandbox-bridge SOCKET ADDR -- COMMAND...`. The bridge listens on
// ADDR (the run's own loopback), forwards each connection to the Unix socket SOCKET (the run's
// egress, served outside), and runs COMMAND, ending with its exit status.
const BridgeArg = "__sandbox-bridge"

// insideSocketDir is where the run's egress socket folder is bound inside bwrap.
const insideSocketDir = "/run/claude-gitlab"

// RunBridgeIfAsked turns the process into the bridge (or doctor's network probe) when started
// as one, and never returns then. main (and the TestMain of packages that run sandboxes) calls it first.
func RunBridgeIfAsked() {
	if len(os.Args) >= 2 && os.Args[1] == NetProbeArg {
		os.Exit(netProbe(os.Args[2:]))
	}
	if len(os.Args) < 2 || os.Args[1] != BridgeArg {
		return
	}
	code, err := bridge(os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox bridge:", err)
	}
	os.Exit(code)
}

func bridge(args []string) (int, error) {
	lo := len(args) > 0 && args[0] == "--lo"
	if lo {
		args = args[1:]
	}
	if len(args) < 4 || args[2] != "--" {
		return 125, errors.New("usage: " + BridgeArg + " [--lo] SOCKET ADDR -- COMMAND...")
	}
	sock, addr, argv := args[0], args[1], args[3:]
	if lo { // a namespace made by unshare(1) has its loopback down; bwrap brings it up itself
		if err := loopbackUp(); err != nil {
			return 125, fmt.Errorf("bring up the loopback: %w", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return 125, fmt.Errorf("listen on %s inside the sandbox: %w", addr, err)
	}
	// The relays end with this process, right after the CLI: one held open by a tool the CLI left
	// behind must not keep the sandbox alive, so they are not waited for.
	var loops sync.WaitGroup
	loops.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, sock)
		}
	})
	defer loops.Wait()
	defer ln.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ() // the CLI's minimal environment, which the bridge was started with
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return 127, err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	loops.Go(func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	})
	err = cmd.Wait()
	signal.Stop(sigs)
	close(sigs)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exit.ExitCode(), nil
	}
	return 126, err
}

// relay copies a connection to the socket and back; either side ending ends both.
func relay(c net.Conn, sock string) {
	defer c.Close()
	u, err := net.Dial("unix", sock)
	if err != nil {
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, u); done <- struct{}{} }()
	<-done
	_ = c.Close() // ends the other copy
	_ = u.Close()
	<-done
}

// loopbackUp sets lo up in the current network namespace (needs CAP_NET_ADMIN there).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
