package tests

// BGP interop: netemu's BGP daemon (run by the real agent in its own
// namespace) peers with BIRD 2, FRR's bgpd and GoBGP, each in its own
// namespace. Everything is checked in the peer's own view and in netemu's
// RIB and kernel table.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/tests/labtest"
	"github.com/netemu/netemu/topo"
)

var bgpTimers = topo.Timers{BGPHold: 9 * time.Second, BGPKeepalive: 3 * time.Second, BGPConnectRetry: time.Second}

// bgpAgent starts netemu's agent in node with a BGP config.
func (l *ripLab) bgpAgent(node string, ifaces []agent.Interface, bc *bgp.Config) *agent.Client {
	l.t.Helper()
	for i := range bc.Peers {
		p := &bc.Peers[i]
		p.LocalAS, p.RouterID = bc.ASN, bc.RouterID
		p.Hold, p.Keepalive, p.ConnectRetry = bgpTimers.BGPHold, bgpTimers.BGPKeepalive, bgpTimers.BGPConnectRetry
	}
	bc.Node = node
	return l.agent(node, &agent.Config{Timers: bgpTimers, Interfaces: ifaces, BGP: bc})
}

func bgpStatus(c *agent.Client) (*bgp.Status, error) {
	var s bgp.Status
	err := c.Get(context.Background(), "/bgp", &s)
	return &s, err
}

func bgpRoutes(c *agent.Client, prefix string) ([]bgp.RouteStatus, error) {
	var rs []bgp.RouteStatus
	err := c.Get(context.Background(), "/bgp/routes?prefix="+prefix, &rs)
	return rs, err
}

// bestRoute returns netemu's best path for prefix.
func bestRoute(c *agent.Client, prefix string) (*bgp.RouteStatus, error) {
	rs, err := bgpRoutes(c, prefix)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Best {
			return &rs[i], nil
		}
	}
	return nil, fmt.Errorf("no best path for %s in %+v", prefix, rs)
}

func established(c *agent.Client, peer string) error {
	s, err := bgpStatus(c)
	if err != nil {
		return err
	}
	for _, p := range s.Peers {
		if p.Addr.String() == peer {
			if p.State != "Established" {
				return fmt.Errorf("session with %s is %s (%s)", peer, p.State, p.LastError)
			}
			return nil
		}
	}
	return fmt.Errorf("no peer %s", peer)
}

func peerStatus(c *agent.Client, peer string) bgp.PeerStatus {
	s, _ := bgpStatus(c)
	for _, p := range s.Peers {
		if p.Addr.String() == peer {
			return p
		}
	}
	return bgp.PeerStatus{}
}

// frrBGP runs zebra and bgpd in node (state under the test's directory,
// owned by frr); it returns a vtysh runner.
func (l *ripLab) frrBGP(node, conf string) func(cmd string) (string, error) {
	l.t.Helper()
	return l.frrDaemon(node, "bgpd", conf, "show bgp summary")
}

// gobgp runs gobgpd in node with its API on 127.0.0.1:port inside the
// namespace; it returns a gobgp CLI runner (also run inside it).
func (l *ripLab) gobgp(node, conf string, port int) func(args ...string) (string, error) {
	l.t.Helper()
	if _, err := exec.LookPath("gobgpd"); err != nil {
		l.t.Skip("gobgpd not installed")
	}
	dir := filepath.Join(l.dir, "gobgp-"+node)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	cf := filepath.Join(dir, "gobgpd.toml")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		l.t.Fatal(err)
	}
	api := "127.0.0.1:" + strconv.Itoa(port)
	l.start(node, node+"-gobgpd.log", 0, "gobgpd", "-f", cf, "--api-hosts", api, "--disable-stdlog", "-l", "info")
	run := func(args ...string) (string, error) {
		argv := append([]string{"netns", "exec", l.ns(node), "gobgp", "-u", "127.0.0.1", "-p", strconv.Itoa(port)}, args...)
		out, err := exec.Command("ip", argv...).CombinedOutput()
		return string(out), err
	}
	l.waitAnswers("gobgpd", func() (string, error) { return run("global") })
	return run
}

