package lab

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
)

// CapturePlan is tcpdump on one end of a link, writing pcap to its
// stdout: the caller writes the file in its own filesystem, which an
// instance's or host's own mount namespace may not show.
type CapturePlan struct {
	State       *nodes.State
	Node, Iface string // where tcpdump runs
	Argv        []string
}

// PlanCapture is `netemu capture A B`: tcpdump inside node A on its
// interface towards B (either end may be NODE:IFACE), stopping after
// count packets when count > 0, with a tcpdump filter.
func PlanCapture(labFlag, a, b string, count int, filter []string) (*CapturePlan, error) {
	node, _, _ := strings.Cut(a, ":")
	st, err := Share(Query{Lab: labFlag, Node: node})
	if err != nil {
		return nil, err
	}
	l, err := fault.FindLink(st.Model, a, b)
	if err != nil {
		return nil, err
	}
	end := l.A
	if end.Node != node {
		end = l.B
	}
	argv := []string{"tcpdump", "-i", end.Iface, "-U", "-n", "-w", "-"}
	if count > 0 {
		argv = append(argv, "-c", strconv.Itoa(count))
	}
	return &CapturePlan{State: st, Node: node, Iface: end.Iface, Argv: append(argv, filter...)}, nil
}

// CaptureFile is where `capture A B` writes by default: NODE-B.pcap in
// the current directory, B's ":" made "-".
func (p *CapturePlan) CaptureFile(b string) string {
	return fmt.Sprintf("%s-%s.pcap", p.Node, strings.ReplaceAll(b, ":", "-"))
}

// RunTo runs tcpdump (Run) into file, "-" for out; its messages and a
// line saying where it captures go to errw.
func (p *CapturePlan) RunTo(file, b string, out, errw io.Writer) error {
	if file != "-" {
		f, err := os.Create(file)
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		defer f.Close()
		out = f
		fmt.Fprintf(errw, "capturing on %s %s (link to %s) into %s; Ctrl-C stops\n", p.Node, p.Iface, b, file)
	}
	return p.Run(out, errw)
}

// Run runs tcpdump, its pcap to out and its messages to errw, until it
// has captured enough or is stopped. Stopped by a signal (the user's
// Ctrl-C, which reaches tcpdump too) is not an error; another failure
// wraps tcpdump's *exec.ExitError, whose status the caller may exit with.
func (p *CapturePlan) Run(out, errw io.Writer) error {
	c := nodes.Command(p.State, p.Node, p.Argv...)
	c.Stdout, c.Stderr = out, errw
	err := c.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return nil // stopped by the user
		}
	}
	if err != nil {
		return fmt.Errorf("tcpdump on %s %s: %w", p.Node, p.Iface, err)
	}
	return nil
}
