package tests

// Route reflection (RFC 4456) against FRR's bgpd and BIRD 2: netemu's
// speaker reflects between an FRR client and a BIRD client, and is itself
// a client of an FRR reflector with a BIRD client beside it. Sessions run
// over the links (no IGP): static routes reach the far clients' next hops.

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/tests/labtest"
)

// birdRRClient is a BIRD iBGP speaker of AS 65001 originating prefix,
// learning kernel routes (for its peers' next hops).
func birdRRClient(id, local, peer, prefix string) string {
	return fmt.Sprintf(`
router id %s;
protocol device {}
protocol kernel { learn; ipv4 { import all; export none; }; }
protocol static s4 { ipv4; route %s blackhole; }
protocol bgp up {
  local %s as 65001;
  neighbor %s as 65001;
  hold time 9; keepalive time 3; connect retry time 1;
  ipv4 { import all; export where proto = "s4"; };
}
`, id, prefix, local, peer)
}

// TestBGPRouteReflectorInterop: netemu reflects between FRR and BIRD.
func TestBGPRouteReflectorInterop(t *testing.T) {
	l := newRIPLab(t, "bgprr")
	l.node("ne")
	l.node("frr")
	l.node("bird")
	l.link("ne", "eth0", "10.30.1.1/30", "frr", "eth0", "10.30.1.2/30")
	l.link("ne", "eth1", "10.30.2.1/30", "bird", "eth0", "10.30.2.2/30")
	labtest.Cmd(t, "ip", "-n", l.ns("frr"), "route", "add", "10.30.2.0/30", "via", "10.30.1.1")
	labtest.Cmd(t, "ip", "-n", l.ns("bird"), "route", "add", "10.30.1.0/30", "via", "10.30.2.1")

	birdc := l.bird("bird", birdRRClient("10.30.2.2", "10.30.2.2", "10.30.2.1", "10.2.0.0/16"))
	vtysh := l.frrBGP("frr", `hostname frr
log stdout debugging
router bgp 65001
 bgp router-id 10.30.1.2
 no bgp network import-check
 timers bgp 3 9
 neighbor 10.30.1.1 remote-as 65001
 neighbor 10.30.1.1 timers connect 1
 address-family ipv4 unicast
  network 10.3.0.0/16
 exit-address-family
!
`)
	c := l.bgpAgent("ne", []agent.Interface{
		{Name: "eth0", Addr: netip.MustParsePrefix("10.30.1.1/30")},
		{Name: "eth1", Addr: netip.MustParsePrefix("10.30.2.1/30")},
	}, &bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("10.30.0.1"),
		Peers: []bgp.PeerConfig{
			{Name: "frr", PeerAS: 65001, LocalAddr: netip.MustParseAddr("10.30.1.1"), PeerAddr: netip.MustParseAddr("10.30.1.2"), Iface: "eth0", RRClient: true},
			{Name: "bird", PeerAS: 65001, LocalAddr: netip.MustParseAddr("10.30.2.1"), PeerAddr: netip.MustParseAddr("10.30.2.2"), Iface: "eth1", RRClient: true},
		},
	})
	for _, peer := range []string{"10.30.1.2", "10.30.2.2"} {
		labtest.Eventually(t, 30*time.Second, labtest.Named("session with "+peer, func() error { return established(c, peer) }))
	}
	// BIRD hears FRR's route through netemu: originator FRR, cluster netemu.
	labtest.Eventually(t, 30*time.Second, labtest.Named("BIRD learns 10.3.0.0/16 reflected", func() error {
		out, err := birdc("show route 10.3.0.0/16 all")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		for _, w := range []string{"BGP.originator_id: 10.30.1.2", "BGP.cluster_list: 10.30.0.1", "BGP.next_hop: 10.30.1.2"} {
			if !strings.Contains(out, w) {
				return fmt.Errorf("lacks %q:\n%s", w, out)
			}
		}
		return nil
	}))
	// FRR hears BIRD's the same way.
	labtest.Eventually(t, 30*time.Second, labtest.Named("FRR learns 10.2.0.0/16 reflected", func() error {
		out, err := vtysh("show bgp ipv4 unicast 10.2.0.0/16")
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		for _, w := range []string{"Originator: 10.30.2.2", "Cluster list: 10.30.0.1"} {
			if !strings.Contains(out, w) {
				return fmt.Errorf("lacks %q:\n%s", w, out)
			}
		}
		return nil
	}))
}

