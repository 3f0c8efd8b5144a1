package tests

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/tests/labtest"
)

// The interop lab: FRR's ripd — netemu — BIRD, plus a namespace x that
// speaks no RIP and sends bad packets.
//
//	f (FRR)  eth0 10.10.1.1/30 ── eth0 10.10.1.2/30  n (netemu)  eth1 10.10.2.1/30 ── eth0 10.10.2.2/30  b (BIRD)
//	lo 10.255.0.1                 lo 10.255.0.2                   eth2 10.10.3.1/30 ── eth0 10.10.3.2/30  x
//	                                                               BIRD originates 10.255.0.3/32 (static)
const (
	ripFRRLo    = "10.255.0.1/32"
	ripNetemuLo = "10.255.0.2/32"
	ripBIRDPfx  = "10.255.0.3/32"
)

func ripFRRConf(auth *rip.Auth) string {
	var b strings.Builder
	b.WriteString("hostname f\nlog stdout debugging\ndebug rip events\ndebug rip packet\n")
	switch {
	case auth != nil && auth.Type == "md5":
		fmt.Fprintf(&b, "key chain netemu\n key %d\n  key-string %s\n exit\nexit\n", auth.KeyID, auth.Key)
		b.WriteString("interface eth0\n ip rip authentication mode md5\n ip rip authentication key-chain netemu\nexit\n")
	case auth != nil:
		fmt.Fprintf(&b, "interface eth0\n ip rip authentication mode text\n ip rip authentication string %s\nexit\n", auth.Key)
	}
	b.WriteString("router rip\n version 2\n network eth0\n redistribute connected\n timers basic 5 30 20\nexit\n")
	return b.String()
}

func ripBIRDConf(auth *rip.Auth) string {
	a := ""
	switch {
	case auth != nil && auth.Type == "md5":
		a = fmt.Sprintf(`authentication cryptographic; password "%s" { id %d; algorithm keyed md5; };`, auth.Key, auth.KeyID)
	case auth != nil:
		a = fmt.Sprintf(`authentication plaintext; password "%s";`, auth.Key)
	}
	return `router id 10.255.0.3;
log stderr all;
debug protocols { states, routes };
protocol device { scan time 1; }
protocol direct { ipv4; interface "eth0"; }
protocol static { ipv4; route ` + ripBIRDPfx + ` blackhole; }
protocol kernel { ipv4 { import none; export where source = RTS_RIP; }; }
protocol rip rip1 {
	ipv4 { import all; export all; };
	interface "eth0" { version 2; update time 5; timeout time 30; garbage time 20; ` + a + ` };
}
`
}

// frrMetric is the metric FRR's `show ip rip` gives prefix (0: absent).
func frrMetric(out, prefix string) int {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == prefix {
			m, _ := strconv.Atoi(f[3])
			return m
		}
	}
	return 0
}

var birdMetricRE = regexp.MustCompile(`(?m)^\s*rip_metric:\s*(\d+)|\(\d+/(\d+)\)`)

// birdMetric is the RIP metric of BIRD's route to prefix (0: absent).
func birdMetric(birdc func(string) (string, error), prefix string) (int, string) {
	out, err := birdc("show route " + prefix + " all")
	if err != nil || !strings.Contains(out, prefix) {
		return 0, out
	}
	m := birdMetricRE.FindStringSubmatch(out)
	if m == nil {
		return 0, out
	}
	s := m[1]
	if s == "" {
		s = m[2]
	}
	v, _ := strconv.Atoi(s)
	return v, out
}

func TestRIPInteropFRRBIRD(t *testing.T) {
	ripInterop(t, nil)
}

func TestRIPInteropMD5(t *testing.T) {
	ripInterop(t, &rip.Auth{Type: "md5", Key: "s3cret", KeyID: 1})
}

func TestRIPInteropPlain(t *testing.T) {
	ripInterop(t, &rip.Auth{Type: "plain", Key: "pl4in"})
}

