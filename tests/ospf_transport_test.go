package tests

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/tests/labtest"
)

// TestOSPFRawTransport runs two netemu OSPF daemons on raw sockets in two
// namespaces joined by two veth pairs, one point-to-point, one broadcast
// (DR/BDR election, AllDRouters): both adjacencies go Full, each loopback
// reaches the other's kernel as a two-path route, and cutting one link
// leaves one path.
func TestOSPFRawTransport(t *testing.T) {
	lab := labtest.UniqueName("ospf")
	n := labtest.NewNet(t, lab)
	n.Node("r1", true)
	n.Node("r2", true)
	n.IP("r1", "addr", "add", "10.255.0.1/32", "dev", "lo")
	n.IP("r2", "addr", "add", "10.255.0.2/32", "dev", "lo")
	n.Link("r1", "eth0", "10.9.0.1/30", "r2", "eth0", "10.9.0.2/30")
	n.Link("r1", "eth1", "10.9.1.1/24", "r2", "eth1", "10.9.1.2/24")

	cfg := func(id int) ospf.Config {
		iface := func(name, addr string, typ ospf.NetType) ospf.Interface {
			return ospf.Interface{Name: name, Addr: netip.MustParsePrefix(addr), Type: typ,
				Hello: time.Second, Dead: 4 * time.Second, Retransmit: 2 * time.Second,
				Auth: &ospf.Auth{Type: "md5", Key: "netemu", KeyID: 1}}
		}
		return ospf.Config{RouterID: ospf.IDOf(netip.MustParseAddr(fmt.Sprintf("10.255.0.%d", id))),
			SPFDelay: 50 * time.Millisecond, MinLSInterval: 200 * time.Millisecond, MinLSArrival: 100 * time.Millisecond,
			Interfaces: []ospf.Interface{
				{Name: "lo", Addr: netip.MustParsePrefix(fmt.Sprintf("10.255.0.%d/32", id)), Passive: true},
				iface("eth0", fmt.Sprintf("10.9.0.%d/30", id), ospf.PointToPoint),
				iface("eth1", fmt.Sprintf("10.9.1.%d/24", id), ospf.Broadcast),
			}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	daemons := map[string]*ospf.Daemon{}
	for id, node := range []string{"r1", "r2"} {
		var d *ospf.Daemon
		err := n.Do(node, func() error {
			k, err := ospf.NewKernel()
			if err != nil {
				return err
			}
			t.Cleanup(k.Close)
			d, err = ospf.New(cfg(id+1), labtest.Logger(t).With("node", node), k, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		daemons[node] = d
		wg.Add(1)
		go func() { defer wg.Done(); _ = d.Run(ctx) }()
	}
	full := func(node string, want int) func() error {
		return func() error {
			st := daemons[node].Status()
			got := 0
			for _, nb := range st.Neighbours {
				if nb.State == "Full" {
					got++
				}
			}
			if got != want {
				return fmt.Errorf("%s: %d Full neighbours, want %d: %+v", node, got, want, st.Neighbours)
			}
			return nil
		}
	}
	route := func(node, prefix string, gws ...string) func() error {
		return func() error {
			out := n.IP(node, "route", "show", prefix, "proto", "188")
			for _, gw := range gws {
				if !strings.Contains(out, "via "+gw) {
					return fmt.Errorf("%s: route %s %q lacks via %s", node, prefix, out, gw)
				}
			}
			if len(gws) == 1 && strings.Contains(out, "nexthop") {
				return fmt.Errorf("%s: route %s still multipath: %q", node, prefix, out)
			}
			return nil
		}
	}
	labtest.Eventually(t, 20*time.Second, full("r1", 2))
	labtest.Eventually(t, 20*time.Second, full("r2", 2))
	labtest.Eventually(t, 10*time.Second, route("r1", "10.255.0.2", "10.9.0.2", "10.9.1.2"))
	labtest.Eventually(t, 10*time.Second, route("r2", "10.255.0.1", "10.9.0.1", "10.9.1.1"))
	// Packets cross: ping the other's loopback from ours.
	n.Run("r1", "ping", "-c1", "-W2", "-I", "10.255.0.1", "10.255.0.2")

	st := daemons["r1"].Status()
	for _, i := range st.Interfaces {
		if i.Name == "eth1" && (i.DR != "10.9.1.2" || i.BDR != "10.9.1.1") {
			t.Fatalf("r1 eth1: DR %s BDR %s, want 10.9.1.2 (higher router ID) and 10.9.1.1", i.DR, i.BDR)
		}
	}
	if len(st.BadPackets) != 0 {
		t.Fatalf("r1 dropped packets: %v", st.BadPackets)
	}

	// Carrier loss on the point-to-point pair: one path left.
	n.IP("r1", "link", "set", "eth0", "down")
	daemons["r1"].LinkChanged(routing.LinkEvent{Name: "eth0", Up: false})
	labtest.Eventually(t, 10*time.Second, route("r1", "10.255.0.2", "10.9.1.2"))
	labtest.Eventually(t, 10*time.Second, route("r2", "10.255.0.1", "10.9.1.1"))
}
