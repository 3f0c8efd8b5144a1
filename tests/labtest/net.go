package labtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/inns"
	"github.com/netemu/netemu/nodes/labpath"
)

// Net is a set of network namespaces and veth links one test builds by
// hand (without netemu's builder), named as netemu names a lab's nodes
// (labpath.NetnsName(Lab, node)), so netemu's commands and `ip netns`
// find them. Everything it makes is removed by t.Cleanup, together with
// whatever still runs inside.
type Net struct {
	t testing.TB
	// Lab is the name in every namespace's name; give each test its own
	// (UniqueName).
	Lab string
}

// NewNet starts an empty Net for lab; it skips the test when not root.
func NewNet(t testing.TB, lab string) *Net {
	t.Helper()
	RequireRoot(t)
	return &Net{t: t, Lab: lab}
}

// NS is node's namespace name.
func (n *Net) NS(node string) string { return labpath.NetnsName(n.Lab, node) }

// Path is node's namespace path.
func (n *Net) Path(node string) string { return labpath.NetnsPath(n.Lab, node) }

// Node creates node's namespace with lo up (and, when forwarding, IPv4
// forwarding on and reverse path filtering off, as netemu does for
// routers). The test's cleanup kills what runs inside and deletes it.
func (n *Net) Node(node string, forwarding bool) {
	n.t.Helper()
	ns := n.NS(node)
	if _, err := os.Stat(n.Path(node)); err == nil {
		n.t.Fatalf("namespace %s exists already (a previous run leaked it?)", ns)
	}
	n.cmd("ip", "netns", "add", ns)
	n.t.Cleanup(func() {
		// Processes the test started were stopped by their own cleanups
		// (registered later, so run earlier); this kills only what is
		// left in our own namespace.
		if out, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
			for _, pid := range strings.Fields(string(out)) {
				_ = exec.Command("kill", "-9", pid).Run()
			}
		}
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			n.t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	n.IP(node, "link", "set", "lo", "up")
	if forwarding {
		n.Run(node, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
	}
}

// Link joins a:aif and b:bif with a veth pair whose ends are born in their
// namespaces (no name in the host's that two tests could collide on),
// gives them the addresses aAddr and bAddr ("" for none) and sets them up.
// The pair goes with the namespaces.
func (n *Net) Link(a, aif, aAddr, b, bif, bAddr string) {
	n.t.Helper()
	n.IP(a, "link", "add", aif, "type", "veth", "peer", "name", bif, "netns", n.NS(b))
	for _, e := range []struct{ node, iface, addr string }{{a, aif, aAddr}, {b, bif, bAddr}} {
		if e.addr != "" {
			n.IP(e.node, "addr", "add", e.addr, "dev", e.iface)
		}
		n.IP(e.node, "link", "set", e.iface, "up")
	}
}

// IP runs `ip -n NS args…` for node and returns its output; it fails the
// test on error.
func (n *Net) IP(node string, args ...string) string {
	n.t.Helper()
	return n.cmd(append([]string{"ip", "-n", n.NS(node)}, args...)...)
}

// Run runs argv inside node's namespace and returns its output; it fails
// the test on error.
func (n *Net) Run(node string, argv ...string) string {
	n.t.Helper()
	return n.cmd(append([]string{"ip", "netns", "exec", n.NS(node)}, argv...)...)
}

// Command is argv to run inside node's namespace, for the test to start
// and stop itself.
func (n *Net) Command(node string, argv ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.NS(node)}, argv...)...)
}

// Do runs fn on a thread inside node's namespace (inns.Do): sockets fn
// opens stay there.
func (n *Net) Do(node string, fn func() error) error {
	if err := inns.Do(n.Path(node), fn); err != nil {
		return fmt.Errorf("in %s: %w", n.NS(node), err)
	}
	return nil
}

func (n *Net) cmd(argv ...string) string {
	n.t.Helper()
	return Cmd(n.t, argv...)
}

// Cmd runs argv and returns its output; it fails the test with the output
// on error.
func Cmd(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// MakeIn runs open on a thread inside the network namespace named netns
// (inns.Do) and returns what it made: a socket, a listener, a netlink
// handle, all of which stay in that namespace while the test's own thread
// never enters it. It fails the test on error.
func MakeIn[T any](t testing.TB, netns string, open func() (T, error)) T {
	t.Helper()
	var v T
	err := inns.Do(filepath.Join(labpath.NetnsDir, netns), func() (err error) {
		v, err = open()
		return err
	})
	if err != nil {
		t.Fatalf("in %s: %v", netns, err)
	}
	return v
}

// Start runs argv inside node's namespace until the test ends, its output
// in the file logPath, whose last lines the test shows if it failed.
func (n *Net) Start(node, logPath string, argv ...string) *exec.Cmd {
	n.t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := n.Command(node, argv...)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Start()
	f.Close()
	if err != nil {
		n.t.Fatalf("start %v in %s: %v", argv, n.NS(node), err)
	}
	n.t.Cleanup(func() {
		Stop(cmd, 5*time.Second)
		if n.t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 12000 {
				b = append(append(b[:4000:4000], "\n[…]\n"...), b[len(b)-8000:]...)
			}
			n.t.Logf("--- %s (last lines) ---\n%s", filepath.Base(logPath), b)
		}
	})
	return cmd
}

// Stop ends a started process: SIGTERM, then SIGKILL if it has not exited
// within grace. It returns once the process was reaped.
func Stop(cmd *exec.Cmd, grace time.Duration) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}
