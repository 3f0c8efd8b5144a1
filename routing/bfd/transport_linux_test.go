package bfd

// Root tests on real namespaces: two netemu BFD daemons over a veth pair,
// and interop with FRR's bfdd and BIRD. Each test creates its own
// namespaces (unique names, removed by t.Cleanup).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces")
	}
}

// nsLab is a few namespaces one test owns.
type nsLab struct {
	t    *testing.T
	name string
	dir  string
}

func newNSLab(t *testing.T) *nsLab {
	requireRoot(t)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &nsLab{t: t, name: "bfdt" + hex.EncodeToString(b), dir: t.TempDir()}
}

func (l *nsLab) ns(node string) string { return labpath.NetnsName(l.name, node) }

func (l *nsLab) sh(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// node creates a namespace with lo up.
func (l *nsLab) node(node string) {
	l.t.Helper()
	n := l.ns(node)
	l.sh("ip", "netns", "add", n)
	l.t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n).Run() })
	l.sh("ip", "-n", n, "link", "set", "lo", "up")
}

// link joins a:eth0 (aa) and b:eth0 (ba) with a veth pair.
func (l *nsLab) link(a, aa, b, ba string) {
	l.t.Helper()
	l.sh("ip", "-n", l.ns(a), "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", l.ns(b))
	l.sh("ip", "-n", l.ns(a), "addr", "add", aa, "dev", "eth0")
	l.sh("ip", "-n", l.ns(b), "addr", "add", ba, "dev", "eth0")
	l.sh("ip", "-n", l.ns(a), "link", "set", "eth0", "up")
	l.sh("ip", "-n", l.ns(b), "link", "set", "eth0", "up")
}

// daemon runs a netemu BFD daemon whose sockets live in node.
func (l *nsLab) daemon(node string) *Daemon {
	l.t.Helper()
	log := hclog.NewNullLogger()
	if testing.Verbose() {
		log = hclog.New(&hclog.LoggerOptions{Name: node, Level: hclog.Debug})
	}
	var d *Daemon
	err := ns.WithNetNSPath(labpath.NetnsPath(l.name, node), func(ns.NetNS) error {
		var err error
		d, err = New(log, routing.Discard{})
		return err
	})
	if err != nil {
		l.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = d.Run(ctx) }()
	l.t.Cleanup(func() { cancel(); wg.Wait() })
	return d
}

// silence drops every BFD packet in and out of node (nftables in its
// namespace: the carrier stays up, as in a silent failure).
func (l *nsLab) silence(node string, on bool) {
	l.t.Helper()
	if !on {
		l.sh("ip", "netns", "exec", l.ns(node), "nft", "delete", "table", "inet", "bfdtest")
		return
	}
	rules := `table inet bfdtest {
	chain in { type filter hook input priority 0; udp dport { 3784, 4784 } drop; }
	chain out { type filter hook output priority 0; udp dport { 3784, 4784 } drop; }
}
`
	cmd := exec.Command("ip", "netns", "exec", l.ns(node), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft: %v\n%s", err, out)
	}
}

// start runs argv inside node until the test ends; output goes to a log
// shown when the test fails.
func (l *nsLab) start(node, logName string, argv ...string) {
	l.t.Helper()
	logPath := filepath.Join(l.dir, logName)
	f, err := os.Create(logPath)
	if err != nil {
		l.t.Fatal(err)
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", l.ns(node)}, argv...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		l.t.Fatalf("start %v: %v", argv, err)
	}
	f.Close()
	l.t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if l.t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			l.t.Logf("--- %s ---\n%s", logName, b)
		}
	})
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inState waits for the session to be in state st.
func inState(t *testing.T, d *Daemon, k Key, st State, limit time.Duration) SessionStatus {
	t.Helper()
	var s SessionStatus
	waitFor(t, limit, fmt.Sprintf("session %s %s", k, st), func() error {
		var ok bool
		if s, ok = d.Session(k); !ok {
			return errors.New("no such session")
		}
		if s.State != st {
			return fmt.Errorf("state %s (remote %s, diag %s, rx %d, bad %v, daemon's drops %v)", s.State, s.RemoteState, s.LocalDiag, s.RxPackets, s.BadPackets, d.Status().BadPackets)
		}
		return nil
	})
	return s
}

