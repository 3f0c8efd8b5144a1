package tests

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/tests/labtest"
)

// OSPF interop: netemu's OSPF (in the test process, raw sockets and
// kernel writer inside its namespace) against FRR's ospfd and BIRD's ospf,
// fast timers (hello 1 s, dead 4 s), optionally keyed MD5.

const ospfKey = "netemu"

// startOSPF runs netemu's OSPF daemon in node until the test ends.
func startOSPF(t *testing.T, n *labtest.Net, node string, cfg ospf.Config) *ospf.Daemon {
	t.Helper()
	var d *ospf.Daemon
	err := n.Do(node, func() error {
		k, err := ospf.NewKernel()
		if err != nil {
			return err
		}
		t.Cleanup(k.Close)
		d, err = ospf.New(cfg, labtest.Logger(t).With("node", node), k, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return d
}

func ospfIface(name, addr string, typ ospf.NetType, pri uint8, md5 bool) ospf.Interface {
	i := ospf.Interface{Name: name, Addr: netip.MustParsePrefix(addr), Type: typ, Priority: pri, Ineligible: pri == 0,
		Hello: time.Second, Dead: 4 * time.Second, Retransmit: 2 * time.Second}
	if md5 {
		i.Auth = &ospf.Auth{Type: "md5", Key: ospfKey, KeyID: 1}
	}
	return i
}

func netemuOSPFConfig(rid string, ifs ...ospf.Interface) ospf.Config {
	return ospf.Config{RouterID: ospf.IDOf(netip.MustParseAddr(rid)),
		SPFDelay: 50 * time.Millisecond, MinLSInterval: 500 * time.Millisecond, MinLSArrival: 200 * time.Millisecond,
		Interfaces: append([]ospf.Interface{{Name: "lo", Addr: netip.MustParsePrefix(rid + "/32"), Passive: true}}, ifs...)}
}

// ifSpec is "NAME:p2p" or "NAME:bcast:PRI", optionally ":AREA" after
// (default area 0): an interface of FRR's or BIRD's configuration.
type ifSpec struct{ name, typ, pri, area string }

func parseSpec(spec string) ifSpec {
	p := append(strings.Split(spec, ":"), "", "", "")
	s := ifSpec{name: p[0], typ: p[1], pri: p[2], area: p[3]}
	if s.pri == "" {
		s.pri = "1"
	}
	if s.area == "" {
		s.area = "0"
	}
	return s
}

// ospfdConf is FRR's ospfd configuration for the interfaces in ifs; the
// loopback joins the first one's area.
func ospfdConf(rid string, md5 bool, ifs ...string) string {
	var b strings.Builder
	b.WriteString("hostname f\nlog stdout informational\n")
	for _, spec := range ifs {
		s := parseSpec(spec)
		fmt.Fprintf(&b, "interface %s\n ip ospf area %s\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n", s.name, s.area)
		if s.typ == "p2p" {
			b.WriteString(" ip ospf network point-to-point\n")
		} else {
			fmt.Fprintf(&b, " ip ospf priority %s\n", s.pri)
		}
		if md5 {
			fmt.Fprintf(&b, " ip ospf authentication message-digest\n ip ospf message-digest-key 1 md5 %s\n", ospfKey)
		}
		b.WriteString("exit\n")
	}
	fmt.Fprintf(&b, "interface lo\n ip ospf area %s\nexit\nrouter ospf\n ospf router-id %s\n timers throttle spf 0 50 1000\nexit\n",
		parseSpec(ifs[0]).area, rid)
	return b.String()
}

// birdOSPFConf is BIRD's, the same interface specs.
func birdOSPFConf(rid string, md5 bool, ifs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `router id %s;
log stderr all;
protocol device { scan time 1; }
protocol kernel { ipv4 { import none; export where source = RTS_OSPF || source = RTS_OSPF_IA || source = RTS_OSPF_EXT1 || source = RTS_OSPF_EXT2; }; }
protocol ospf v2 {
  ipv4 { import all; export none; };
`, rid)
	areas := map[string][]ifSpec{}
	var order []string
	for _, spec := range ifs {
		s := parseSpec(spec)
		if _, ok := areas[s.area]; !ok {
			order = append(order, s.area)
		}
		areas[s.area] = append(areas[s.area], s)
	}
	for k, area := range order {
		fmt.Fprintf(&b, "  area %s {\n", area)
		if k == 0 {
			b.WriteString("    interface \"lo\" { stub yes; };\n")
		}
		for _, s := range areas[area] {
			typ, pri := "ptp", ""
			if s.typ != "p2p" {
				typ, pri = "broadcast", "priority "+s.pri+";"
			}
			auth := ""
			if md5 {
				auth = fmt.Sprintf(`authentication cryptographic; password "%s" { id 1; algorithm keyed md5; };`, ospfKey)
			}
			fmt.Fprintf(&b, "    interface \"%s\" { type %s; %s hello 1; dead 4; retransmit 2; %s };\n", s.name, typ, pri, auth)
		}
		b.WriteString("  };\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func fullNeighbours(d *ospf.Daemon, want ...string) func() error {
	return func() error {
		st := d.Status()
		for _, rid := range want {
			ok := false
			for _, nb := range st.Neighbours {
				ok = ok || (nb.RouterID == rid && nb.State == "Full")
			}
			if !ok {
				return fmt.Errorf("netemu: %s not Full: %+v", rid, st.Neighbours)
			}
		}
		return nil
	}
}

// hasRoute waits for a kernel route to prefix in node with every gateway.
func hasRoute(n *labtest.Net, node, prefix string, gws ...string) func() error {
	return func() error {
		out := n.IP(node, "route", "show", "exact", prefix)
		if out == "" {
			return fmt.Errorf("%s: no route to %s", node, prefix)
		}
		for _, gw := range gws {
			if !strings.Contains(out, "via "+gw) {
				return fmt.Errorf("%s: route %s %q lacks via %s", node, prefix, out, gw)
			}
		}
		return nil
	}
}

// TestOSPFInteropP2P: FRR — netemu — BIRD on point-to-point links:
// adjacencies Full, every loopback everywhere (FRR's and BIRD's across
// netemu), with and without MD5.
func TestOSPFInteropP2P(t *testing.T) {
	for _, md5 := range []bool{false, true} {
		t.Run(fmt.Sprintf("md5=%v", md5), func(t *testing.T) {
			l := newRIPLab(t, "ospfp")
			l.node("f", "10.255.1.1/32")
			l.node("n", "10.255.1.2/32")
			l.node("b", "10.255.1.3/32")
			l.net.Run("n", "sysctl", "-qw", "net.ipv4.ip_forward=1")
			l.link("f", "eth0", "10.11.1.1/30", "n", "eth0", "10.11.1.2/30")
			l.link("n", "eth1", "10.11.2.1/30", "b", "eth0", "10.11.2.2/30")
			d := startOSPF(t, l.net, "n", netemuOSPFConfig("10.255.1.2",
				ospfIface("eth0", "10.11.1.2/30", ospf.PointToPoint, 1, md5),
				ospfIface("eth1", "10.11.2.1/30", ospf.PointToPoint, 1, md5)))
			vtysh := l.frrDaemon("f", "ospfd", ospfdConf("10.255.1.1", md5, "eth0:p2p"), "show ip ospf")
			l.bird("b", birdOSPFConf("10.255.1.3", md5, "eth0:p2p"))

			labtest.Eventually(t, 30*time.Second, fullNeighbours(d, "10.255.1.1", "10.255.1.3"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "n", "10.255.1.1", "10.11.1.1"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "n", "10.255.1.3", "10.11.2.2"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "f", "10.255.1.2", "10.11.1.2"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "f", "10.255.1.3", "10.11.1.2"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "b", "10.255.1.1", "10.11.2.1"))
			labtest.Eventually(t, 15*time.Second, hasRoute(l.net, "b", "10.255.1.2", "10.11.2.1"))
			out, _ := vtysh("show ip ospf neighbor")
			if !strings.Contains(out, "Full") {
				t.Fatalf("FRR neighbours:\n%s", out)
			}
			if st := d.Status(); len(st.BadPackets) != 0 {
				t.Fatalf("netemu dropped packets: %v", st.BadPackets)
			}
		})
	}
}

// TestOSPFInteropSwitch: netemu, FRR and BIRD on one bridge; the DR is
// each of the three in turn (by priority), the others adjacent to it,
// routes everywhere.
func TestOSPFInteropSwitch(t *testing.T) {
	for _, dr := range []string{"n", "f", "b"} {
		t.Run("dr="+dr, func(t *testing.T) {
			pri := map[string]string{"n": "1", "f": "1", "b": "1"}
			pri[dr] = "100"
			bdr := map[string]string{"n": "f", "f": "b", "b": "n"}[dr]
			pri[bdr] = "50"
			l := newRIPLab(t, "ospfs")
			l.node("sw")
			l.net.IP("sw", "link", "add", "br0", "type", "bridge")
			l.net.IP("sw", "link", "set", "br0", "up")
			addr := map[string]string{"f": "10.12.0.1", "n": "10.12.0.2", "b": "10.12.0.3"}
			for _, node := range []string{"f", "n", "b"} {
				l.node(node, "10.255.2."+addr[node][len("10.12.0."):]+"/32")
				l.link(node, "eth0", addr[node]+"/24", "sw", "p"+node, "")
				l.net.IP("sw", "link", "set", "p"+node, "master", "br0")
			}
			var p uint8
			fmt.Sscan(pri["n"], &p)
			d := startOSPF(t, l.net, "n", netemuOSPFConfig("10.255.2.2", ospfIface("eth0", "10.12.0.2/24", ospf.Broadcast, p, false)))
			l.frrDaemon("f", "ospfd", ospfdConf("10.255.2.1", false, "eth0:bcast:"+pri["f"]), "show ip ospf")
			l.bird("b", birdOSPFConf("10.255.2.3", false, "eth0:bcast:"+pri["b"]))

			labtest.Eventually(t, 40*time.Second, func() error {
				st := d.Status()
				for _, i := range st.Interfaces {
					if i.Name == "eth0" && (i.DR != addr[dr] || i.BDR != addr[bdr]) {
						return fmt.Errorf("netemu: DR %s BDR %s, want %s %s", i.DR, i.BDR, addr[dr], addr[bdr])
					}
				}
				return nil
			})
			// Every DROther is Full with DR and BDR; here only one
			// router is neither, so netemu is Full with both others.
			labtest.Eventually(t, 30*time.Second, fullNeighbours(d, "10.255.2.1", "10.255.2.3"))
			for _, from := range []string{"f", "n", "b"} {
				for _, to := range []string{"f", "n", "b"} {
					if from != to {
						lo := "10.255.2." + addr[to][len("10.12.0."):]
						labtest.Eventually(t, 20*time.Second, hasRoute(l.net, from, lo, addr[to]))
					}
				}
			}
			if st := d.Status(); len(st.BadPackets) != 0 {
				t.Fatalf("netemu dropped packets: %v", st.BadPackets)
			}
		})
	}
}

// TestOSPFInteropAreas: two areas, the ABR FRR in one run and netemu in
// the other; the routers of area 1 reach area 0 through summary-LSAs.
func TestOSPFInteropAreas(t *testing.T) {
	for _, abr := range []string{"frr", "netemu"} {
		t.Run("abr="+abr, func(t *testing.T) {
			l := newRIPLab(t, "ospfa")
			l.node("f", "10.255.3.1/32")
			l.node("n", "10.255.3.2/32")
			l.node("b", "10.255.3.3/32")
			var d *ospf.Daemon
			if abr == "frr" {
				// n (area 1) — f (ABR) — b (area 0)
				l.net.Run("f", "sysctl", "-qw", "net.ipv4.ip_forward=1")
				l.link("n", "eth0", "10.13.1.1/30", "f", "eth0", "10.13.1.2/30")
				l.link("f", "eth1", "10.13.2.1/30", "b", "eth0", "10.13.2.2/30")
				c := netemuOSPFConfig("10.255.3.2", ospfIface("eth0", "10.13.1.1/30", ospf.PointToPoint, 1, false))
				c.Interfaces[0].Area, c.Interfaces[1].Area = 1, 1
				d = startOSPF(t, l.net, "n", c)
				l.frrDaemon("f", "ospfd", ospfdConf("10.255.3.1", false, "eth0:p2p:1:1", "eth1:p2p:1:0"), "show ip ospf")
				l.bird("b", birdOSPFConf("10.255.3.3", false, "eth0:p2p"))
				labtest.Eventually(t, 30*time.Second, fullNeighbours(d, "10.255.3.1"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "n", "10.255.3.3", "10.13.1.2"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "b", "10.255.3.2", "10.13.2.1"))
			} else {
				// f (area 1) — n (ABR) — b (area 0)
				l.net.Run("n", "sysctl", "-qw", "net.ipv4.ip_forward=1")
				l.link("f", "eth0", "10.13.1.1/30", "n", "eth0", "10.13.1.2/30")
				l.link("n", "eth1", "10.13.2.1/30", "b", "eth0", "10.13.2.2/30")
				c := netemuOSPFConfig("10.255.3.2",
					ospfIface("eth0", "10.13.1.2/30", ospf.PointToPoint, 1, false),
					ospfIface("eth1", "10.13.2.1/30", ospf.PointToPoint, 1, false))
				c.Interfaces[1].Area = 1
				d = startOSPF(t, l.net, "n", c)
				l.frrDaemon("f", "ospfd", ospfdConf("10.255.3.1", false, "eth0:p2p:1:1"), "show ip ospf")
				l.bird("b", birdOSPFConf("10.255.3.3", false, "eth0:p2p"))
				labtest.Eventually(t, 30*time.Second, fullNeighbours(d, "10.255.3.1", "10.255.3.3"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "f", "10.255.3.3", "10.13.1.2"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "f", "10.255.3.2", "10.13.1.2"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "b", "10.255.3.1", "10.13.2.1"))
				labtest.Eventually(t, 20*time.Second, hasRoute(l.net, "b", "10.13.1.0/30", "10.13.2.1"))
				if !d.Status().ABR {
					t.Fatal("netemu does not call itself an ABR")
				}
			}
			if st := d.Status(); len(st.BadPackets) != 0 {
				t.Fatalf("netemu dropped packets: %v", st.BadPackets)
			}
		})
	}
}
