package tests

// Issue 16's RIP cases, sent from a neighbouring namespace (x) that
// speaks no RIP, to netemu's agent (n1); a second netemu agent (n2)
// behind it shows what the AS ends up with, and both kernels are read.
//
//	x eth0 10.9.0.2/30 ── eth0 10.9.0.1/30  n1  eth1 10.9.1.1/30 ── eth0 10.9.1.2/30  n2

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/tests/labtest"
)

func hostileRIPLab(t *testing.T) (l *ripLab, c1, c2 *agent.Client) {
	l = newRIPLab(t, "riph")
	l.node("x")
	l.node("n1", "10.255.9.1/32")
	l.node("n2", "10.255.9.2/32")
	l.link("x", "eth0", "10.9.0.2/30", "n1", "eth0", "10.9.0.1/30")
	l.link("n1", "eth1", "10.9.1.1/30", "n2", "eth0", "10.9.1.2/30")
	c1 = l.agent("n1", ripAgentConfig("10.255.9.1/32", nil, "eth0=10.9.0.1/30", "eth1=10.9.1.1/30"))
	c2 = l.agent("n2", ripAgentConfig("10.255.9.2/32", nil, "eth0=10.9.1.2/30"))
	labtest.Eventually(t, 60*time.Second, labtest.Named("n2 learns n1's loopback", func() error {
		return wantLine(l.kernelRoute("n2", "10.255.9.1/32"), "via 10.9.1.1", "proto rip")
	}))
	return l, c1, c2
}

// ripRouteOf is the agent's RIP table entry for prefix.
func ripRouteOf(c *agent.Client, prefix string) (*rip.RouteStatus, error) {
	st, err := c.RIP(context.Background())
	if err != nil {
		return nil, err
	}
	for i := range st.Routes {
		if st.Routes[i].Prefix.String() == prefix {
			return &st.Routes[i], nil
		}
	}
	return nil, nil
}

func TestRIPHostileEntries(t *testing.T) {
	l, c1, c2 := hostileRIPLab(t)
	x := l.ns("x")
	send := func(e rip.Entry) {
		ripSendFrom(t, x, "10.9.0.2:520", "10.9.0.1:520", rip.Encode(&rip.Packet{Command: rip.Response, Version: 2, Entries: []rip.Entry{e}}))
	}

	t.Run("zero mask is inferred, never a default route", func(t *testing.T) {
		send(rip.Entry{AFI: rip.AFIInet, Addr: netip.MustParseAddr("10.76.5.1"), Mask: netip.IPv4Unspecified(),
			NextHop: netip.IPv4Unspecified(), Metric: 1})
		// 10.76.5.1 lies in n1's class-A network with host bits beyond
		// eth0's /30: a host route.
		labtest.Eventually(t, 15*time.Second, labtest.Named("host route at n1 and n2", func() error {
			if err := wantLine(l.kernelRoute("n1", "10.76.5.1/32"), "via 10.9.0.2", "proto rip", "metric 2"); err != nil {
				return fmt.Errorf("n1: %w", err)
			}
			return wantLine(l.kernelRoute("n2", "10.76.5.1/32"), "via 10.9.1.1", "proto rip", "metric 3")
		}))
		for _, n := range []string{"n1", "n2"} {
			if r := l.kernelRoute(n, "0.0.0.0/0"); r != "" {
				t.Errorf("%s has a default route: %s", n, r)
			}
		}
		for _, c := range []*agent.Client{c1, c2} {
			if r, err := ripRouteOf(c, "0.0.0.0/0"); err != nil || r != nil {
				t.Errorf("default route in a RIP table: %+v %v", r, err)
			}
		}
	})

	t.Run("broadcast or network address as next hop means the sender", func(t *testing.T) {
		for i, nh := range []string{"10.9.0.3", "10.9.0.0"} {
			p := fmt.Sprintf("198.18.%d.0/24", i)
			pp := netip.MustParsePrefix(p)
			send(rip.Entry{AFI: rip.AFIInet, Addr: pp.Addr(), Mask: rip.MaskOf(24), NextHop: netip.MustParseAddr(nh), Metric: 1})
			labtest.Eventually(t, 15*time.Second, labtest.Named(p+" via the sender at n1, via n1 at n2", func() error {
				if err := wantLine(l.kernelRoute("n1", p), "via 10.9.0.2", "proto rip", "metric 2"); err != nil {
					return fmt.Errorf("n1: %w", err)
				}
				r, err := ripRouteOf(c1, p)
				if err != nil || r == nil || !r.InKernel || r.Refused != "" || r.NextHop.String() != "10.9.0.2" {
					return fmt.Errorf("n1's table: %+v %v", r, err)
				}
				return wantLine(l.kernelRoute("n2", p), "via 10.9.1.1", "proto rip", "metric 3")
			}))
		}
	})

	checkAgentInvariant(t, l, "n1", c1)
	checkAgentInvariant(t, l, "n2", c2)
}