func TestLinuxTwoNamespaces(t *testing.T) {
	l := newNSLab(t)
	l.node("a")
	l.node("b")
	l.link("a", "10.201.0.1/30", "b", "10.201.0.2/30")
	// Loopbacks for a multihop session beside the single-hop one.
	l.sh("ip", "-n", l.ns("a"), "addr", "add", "192.0.2.1/32", "dev", "lo")
	l.sh("ip", "-n", l.ns("b"), "addr", "add", "192.0.2.2/32", "dev", "lo")
	l.sh("ip", "-n", l.ns("a"), "route", "add", "192.0.2.2/32", "via", "10.201.0.2")
	l.sh("ip", "-n", l.ns("b"), "route", "add", "192.0.2.1/32", "via", "10.201.0.1")
	da, db := l.daemon("a"), l.daemon("b")
	timers := func(k Key) SessionConfig {
		return SessionConfig{Key: k, MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 3}
	}
	ka, err := da.Add(timers(Key{Peer: netip.MustParseAddr("10.201.0.2"), Iface: "eth0"}))
	if err != nil {
		t.Fatal(err)
	}
	kb, err := db.Add(timers(Key{Peer: netip.MustParseAddr("10.201.0.1"), Iface: "eth0"}))
	if err != nil {
		t.Fatal(err)
	}
	mha, _ := da.Add(timers(Key{Peer: netip.MustParseAddr("192.0.2.2"), Local: netip.MustParseAddr("192.0.2.1"), Multihop: true}))
	mhb, _ := db.Add(timers(Key{Peer: netip.MustParseAddr("192.0.2.1"), Local: netip.MustParseAddr("192.0.2.2"), Multihop: true}))
	for _, c := range []struct {
		d *Daemon
		k Key
	}{{da, ka}, {db, kb}, {da, mha}, {db, mhb}} {
		inState(t, c.d, c.k, StateUp, 10*time.Second)
	}
	// Packets arrived with TTL 255 from the ephemeral range, or they
	// would have been dropped and counted.
	waitFor(t, 5*time.Second, "fast timers in force", func() error {
		s, _ := db.Session(kb)
		if s.TxInterval != 50*time.Millisecond || s.DetectTime != 150*time.Millisecond || s.Poll {
			return fmt.Errorf("tx %v detect %v poll %v", s.TxInterval, s.DetectTime, s.Poll)
		}
		return nil
	})
	if st := db.Status(); len(st.BadPackets) != 0 {
		t.Fatalf("drops between two netemu daemons: %v", st.BadPackets)
	}

	// A packet from a process in a with the default TTL (64) is dropped
	// on the single-hop port: the GTSM check sees the real TTL.
	s, _ := db.Session(kb)
	a, _ := da.Session(ka)
	forged := (&Packet{Version: 1, State: StateUp, DetectMult: 3, MyDiscr: a.LocalDiscr, YourDiscr: s.LocalDiscr,
		DesiredMinTx: 50_000, RequiredMinRx: 50_000}).Marshal()
	err = ns.WithNetNSPath(labpath.NetnsPath(l.name, "a"), func(ns.NetNS) error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 201, 0, 1), Port: 50001})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.WriteToUDP(forged, &net.UDPAddr{IP: net.IPv4(10, 201, 0, 2), Port: PortSingleHop})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "TTL 64 packet dropped", func() error {
		if s, _ := db.Session(kb); s.BadPackets[ReasonTTL] != 1 {
			return fmt.Errorf("bad packets %v", s.BadPackets)
		}
		return nil
	})

	// Silence a: b declares both sessions Down on detection time expiry.
	l.silence("a", true)
	for _, k := range []Key{kb, mhb} {
		s := inState(t, db, k, StateDown, 5*time.Second)
		if s.LastDownDiag != DiagControlDetectExpired {
			t.Fatalf("%s went down with %s", k, s.LastDownDiag)
		}
	}
	l.silence("a", false)
	inState(t, db, kb, StateUp, 10*time.Second)
	inState(t, da, ka, StateUp, 10*time.Second)

	// AdminDown on a: b goes Down with diag 3 and stays there.
	if err := da.SetAdminDown(ka, true); err != nil {
		t.Fatal(err)
	}
	if s := inState(t, db, kb, StateDown, 5*time.Second); s.LocalDiag != DiagNeighborDown || s.RemoteState != StateAdminDown {
		t.Fatalf("b after a's AdminDown: %+v", s)
	}
	if err := da.SetAdminDown(ka, false); err != nil {
		t.Fatal(err)
	}
	inState(t, db, kb, StateUp, 10*time.Second)
}