// TestBGPInterop: BIRD (AS 4200000001, a 4-octet ASN), FRR (AS 65003) and
// GoBGP (AS 65004) around netemu (AS 65001). Prefixes, AS_PATH, MED,
// communities and large communities cross both ways; withdrawals cross;
// route refresh works both ways. FRR's shutdown message ends the test.
func TestBGPInterop(t *testing.T) {
	l := newRIPLab(t, "bgpx")
	l.node("ne")
	l.node("bird")
	l.node("frr")
	l.node("gobgp")
	l.link("ne", "eth0", "10.20.1.1/30", "bird", "eth0", "10.20.1.2/30")
	l.link("ne", "eth1", "10.20.2.1/30", "frr", "eth0", "10.20.2.2/30")
	l.link("ne", "eth2", "10.20.3.1/30", "gobgp", "eth0", "10.20.3.2/30")

	birdc := l.bird("bird", `
router id 10.20.1.2;
protocol device {}
protocol static s4 { ipv4; route 10.2.0.0/16 blackhole; }
protocol bgp up1 {
  local 10.20.1.2 as 4200000001;
  neighbor 10.20.1.1 as 65001;
  hold time 9; keepalive time 3; connect retry time 1;
  ipv4 {
    import all;
    export filter {
      if proto = "s4" then {
        bgp_med = 77;
        bgp_community.add((64999,5));
        bgp_large_community.add((4200000001,1,2));
      }
      accept;
    };
  };
}
`)
	vtysh := l.frrBGP("frr", `hostname frr
log stdout debugging
router bgp 65003
 bgp router-id 10.20.2.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 3 9
 neighbor 10.20.2.1 remote-as 65001
 neighbor 10.20.2.1 timers connect 1
 address-family ipv4 unicast
  network 10.3.0.0/16 route-map SETATTR
 exit-address-family
!
route-map SETATTR permit 10
 set metric 33
 set community 65003:9
 set large-community 65003:1:1
!
`)
	gobgp := l.gobgp("gobgp", `
[global.config]
  as = 65004
  router-id = "10.20.3.2"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.20.3.1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
`, 50051)

	one := func(v uint32) *uint32 { return &v }
	c := l.bgpAgent("ne", []agent.Interface{
		{Name: "eth0", Addr: netip.MustParsePrefix("10.20.1.1/30")},
		{Name: "eth1", Addr: netip.MustParsePrefix("10.20.2.1/30")},
		{Name: "eth2", Addr: netip.MustParsePrefix("10.20.3.1/30")},
	}, &bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("10.20.1.1"),
		Originate:   []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")},
		PrefixLists: []*bgp.PrefixList{{Name: "own", Entries: []bgp.PrefixListEntry{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Action: "permit"}}}},
		Policies: []*bgp.Policy{{Name: "out", Default: "accept", Terms: []bgp.PolicyTerm{
			{Name: "own", PrefixList: "own", Action: "accept", SetMED: one(50), AddCommunities: []string{"65001:7"}}}}},
		Peers: []bgp.PeerConfig{
			{Name: "bird", PeerAS: 4200000001, LocalAddr: netip.MustParseAddr("10.20.1.1"), PeerAddr: netip.MustParseAddr("10.20.1.2"), Iface: "eth0", Export: "out"},
			{Name: "frr", PeerAS: 65003, LocalAddr: netip.MustParseAddr("10.20.2.1"), PeerAddr: netip.MustParseAddr("10.20.2.2"), Iface: "eth1", Export: "out"},
			{Name: "gobgp", PeerAS: 65004, LocalAddr: netip.MustParseAddr("10.20.3.1"), PeerAddr: netip.MustParseAddr("10.20.3.2"), Iface: "eth2", Export: "out"},
		},
	})

	for _, peer := range []string{"10.20.1.2", "10.20.2.2", "10.20.3.2"} {
		labtest.Eventually(t, 30*time.Second, labtest.Named("session with "+peer, func() error { return established(c, peer) }))
	}
	if out, err := gobgp("global", "rib", "add", "-a", "ipv4", "10.4.0.0/16", "med", "44", "community", "65004:4", "large-community", "65004:1:1"); err != nil {
		t.Fatalf("gobgp rib add: %v %s", err, out)
	}

	// Peers → netemu: RIB attributes and kernel routes.
	type want struct {
		prefix, path, gw string
		med              uint32
		comm, large      string
	}
	for _, w := range []want{
		{"10.2.0.0/16", "4200000001", "10.20.1.2", 77, "64999:5", "4200000001:1:2"},
		{"10.3.0.0/16", "65003", "10.20.2.2", 33, "65003:9", "65003:1:1"},
		{"10.4.0.0/16", "65004", "10.20.3.2", 44, "65004:4", "65004:1:1"},
	} {
		labtest.Eventually(t, 20*time.Second, labtest.Named("netemu learns "+w.prefix, func() error {
			r, err := bestRoute(c, w.prefix)
			if err != nil {
				return err
			}
			if r.ASPath != w.path || r.MED == nil || *r.MED != w.med || strings.Join(r.Comms, " ") != w.comm || strings.Join(r.Large, " ") != w.large {
				return fmt.Errorf("path %q med %v comms %v large %v", r.ASPath, r.MED, r.Comms, r.Large)
			}
			return nil
		}))
		labtest.Eventually(t, 10*time.Second, labtest.Named(w.prefix+" in netemu's kernel", func() error {
			return wantLine(l.kernelRoute("ne", w.prefix), w.prefix, "via "+w.gw, "proto bgp", "metric 20")
		}))
	}

	// netemu → BIRD: own prefix with policy MED/community; FRR's route
	// passed on with its communities and large communities.
	labtest.Eventually(t, 20*time.Second, labtest.Named("BIRD's view", func() error {
		out, err := birdc("show route all 10.1.0.0/16")
		if err != nil {
			return err
		}
		if err := labtest.ContainsAll(out, "BGP.as_path: 65001", "BGP.med: 50", "(65001,7)"); err != nil {
			return err
		}
		out, _ = birdc("show route all 10.3.0.0/16")
		if err := labtest.ContainsAll(out, "BGP.as_path: 65001 65003", "(65003,9)", "(65003, 1, 1)"); err != nil {
			return err
		}
		if strings.Contains(out, "BGP.med") {
			return fmt.Errorf("MED of another AS passed on:\n%s", out)
		}
		return nil
	}))
	// netemu → FRR: BIRD's 4-octet path and its communities.
	labtest.Eventually(t, 20*time.Second, labtest.Named("FRR's view", func() error {
		out, err := vtysh("show bgp ipv4 unicast 10.2.0.0/16")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		if err := labtest.ContainsAll(out, "65001 4200000001", "Community: 64999:5", "Large Community: 4200000001:1:2"); err != nil {
			return err
		}
		out, _ = vtysh("show bgp ipv4 unicast 10.1.0.0/16")
		return labtest.ContainsAll(out, "65001", "metric 50", "Community: 65001:7")
	}))
	// netemu → GoBGP.
	labtest.Eventually(t, 20*time.Second, labtest.Named("GoBGP's view", func() error {
		out, err := gobgp("global", "rib", "-a", "ipv4", "-j")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		for _, s := range []string{`"10.1.0.0/16"`, `"10.2.0.0/16"`, `"10.3.0.0/16"`, `4200000001`} {
			if !strings.Contains(out, s) {
				return fmt.Errorf("no %s in:\n%s", s, out)
			}
		}
		return nil
	}))

	// Route refresh, peer → netemu: FRR asks, netemu answers, FRR keeps
	// the routes.
	before := peerStatus(c, "10.20.2.2").RefreshIn
	if out, err := vtysh("clear bgp ipv4 unicast 10.20.2.1 soft in"); err != nil {
		t.Fatalf("clear soft in: %v %s", err, out)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("netemu receives FRR's ROUTE-REFRESH", func() error {
		if n := peerStatus(c, "10.20.2.2").RefreshIn; n <= before {
			return fmt.Errorf("refreshes received %d", n)
		}
		return nil
	}))
	// netemu → peers: they answer with their routes again.
	updBefore := peerStatus(c, "10.20.1.2").UpdatesIn
	var res map[string]string
	if err := c.Get(context.Background(), "/bgp/refresh", &res); err != nil {
		t.Fatal(err)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("BIRD answers netemu's ROUTE-REFRESH", func() error {
		if n := peerStatus(c, "10.20.1.2").UpdatesIn; n <= updBefore {
			return fmt.Errorf("updates received %d", n)
		}
		return nil
	}))
	if err := established(c, "10.20.2.2"); err != nil {
		t.Fatal(err)
	}

	// Withdrawals: BIRD's prefix leaves netemu's kernel, FRR and GoBGP.
	if out, err := birdc("disable s4"); err != nil {
		t.Fatalf("birdc disable: %v %s", err, out)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawal in netemu's kernel", func() error {
		return noLine(l.kernelRoute("ne", "10.2.0.0/16"), "10.2.0.0/16")
	}))
	labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawal reaches FRR", func() error {
		out, _ := vtysh("show bgp ipv4 unicast 10.2.0.0/16")
		if !strings.Contains(out, "not in table") {
			return fmt.Errorf("still there:\n%s", out)
		}
		return nil
	}))
	labtest.Eventually(t, 10*time.Second, labtest.Named("withdrawal reaches GoBGP", func() error {
		out, _ := gobgp("global", "rib", "-a", "ipv4", "-j")
		return noLine(out, `"10.2.0.0/16"`)
	}))
	// GoBGP's withdrawal reaches BIRD.
	if out, err := gobgp("global", "rib", "del", "-a", "ipv4", "10.4.0.0/16"); err != nil {
		t.Fatalf("gobgp rib del: %v %s", err, out)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("GoBGP's withdrawal reaches BIRD", func() error {
		out, _ := birdc("show route 10.4.0.0/16")
		return noLine(out, "10.4.0.0/16")
	}))
	labtest.Eventually(t, 10*time.Second, labtest.Named("GoBGP's withdrawal leaves netemu's kernel", func() error {
		return noLine(l.kernelRoute("ne", "10.4.0.0/16"), "10.4.0.0/16")
	}))

	// FRR's shutdown communication (RFC 9003) shows in netemu's LAST
	// ERROR for the peer.
	if out, err := vtysh("configure terminal\nrouter bgp 65003\nneighbor 10.20.2.1 shutdown message planned maintenance"); err != nil {
		t.Fatalf("frr shutdown: %v %s", err, out)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("FRR's shutdown message in LAST ERROR", func() error {
		if e := peerStatus(c, "10.20.2.2").LastError; !strings.Contains(e, `administrative shutdown: "planned maintenance"`) {
			return fmt.Errorf("last error %q", e)
		}
		return nil
	}))
}

