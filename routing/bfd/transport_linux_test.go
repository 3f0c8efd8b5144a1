package bfd

// Root tests on real namespaces: two netemu BFD daemons over a veth pair,
// and interop with FRR's bfdd and BIRD. Each test creates its own
// namespaces (unique names, removed by t.Cleanup).

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/tests/labtest"
)

// nsLab is a few namespaces one test owns (labtest.Net), and the test's
// directory for configs and logs.
type nsLab struct {
	*labtest.Net
	t   *testing.T
	dir string
}

func newNSLab(t *testing.T) *nsLab {
	n := labtest.NewNet(t, labtest.UniqueName("bfdt"))
	return &nsLab{Net: n, t: t, dir: t.TempDir()}
}

// node creates a namespace with lo up.
func (l *nsLab) node(node string) { l.t.Helper(); l.Node(node, false) }

// link joins a:eth0 (aa) and b:eth0 (ba) with a veth pair.
// It returns once both ends have carrier: on a loaded machine the kernel
// raises it late, and what is sent before is lost (and leaves a failed ARP
// entry behind for a while).
func (l *nsLab) link(a, aa, b, ba string) {
	l.t.Helper()
	l.Link(a, "eth0", aa, b, "eth0", ba)
	for _, n := range []string{a, b} {
		waitFor(l.t, 20*time.Second, n+" eth0 carrier", func() error {
			if out := l.IP(n, "link", "show", "eth0"); !strings.Contains(out, "LOWER_UP") {
				return errors.New(out)
			}
			return nil
		})
	}
}

// daemon runs a netemu BFD daemon whose sockets live in node.
func (l *nsLab) daemon(node string) *Daemon {
	l.t.Helper()
	log := hclog.NewNullLogger()
	if testing.Verbose() {
		log = hclog.New(&hclog.LoggerOptions{Name: node, Level: hclog.Debug})
	}
	var d *Daemon
	err := l.Do(node, func() error {
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
	l.drop(node, on, "in", "out")
}

// drop drops BFD packets at node's hooks ("in", "out"), or stops.
func (l *nsLab) drop(node string, on bool, hooks ...string) {
	l.t.Helper()
	if !on {
		l.Run(node, "nft", "delete", "table", "inet", "bfdtest")
		return
	}
	rules := "table inet bfdtest {\n"
	for _, h := range hooks {
		hook := map[string]string{"in": "input", "out": "output"}[h]
		rules += fmt.Sprintf("\tchain %s { type filter hook %s priority 0; udp dport { 3784, 4784 } drop; }\n", h, hook)
	}
	rules += "}\n"
	cmd := l.Command(node, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		l.t.Fatalf("nft: %v\n%s", err, out)
	}
}

// start runs argv inside node until the test ends; output goes to a log
// shown when the test fails.
func (l *nsLab) start(node, logName string, argv ...string) {
	l.t.Helper()
	l.Start(node, filepath.Join(l.dir, logName), argv...)
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() error) {
	t.Helper()
	labtest.Eventually(t, limit, labtest.Named(what, cond))
}

// describe is a session's status for a failure message (%v would print
// only the embedded Key).
func describe(s SessionStatus) string {
	return fmt.Sprintf("%s: %s (remote %s), diag %s, last down %s, %d downs, tx %v, detect %v, rx %d, sent %d, bad %v",
		s.Key, s.State, s.RemoteState, s.LocalDiag, s.LastDownDiag, s.Downs, s.TxInterval, s.DetectTime, s.RxPackets, s.TxPackets, s.BadPackets)
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
			return fmt.Errorf("%s; daemon's drops %v", describe(s), d.Status().BadPackets)
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
	l.IP("a", "addr", "add", "192.0.2.1/32", "dev", "lo")
	l.IP("b", "addr", "add", "192.0.2.2/32", "dev", "lo")
	l.IP("a", "route", "add", "192.0.2.2/32", "via", "10.201.0.2")
	l.IP("b", "route", "add", "192.0.2.1/32", "via", "10.201.0.1")
	da, db := l.daemon("a"), l.daemon("b")
	timers := func(k Key) SessionConfig {
		return SessionConfig{Key: k, MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 5}
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
		inState(t, c.d, c.k, StateUp, 20*time.Second)
	}
	// Packets arrived with TTL 255 from the ephemeral range, or they
	// would have been dropped and counted.
	waitFor(t, 5*time.Second, "fast timers in force", func() error {
		s, _ := db.Session(kb)
		if s.TxInterval != 50*time.Millisecond || s.DetectTime != 250*time.Millisecond || s.Poll {
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
	err = l.Do("a", func() error {
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
			t.Fatalf("went down with %s: %s", s.LastDownDiag, describe(s))
		}
	}
	l.silence("a", false)
	inState(t, db, kb, StateUp, 10*time.Second)
	inState(t, da, ka, StateUp, 10*time.Second)

	// One-way loss: a's packets are lost, b's still arrive. b detects it
	// (diag 1), a learns it from b's Down (diag 3); neither comes Up while
	// it lasts.
	sa0, _ := da.Session(ka)
	sb0, _ := db.Session(kb)
	if sa0.State != StateUp || sb0.State != StateUp {
		t.Fatalf("before the one-way loss: a %s; b %s", describe(sa0), describe(sb0))
	}
	downsA, downsB := sa0.Downs, sb0.Downs
	l.drop("a", true, "out")
	waitFor(t, 5*time.Second, "both Down after one-way loss", func() error {
		sa, _ := da.Session(ka)
		sb, _ := db.Session(kb)
		if sa.Downs <= downsA || sb.Downs <= downsB || sa.State == StateUp || sb.State == StateUp {
			return fmt.Errorf("a %s; b %s", describe(sa), describe(sb))
		}
		return nil
	})
	if sb, _ := db.Session(kb); sb.LastDownDiag != DiagControlDetectExpired {
		t.Errorf("b went down with %s", sb.LastDownDiag)
	}
	if sa, _ := da.Session(ka); sa.LastDownDiag != DiagNeighborDown {
		t.Errorf("a went down with %s", sa.LastDownDiag)
	}
	// While b sends several more packets (at the slow 1 s rate, many
	// detection times), neither comes back Up.
	for i := 0; i < 3; i++ {
		sa, _ := da.Session(ka)
		sb, _ := db.Session(kb)
		if sa.State == StateUp || sb.State == StateUp {
			t.Fatalf("Up across a one-way link: a %s; b %s", describe(sa), describe(sb))
		}
		before := sb.TxPackets
		waitFor(t, 5*time.Second, "b keeps sending", func() error {
			if s, _ := db.Session(kb); s.TxPackets < before+2 {
				return fmt.Errorf("b sent %d", s.TxPackets-before)
			}
			return nil
		})
	}
	l.drop("a", false)
	inState(t, db, kb, StateUp, 10*time.Second)
	inState(t, da, ka, StateUp, 10*time.Second)

	// AdminDown on a: b goes Down with diag 3 and stays there.
	if err := da.SetAdminDown(ka, true); err != nil {
		t.Fatal(err)
	}
	if s := inState(t, db, kb, StateDown, 5*time.Second); s.LocalDiag != DiagNeighborDown || s.RemoteState != StateAdminDown {
		t.Fatalf("b after a's AdminDown: %s", describe(s))
	}
	if err := da.SetAdminDown(ka, false); err != nil {
		t.Fatal(err)
	}
	inState(t, db, kb, StateUp, 10*time.Second)
}
