package tests

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/tests/labtest"
)

// ospfAgentConfig is an agent config running OSPF on ifaces
// (name=addr/len) with the loopback passive, fast timers.
func ospfAgentConfig(loopback string, ifaces ...string) *agent.Config {
	lo := netip.MustParsePrefix(loopback)
	var ifs []ospf.Interface
	cfg := &agent.Config{Loopback: lo}
	for _, s := range ifaces {
		name, addr, _ := strings.Cut(s, "=")
		ifs = append(ifs, ospfIface(name, addr, ospf.PointToPoint, 1, false))
		cfg.Interfaces = append(cfg.Interfaces, agent.Interface{Name: name, Addr: netip.MustParsePrefix(addr)})
	}
	oc := netemuOSPFConfig(lo.Addr().String(), ifs...)
	cfg.OSPF = &oc
	return cfg
}

// TestOSPFAgentSquare runs netemu's agent (the real binary) with OSPF on
// four routers in a square: r1 reaches r4's loopback over both paths (a
// multipath kernel route), `netemu ospf`'s JSON shows Full neighbours, and
// a cut link (carrier loss the agent sees) leaves one path.
func TestOSPFAgentSquare(t *testing.T) {
	l := newRIPLab(t, "ospfq")
	for k, r := range []string{"r1", "r2", "r3", "r4"} {
		l.node(r, fmt.Sprintf("10.255.4.%d/32", k+1))
		l.net.Run(r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	}
	l.link("r1", "eth0", "10.14.1.1/30", "r2", "eth0", "10.14.1.2/30")
	l.link("r1", "eth1", "10.14.2.1/30", "r3", "eth0", "10.14.2.2/30")
	l.link("r2", "eth1", "10.14.3.1/30", "r4", "eth0", "10.14.3.2/30")
	l.link("r3", "eth1", "10.14.4.1/30", "r4", "eth1", "10.14.4.2/30")
	c1 := l.agent("r1", ospfAgentConfig("10.255.4.1/32", "eth0=10.14.1.1/30", "eth1=10.14.2.1/30"))
	l.agent("r2", ospfAgentConfig("10.255.4.2/32", "eth0=10.14.1.2/30", "eth1=10.14.3.1/30"))
	l.agent("r3", ospfAgentConfig("10.255.4.3/32", "eth0=10.14.2.2/30", "eth1=10.14.4.1/30"))
	l.agent("r4", ospfAgentConfig("10.255.4.4/32", "eth0=10.14.3.2/30", "eth1=10.14.4.2/30"))

	labtest.Eventually(t, 30*time.Second, hasRoute(l.net, "r1", "10.255.4.4", "10.14.1.2", "10.14.2.2"))
	labtest.Eventually(t, 30*time.Second, hasRoute(l.net, "r4", "10.255.4.1", "10.14.3.1", "10.14.4.1"))
	if out := l.kernelRoute("r1", "10.255.4.4"); !strings.Contains(out, "proto ospf") && !strings.Contains(out, "proto 188") {
		t.Fatalf("r1's route is not OSPF's: %q", out)
	}
	var st ospf.Status
	if err := c1.Get(context.Background(), "/ospf", &st); err != nil {
		t.Fatal(err)
	}
	full := 0
	for _, n := range st.Neighbours {
		if n.State == "Full" {
			full++
		}
	}
	if full != 2 || len(st.Database) != 4 {
		t.Fatalf("r1: %d Full neighbours, %d LSAs; want 2 and 4: %+v", full, len(st.Database), st)
	}
	// Carrier loss on r1—r2, seen by the agents' link watchers.
	l.net.IP("r1", "link", "set", "eth0", "down")
	labtest.Eventually(t, 10*time.Second, func() error {
		out := l.kernelRoute("r1", "10.255.4.4")
		if !strings.Contains(out, "via 10.14.2.2") || strings.Contains(out, "10.14.1.2") {
			return fmt.Errorf("r1 → r4: %q, want only via 10.14.2.2", out)
		}
		return nil
	})
	labtest.Eventually(t, 10*time.Second, hasRoute(l.net, "r2", "10.255.4.1", "10.14.3.2"))
}