// dialFrom opens a TCP connection from inside namespace ns; the socket
// stays there.
func dialFrom(t *testing.T, ns, target string) net.Conn {
	t.Helper()
	return labtest.MakeIn(t, ns, func() (net.Conn, error) { return net.DialTimeout("tcp4", target, 5*time.Second) })
}

// TestBGPBadOpen sends crafted OPENs from a raw TCP client: a wrong AS, a
// bad version and a bad hold time each get the right NOTIFICATION.
func TestBGPBadOpen(t *testing.T) {
	l := newRIPLab(t, "bgpo")
	l.node("ne")
	l.node("raw")
	l.link("ne", "eth0", "10.21.0.1/30", "raw", "eth0", "10.21.0.2/30")
	c := l.bgpAgent("ne", []agent.Interface{{Name: "eth0", Addr: netip.MustParsePrefix("10.21.0.1/30")}}, &bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("10.21.0.1"),
		Peers: []bgp.PeerConfig{{Name: "raw", PeerAS: 65010, LocalAddr: netip.MustParseAddr("10.21.0.1"),
			PeerAddr: netip.MustParseAddr("10.21.0.2"), Iface: "eth0", Passive: true}},
	})
	id := netip.MustParseAddr("10.21.0.2")
	cases := []struct {
		name string
		open *wire.Open
		sub  uint8
	}{
		{"wrong AS", wire.NewOpen(65099, 9, id), wire.ErrOpenBadPeerAS},
		{"bad version", func() *wire.Open { o := wire.NewOpen(65010, 9, id); o.Version = 3; return o }(), wire.ErrOpenUnsupportedVersion},
		{"bad hold time", wire.NewOpen(65010, 2, id), wire.ErrOpenUnacceptableHold},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conn net.Conn
			// The session may still be backing off from the previous case.
			labtest.Eventually(t, 10*time.Second, labtest.Named("netemu accepts the connection", func() error {
				conn = dialFrom(t, l.ns("raw"), "10.21.0.1:179")
				conn.SetDeadline(time.Now().Add(3 * time.Second))
				if _, err := wire.ReadMessage(conn, wire.Options{}); err != nil {
					conn.Close()
					return err
				}
				return nil
			}))
			defer conn.Close()
			b, err := wire.EncodeMessage(tc.open, wire.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(b); err != nil {
				t.Fatal(err)
			}
			for {
				m, err := wire.ReadMessage(conn, wire.Options{})
				if err != nil {
					t.Fatalf("no NOTIFICATION: %v", err)
				}
				if n, ok := m.(*wire.Notification); ok {
					if n.Code != wire.ErrOpen || n.Subcode != tc.sub {
						t.Fatalf("NOTIFICATION %v, want 2/%d", n, tc.sub)
					}
					return
				}
			}
		})
	}
	// A good OPEN establishes.
	conn := dialFrom(t, l.ns("raw"), "10.21.0.1:179")
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := wire.ReadMessage(conn, wire.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []wire.Message{wire.NewOpen(65010, 9, id), &wire.Keepalive{}} {
		b, _ := wire.EncodeMessage(m, wire.Options{})
		conn.Write(b)
	}
	labtest.Eventually(t, 10*time.Second, labtest.Named("raw peer established", func() error { return established(c, "10.21.0.2") }))
}