// TestBGPRouteReflectorClientInterop: netemu is a client of an FRR
// reflector; it learns a BIRD client's route with the reflection
// attributes and drops its own route reflected back (ORIGINATOR_ID).
func TestBGPRouteReflectorClientInterop(t *testing.T) {
	l := newRIPLab(t, "bgprc")
	l.node("ne")
	l.node("frr")
	l.node("bird")
	l.link("ne", "eth0", "10.31.1.1/30", "frr", "eth0", "10.31.1.2/30")
	l.link("frr", "eth1", "10.31.2.1/30", "bird", "eth0", "10.31.2.2/30")
	labtest.Cmd(t, "ip", "-n", l.ns("ne"), "route", "add", "10.31.2.0/30", "via", "10.31.1.2")
	labtest.Cmd(t, "ip", "-n", l.ns("bird"), "route", "add", "10.31.1.0/30", "via", "10.31.2.1")

	birdc := l.bird("bird", birdRRClient("10.31.2.2", "10.31.2.2", "10.31.2.1", "10.2.0.0/16"))
	vtysh := l.frrBGP("frr", `hostname frr
log stdout debugging
router bgp 65001
 bgp router-id 10.31.0.9
 timers bgp 3 9
 neighbor 10.31.1.1 remote-as 65001
 neighbor 10.31.1.1 timers connect 1
 neighbor 10.31.2.2 remote-as 65001
 neighbor 10.31.2.2 timers connect 1
 address-family ipv4 unicast
  neighbor 10.31.1.1 route-reflector-client
  neighbor 10.31.2.2 route-reflector-client
 exit-address-family
!
`)
	c := l.bgpAgent("ne", []agent.Interface{
		{Name: "eth0", Addr: netip.MustParsePrefix("10.31.1.1/30")},
	}, &bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("10.31.0.1"),
		Originate: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")},
		Peers: []bgp.PeerConfig{
			{Name: "frr", PeerAS: 65001, LocalAddr: netip.MustParseAddr("10.31.1.1"), PeerAddr: netip.MustParseAddr("10.31.1.2"), Iface: "eth0"},
		},
	})
	labtest.Eventually(t, 30*time.Second, labtest.Named("session with FRR", func() error { return established(c, "10.31.1.2") }))
	labtest.Eventually(t, 30*time.Second, labtest.Named("netemu learns 10.2.0.0/16 reflected", func() error {
		r, err := bestRoute(c, "10.2.0.0/16")
		if err != nil {
			return err
		}
		if r.OriginatorID != netip.MustParseAddr("10.31.2.2") || !slices.Equal(r.ClusterList, []netip.Addr{netip.MustParseAddr("10.31.0.9")}) ||
			r.NextHop != netip.MustParseAddr("10.31.2.2") || !r.Reachable {
			return fmt.Errorf("route %+v: want originator 10.31.2.2, cluster list [10.31.0.9], next hop 10.31.2.2 reachable", r)
		}
		if got := l.kernelRoute("ne", "10.2.0.0/16"); !strings.Contains(got, "via 10.31.1.2") {
			return fmt.Errorf("kernel route %q, want via 10.31.1.2", got)
		}
		return nil
	}))
	// BIRD hears netemu's route through FRR.
	labtest.Eventually(t, 30*time.Second, labtest.Named("BIRD learns 10.1.0.0/16 reflected", func() error {
		out, err := birdc("show route 10.1.0.0/16 all")
		if err != nil || !strings.Contains(out, "BGP.originator_id: 10.31.0.1") {
			return fmt.Errorf("%v:\n%s", err, out)
		}
		return nil
	}))
	// netemu's own route never comes back as a path of its RIB.
	rs, err := bgpRoutes(c, "10.1.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.From != "local" {
			t.Errorf("own route came back from %s: %+v (FRR: %s)", r.From, r, func() string { o, _ := vtysh("show bgp ipv4 unicast 10.1.0.0/16"); return o }())
		}
	}
}
