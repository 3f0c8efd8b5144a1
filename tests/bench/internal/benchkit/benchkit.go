// Package benchkit holds what the benchmark programs under tests/bench
// share: namespaces joined by veths, processes started in them and
// stopped again, polling with a deadline, and per-process CPU, memory and
// kernel-route counts.
package benchkit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/tests/labtest"
)

// Lab is one run's namespaces and processes. Namespaces are named
// labpath.NetnsName(Prefix, node); logs go to Dir.
type Lab struct {
	Dir    string
	Prefix string
	Procs  []*exec.Cmd
	NSs    []string
}

// Run runs argv and returns its output in the error when it fails.
func Run(argv ...string) error {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

// NS is the namespace of node.
func (b *Lab) NS(node string) string { return labpath.NetnsName(b.Prefix, node) }

// Node adds node's namespace with lo up.
func (b *Lab) Node(node string) error {
	if err := Run("ip", "netns", "add", b.NS(node)); err != nil {
		return err
	}
	b.NSs = append(b.NSs, b.NS(node))
	return Run("ip", "-n", b.NS(node), "link", "set", "lo", "up")
}

// Link joins a and bn by a veth named eth0 on both ends, with addresses
// aa and ba.
func (b *Lab) Link(a, aa, bn, ba string) error {
	for _, c := range [][]string{
		{"ip", "-n", b.NS(a), "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b.NS(bn)},
		{"ip", "-n", b.NS(a), "addr", "add", aa, "dev", "eth0"},
		{"ip", "-n", b.NS(bn), "addr", "add", ba, "dev", "eth0"},
		{"ip", "-n", b.NS(a), "link", "set", "eth0", "up"},
		{"ip", "-n", b.NS(bn), "link", "set", "eth0", "up"},
	} {
		if err := Run(c...); err != nil {
			return err
		}
	}
	return nil
}

// Start runs argv in node's namespace, its output to Dir/logName.
func (b *Lab) Start(node, logName string, argv ...string) (*exec.Cmd, error) {
	f, err := os.Create(filepath.Join(b.Dir, logName))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command("ip", append([]string{"netns", "exec", b.NS(node)}, argv...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.Procs = append(b.Procs, cmd)
	return cmd, nil
}

// Cleanup stops every process (by pid) and deletes every namespace.
func (b *Lab) Cleanup() {
	for i := len(b.Procs) - 1; i >= 0; i-- {
		labtest.Stop(b.Procs[i], 5*time.Second)
	}
	b.Procs = nil
	for _, n := range b.NSs {
		_ = exec.Command("ip", "netns", "del", n).Run()
	}
	b.NSs = nil
}

// WaitFor polls cond every 50 ms until it returns nil or d has passed.
func WaitFor(d time.Duration, what string, cond func() error) error {
	return Poll(d, 50*time.Millisecond, what, cond)
}

// Poll calls cond every interval until it returns nil or d has passed.
func Poll(d, every time.Duration, what string, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %v: %w", what, d, err)
		}
		time.Sleep(every)
	}
}

// CPU is a process's user+system CPU time so far.
func CPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// CPUOf is the CPU time of the processes, summed.
func CPUOf(cmds []*exec.Cmd) time.Duration {
	var t time.Duration
	for _, c := range cmds {
		t += CPU(c.Process.Pid)
	}
	return t
}

// PeakRSS is the largest VmHWM of the processes, in MiB (summed).
func PeakRSS(cmds []*exec.Cmd) float64 {
	var kb int
	for _, c := range cmds {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Process.Pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					v, _ := strconv.Atoi(f[1])
					kb += v
				}
			}
		}
	}
	return float64(kb) / 1024
}

// Counter counts routes of one protocol in a namespace's main table.
type Counter struct{ h *inns.Handle }

// NewCounter opens a counter on namespace ns; Close it.
func NewCounter(ns string) (*Counter, error) {
	h, err := inns.Open(filepath.Join(labpath.NetnsDir, ns), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	_ = h.SetSocketReceiveBufferSize(16<<20, true)
	return &Counter{h: h}, nil
}

// Close releases the counter's netlink socket.
func (c *Counter) Close() { c.h.Close() }

// Count is the number of main-table routes of protocol proto, -1 when
// the dump fails.
func (c *Counter) Count(proto int) int {
	for i := 0; i < 5; i++ {
		rs, err := c.h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN, Protocol: netlink.RouteProtocol(proto)},
			netlink.RT_FILTER_TABLE|netlink.RT_FILTER_PROTOCOL)
		if err == nil {
			return len(rs)
		}
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return -1
		}
	}
	return -1
}

// RandHex is six random hex digits, for unique namespace names.
func RandHex() string {
	x := make([]byte, 3)
	_, _ = rand.Read(x)
	return hex.EncodeToString(x)
}

// Prepare begins a lab benchmark: it must run as root, works in a fresh
// directory (pattern as for os.MkdirTemp) that the caller removes, and
// uses the netemu binary bin or, when bin is empty, one built there. On
// failure it prints "what: ..." and exits 1.
func Prepare(what, pattern, bin string) (tmp, netemu string) {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, what+": needs root")
		os.Exit(1)
	}
	tmp, err := os.MkdirTemp("", pattern)
	if err != nil {
		Fail(what, err)
	}
	if bin == "" {
		if bin, err = labtest.BuildNetemu(tmp); err != nil {
			os.RemoveAll(tmp)
			Fail(what, err)
		}
	}
	return tmp, bin
}

// Fail prints "what: err" and exits 1.
func Fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(1)
}

// PrintLogTails writes the last 3000 bytes of each non-empty log in dir
// to stderr, to explain a failed run.
func PrintLogTails(dir string, names ...string) {
	for _, name := range names {
		if lb, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(lb) > 0 {
			if len(lb) > 3000 {
				lb = lb[len(lb)-3000:]
			}
			fmt.Fprintf(os.Stderr, "--- %s\n%s\n", name, lb)
		}
	}
}

// StartBIRD writes text to the file conf and runs BIRD with it in node,
// its control socket at sock and its output in logName, then waits up to
// d for birdc to answer (what names the wait in its error).
func (b *Lab) StartBIRD(node, logName, conf, sock, text string, d time.Duration, what string) (*exec.Cmd, error) {
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	c, err := b.Start(node, logName, "bird", "-f", "-c", conf, "-s", sock)
	if err != nil {
		return nil, err
	}
	return c, WaitFor(d, what, func() error { return Run("birdc", "-s", sock, "show status") })
}

// FeedPair makes the two nodes of a feeder bench: "feed", where a BIRD
// feeder announces the routes (StartFeeder), and "r", the receiver
// measured, linked as 192.168.0.1/30 – 192.168.0.2/30.
func (b *Lab) FeedPair() error {
	for _, n := range []string{"feed", "r"} {
		if err := b.Node(n); err != nil {
			return err
		}
	}
	return b.Link("feed", "192.168.0.1/30", "r", "192.168.0.2/30")
}

// StartFeeder starts BIRD in "feed" with the configuration text, waiting
// up to d for it to answer; name tells the log apart (feeder-NAME.log).
// It returns birdc's socket.
func (b *Lab) StartFeeder(name, text string, d time.Duration) (string, error) {
	sock := filepath.Join(b.Dir, "feeder-"+b.Prefix+".ctl")
	_, err := b.StartBIRD("feed", "feeder-"+name+".log", filepath.Join(b.Dir, "feeder.conf"), sock, text, d, "feeder up")
	return sock, err
}