func ripInterop(t *testing.T, auth *rip.Auth) {
	l := newRIPLab(t, "ripio")
	l.node("f", ripFRRLo)
	l.node("n", ripNetemuLo)
	l.node("b")
	l.node("x")
	l.link("f", "eth0", "10.10.1.1/30", "n", "eth0", "10.10.1.2/30")
	l.link("n", "eth1", "10.10.2.1/30", "b", "eth0", "10.10.2.2/30")
	l.link("n", "eth2", "10.10.3.1/30", "x", "eth0", "10.10.3.2/30")

	vtysh := l.frr("f", ripFRRConf(auth))
	birdc := l.bird("b", ripBIRDConf(auth))
	c := l.agent("n", ripAgentConfig(ripNetemuLo, auth, "eth0=10.10.1.2/30", "eth1=10.10.2.1/30", "eth2=10.10.3.1/30"))

	// netemu's kernel table: both peers' prefixes, proto rip, metric 2.
	labtest.Eventually(t, 20*time.Second, labtest.Named("netemu learns FRR's and BIRD's prefixes", func() error {
		if err := wantLine(l.kernelRoute("n", ripFRRLo), "via 10.10.1.1", "dev eth0", "proto rip", "metric 2"); err != nil {
			return err
		}
		return wantLine(l.kernelRoute("n", ripBIRDPfx), "via 10.10.2.2", "dev eth1", "proto rip", "metric 2")
	}))
	// FRR's own view: netemu's loopback at 2, BIRD's prefix through
	// netemu at 3, and its kernel got them from zebra.
	labtest.Eventually(t, 20*time.Second, labtest.Named("FRR learns from netemu", func() error {
		out, err := vtysh("show ip rip")
		if err != nil {
			return err
		}
		for p, m := range map[string]int{ripNetemuLo: 2, ripBIRDPfx: 3, "10.10.2.0/30": 2} {
			if got := frrMetric(out, p); got != m {
				return fmt.Errorf("FRR %s metric %d, want %d:\n%s", p, got, m, out)
			}
		}
		return wantLine(l.kernelRoute("f", ripBIRDPfx), "via 10.10.1.2", "proto rip")
	}))
	// BIRD's own view.
	labtest.Eventually(t, 20*time.Second, labtest.Named("BIRD learns from netemu", func() error {
		for p, m := range map[string]int{ripNetemuLo: 2, ripFRRLo: 3, "10.10.1.0/30": 2} {
			if got, out := birdMetric(birdc, p); got != m {
				return fmt.Errorf("BIRD %s metric %d, want %d:\n%s", p, got, m, out)
			}
		}
		return wantLine(l.kernelRoute("b", ripFRRLo), "via 10.10.2.1", "proto bird")
	}))
	st, err := c.RIP(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"10.10.1.1", "10.10.2.2"} {
		found := false
		for _, nb := range st.Neighbours {
			if nb.Address.String() == want && nb.Up {
				found = true
				bad := maps.Clone(nb.BadPackets)
				if auth != nil {
					// FRR's ripd sends its start-up Request without
					// authentication (rip_request_send); we drop it.
					delete(bad, rip.ReasonAuthMissing)
				}
				if len(bad) != 0 {
					t.Errorf("neighbour %s has bad packets %v", want, nb.BadPackets)
				}
			}
		}
		if !found {
			t.Errorf("neighbour %s not up in %+v", want, st.Neighbours)
		}
	}

	// Cut netemu–BIRD: netemu withdraws at once, FRR hears the poison in
	// a triggered update, BIRD drops what it learned on the dead link.
	l.net.IP("n", "link", "set", "eth1", "down")
	labtest.Eventually(t, 5*time.Second, labtest.Named("netemu withdraws BIRD's prefix", func() error {
		if r := l.kernelRoute("n", ripBIRDPfx); r != "" {
			return errors.New(r)
		}
		return nil
	}))
	labtest.Eventually(t, 10*time.Second, labtest.Named("FRR withdraws BIRD's prefix", func() error {
		out, err := vtysh("show ip rip")
		if err != nil {
			return err
		}
		if m := frrMetric(out, ripBIRDPfx); m != 0 && m != 16 {
			return fmt.Errorf("metric %d:\n%s", m, out)
		}
		if r := l.kernelRoute("f", ripBIRDPfx); r != "" {
			return fmt.Errorf("FRR's kernel: %s", r)
		}
		return nil
	}))
	labtest.Eventually(t, 10*time.Second, labtest.Named("BIRD withdraws FRR's prefix", func() error {
		if m, out := birdMetric(birdc, ripFRRLo); m != 0 && m != 16 {
			return fmt.Errorf("metric %d:\n%s", m, out)
		}
		return nil
	}))
	// Restore: everything comes back.
	l.net.IP("n", "link", "set", "eth1", "up")
	labtest.Eventually(t, 20*time.Second, labtest.Named("routes back after link up", func() error {
		if err := wantLine(l.kernelRoute("n", ripBIRDPfx), "proto rip", "metric 2"); err != nil {
			return err
		}
		out, _ := vtysh("show ip rip")
		if m := frrMetric(out, ripBIRDPfx); m != 3 {
			return fmt.Errorf("FRR metric %d:\n%s", m, out)
		}
		if m, out := birdMetric(birdc, ripFRRLo); m != 3 {
			return fmt.Errorf("BIRD metric %d:\n%s", m, out)
		}
		return nil
	}))

	if auth == nil {
		ripBadPackets(t, l, c)
	} else {
		// A packet without the key from x is refused and counted.
		ripSendFrom(t, l.ns("x"), "10.10.3.2:520", "10.10.3.1:520", ripResponse(2, "203.0.113.0/24", "0.0.0.0", 1))
		labtest.Eventually(t, 5*time.Second, labtest.Named("unauthenticated packet counted", func() error {
			return ripWantBad(c, "10.10.3.2", rip.ReasonAuthMissing)
		}))
		if r := l.kernelRoute("n", "203.0.113.0/24"); r != "" {
			t.Errorf("unauthenticated route installed: %s", r)
		}
	}
}

