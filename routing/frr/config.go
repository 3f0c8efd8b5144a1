// Package frr runs FRR's zebra, ripd and bgpd inside a lab's routers in
// place of netemu's agent (lab daemons = "frr"), from the same model: the
// same RIP interfaces and originated routes, the same BGP sessions and
// originated prefixes, the same timers. It is the yardstick netemu's
// daemons are measured against, and a switch users can flip too.
//
// This file is pure: it turns the model into FRR configuration text.
package frr

import (
	"fmt"
	"strings"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/topo"
)

// Config is one router's FRR configuration, one file per daemon; a daemon
// whose text is "" is not run.
type Config struct {
	Zebra string
	RIPd  string
	BGPd  string
}

func secs(d time.Duration) int {
	s := int(d / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// ConfigFor derives router node's FRR configuration from the model, via
// the same derivations netemu's agent uses (agent.ConfigFor).
func ConfigFor(lab *topo.Lab, node string) (*Config, error) {
	ac, err := agent.ConfigFor(lab, node)
	if err != nil {
		return nil, err
	}
	n := lab.Node(node)
	c := &Config{Zebra: fmt.Sprintf("hostname %s\nlog stdout informational\n", node)}
	if r := ac.RIP; r != nil && len(r.Interfaces) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "hostname %s\nlog stdout informational\n", node)
		for _, i := range r.Interfaces {
			fmt.Fprintf(&b, "interface %s\n", i.Name)
			if r.Auth != nil {
				switch r.Auth.Type {
				case "md5":
					fmt.Fprintf(&b, " ip rip authentication mode md5 auth-length rfc\n ip rip authentication string %s\n", r.Auth.Key)
				default:
					fmt.Fprintf(&b, " ip rip authentication mode text\n ip rip authentication string %s\n", r.Auth.Key)
				}
			}
			b.WriteString("exit\n")
		}
		b.WriteString("router rip\n version 2\n")
		fmt.Fprintf(&b, " timers basic %d %d %d\n", secs(r.Update), secs(r.Timeout), secs(r.Garbage))
		for _, i := range r.Interfaces {
			fmt.Fprintf(&b, " network %s\n", i.Name)
		}
		// netemu's RIP originates every connected subnet and the loopback.
		b.WriteString(" redistribute connected\nexit\n")
		c.RIPd = b.String()
	}
	sessions := lab.BGPSessions(node)
	if len(sessions) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "hostname %s\nlog stdout informational\n", node)
		fmt.Fprintf(&b, "router bgp %d\n", sessions[0].LocalAS)
		if n.Loopback.IsValid() {
			fmt.Fprintf(&b, " bgp router-id %s\n", n.Loopback.Addr())
		}
		b.WriteString(" no bgp ebgp-requires-policy\n no bgp network import-check\n no bgp default ipv4-unicast\n")
		fmt.Fprintf(&b, " timers bgp %d %d\n", secs(lab.Timers.BGPKeepalive), secs(lab.Timers.BGPHold))
		for _, s := range sessions {
			fmt.Fprintf(&b, " neighbor %s remote-as %d\n", s.PeerAddr, s.PeerAS)
			fmt.Fprintf(&b, " neighbor %s timers connect %d\n", s.PeerAddr, secs(lab.Timers.BGPConnectRetry))
			if s.IBGP {
				fmt.Fprintf(&b, " neighbor %s update-source %s\n", s.PeerAddr, s.LocalAddr)
			}
			if s.Passive {
				fmt.Fprintf(&b, " neighbor %s passive\n", s.PeerAddr)
			}
		}
		b.WriteString(" address-family ipv4 unicast\n")
		for _, p := range lab.BGPOriginated(node) {
			fmt.Fprintf(&b, "  network %s\n", p)
		}
		for _, s := range sessions {
			fmt.Fprintf(&b, "  neighbor %s activate\n", s.PeerAddr)
			if s.IBGP {
				fmt.Fprintf(&b, "  neighbor %s next-hop-self\n", s.PeerAddr)
			}
		}
		b.WriteString(" exit-address-family\nexit\n")
		c.BGPd = b.String()
	}
	return c, nil
}