// ripResponse is an encoded Response with one entry.
func ripResponse(version uint8, prefix, nextHop string, metric uint32) []byte {
	p := netip.MustParsePrefix(prefix)
	return rip.Encode(&rip.Packet{Command: rip.Response, Version: version, Entries: []rip.Entry{{
		AFI: rip.AFIInet, Addr: p.Addr(), Mask: rip.MaskOf(p.Bits()), NextHop: netip.MustParseAddr(nextHop), Metric: metric,
	}}})
}

// ripSendFrom sends b from src to dst inside the namespace ns: the socket
// is made inside it (and stays there), the test's thread never enters it.
func ripSendFrom(t *testing.T, ns, src, dst string, b []byte) {
	t.Helper()
	conn := labtest.MakeIn(t, ns, func() (*net.UDPConn, error) {
		return net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(src)))
	})
	_, err := conn.WriteToUDPAddrPort(b, netip.MustParseAddrPort(dst))
	// Closed before the caller goes on: the next send binds the same port.
	conn.Close()
	if err != nil {
		t.Fatalf("send from %s in %s: %v", src, ns, err)
	}
}

func ripWantBad(c interface {
	RIP(context.Context) (*rip.Status, error)
}, from string, reason rip.Reason) error {
	st, err := c.RIP(context.Background())
	if err != nil {
		return err
	}
	for _, nb := range st.Neighbours {
		if nb.Address.String() == from {
			if nb.BadPackets[reason] > 0 {
				return nil
			}
			return fmt.Errorf("neighbour %s: bad packets %v, want %s", from, nb.BadPackets, reason)
		}
	}
	return fmt.Errorf("no neighbour %s in %+v", from, st.Neighbours)
}

func ripBadPackets(t *testing.T, l *ripLab, c interface {
	RIP(context.Context) (*rip.Status, error)
}) {
	x := l.ns("x")
	const bad = "203.0.113.0/24"
	unknownAFI := ripResponse(2, bad, "0.0.0.0", 1)
	unknownAFI[5] = 7
	cases := []struct {
		src    string
		b      []byte
		reason rip.Reason
	}{
		{"10.10.3.2:520", ripResponse(1, bad, "0.0.0.0", 1), rip.ReasonV1},
		{"10.10.3.2:520", ripResponse(2, bad, "0.0.0.0", 0), rip.ReasonMetric},
		{"10.10.3.2:520", ripResponse(2, bad, "0.0.0.0", 17), rip.ReasonMetric},
		// Counted, but the entry stands with the sender as next hop
		// (RFC 2453 §4.4): checked below.
		{"10.10.3.2:520", ripResponse(2, "198.18.0.0/15", "192.0.2.99", 1), rip.ReasonNextHop},
		{"10.10.3.2:520", ripResponse(2, "127.0.0.0/8", "0.0.0.0", 1), rip.ReasonDest},
		{"10.10.3.2:520", unknownAFI, rip.ReasonAFI},
		{"10.10.3.2:520", []byte{2, 2, 0, 0, 0, 2, 0}, rip.ReasonLength},
		{"10.10.3.2:4000", ripResponse(2, bad, "0.0.0.0", 1), rip.ReasonSourcePort},
	}
	for _, cs := range cases {
		ripSendFrom(t, x, cs.src, "10.10.3.1:520", cs.b)
		labtest.Eventually(t, 5*time.Second, labtest.Named("bad packet counted: "+string(cs.reason), func() error {
			return ripWantBad(c, "10.10.3.2", cs.reason)
		}))
	}
	// A good packet from x afterwards is believed: the bad ones were
	// dropped, not the neighbour.
	ripSendFrom(t, x, "10.10.3.2:520", "10.10.3.1:520", ripResponse(2, "198.51.100.0/24", "0.0.0.0", 1))
	labtest.Eventually(t, 5*time.Second, labtest.Named("good packet from x installed", func() error {
		return wantLine(l.kernelRoute("n", "198.51.100.0/24"), "via 10.10.3.2", "proto rip", "metric 2")
	}))
	if r := l.kernelRoute("n", bad); r != "" {
		t.Errorf("bad route in the kernel: %s", r)
	}
	if err := wantLine(l.kernelRoute("n", "198.18.0.0/15"), "via 10.10.3.2", "proto rip", "metric 2"); err != nil {
		t.Errorf("off-link next hop not replaced by the sender: %v", err)
	}
	// A RIP-1 Response (no mask: class C inferred) is believed too.
	v1 := rip.Encode(&rip.Packet{Command: rip.Response, Version: 1, Entries: []rip.Entry{{AFI: rip.AFIInet,
		Addr: netip.MustParseAddr("192.0.2.0"), Mask: netip.IPv4Unspecified(), NextHop: netip.IPv4Unspecified(), Metric: 1}}})
	ripSendFrom(t, x, "10.10.3.2:520", "10.10.3.1:520", v1)
	labtest.Eventually(t, 5*time.Second, labtest.Named("RIP-1 route installed", func() error {
		return wantLine(l.kernelRoute("n", "192.0.2.0/24"), "via 10.10.3.2", "proto rip", "metric 2")
	}))
}
