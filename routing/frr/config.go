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
	// OSPFd is ospfd's configuration for an AS with igp = "ospf" (ospf.go).
	OSPFd string
	// BFDd is bfdd's profiles when bgpd's sessions use BFD (bfd.go).
	BFDd string
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
	c.OSPFd = ospfdConfig(lab, n, ac.OSPF)
	if sessions := lab.BGPSessions(node); len(sessions) > 0 {
		bgpd, err := bgpdConfig(lab, n, sessions)
		if err != nil {
			return nil, fmt.Errorf("frr %s: %w", node, err)
		}
		c.BGPd = bgpd
		addBFD(c, ac.BFD, sessions[0].LocalAS)
	}
	return c, nil
}

// Administrative distances of bgpd's routes in zebra. netemu installs
// eBGP routes at kernel metric 20 and iBGP at 200, so RIP's (1–16) stay in
// charge of a prefix both know; eBGP one above ripd's 120 does the same.
const (
	distanceEBGP = 121
	distanceIBGP = 200
)

// bgpdConfig renders bgpd.conf: the policy (see policy.go), then sessions
// with the knobs netemu's speaker honours, originated prefixes, and
// netemu's decision process where FRR's default differs (no preference
// for the oldest eBGP path, one best path, no ECMP).
func bgpdConfig(lab *topo.Lab, n *topo.Node, sessions []topo.BGPSession) (string, error) {
	pol, err := policyConfig(lab, sessions)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	// Session changes, to the millisecond: netemu's route watcher reads
	// them from bgpd's log into the router's timeline.
	fmt.Fprintf(&b, "hostname %s\nlog stdout informational\nlog timestamp precision 3\n", n.Name)
	// bgpd applies route-maps defined or changed after its start only when
	// a delay timer (5 s) fires, announcing nothing until then; the maps
	// come first and apply at once, as netemu's policy does.
	b.WriteString("bgp route-map delay-timer 0\n")
	b.WriteString(pol.text)
	fmt.Fprintf(&b, "router bgp %d\n", sessions[0].LocalAS)
	b.WriteString(" bgp log-neighbor-changes\n")
	if n.Loopback.IsValid() {
		fmt.Fprintf(&b, " bgp router-id %s\n", n.Loopback.Addr())
	}
	b.WriteString(" no bgp ebgp-requires-policy\n no bgp network import-check\n no bgp default ipv4-unicast\n")
	// netemu's decision is RFC 4271 §9.1.2.2's elimination: MED between
	// paths from one neighbour AS only, independent of arrival order.
	b.WriteString(" bgp bestpath compare-routerid\n bgp deterministic-med\n")
	fmt.Fprintf(&b, " timers bgp %d %d\n", secs(lab.Timers.BGPKeepalive), secs(lab.Timers.BGPHold))
	for _, s := range sessions {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n", s.PeerAddr, s.PeerAS)
		if s.Description != "" {
			fmt.Fprintf(&b, " neighbor %s description %s\n", s.PeerAddr, strings.Join(strings.Fields(s.Description), " "))
		}
		fmt.Fprintf(&b, " neighbor %s timers connect %d\n", s.PeerAddr, secs(lab.Timers.BGPConnectRetry))
		// Sessions not on a link run between loopbacks; netemu's speaker
		// sends with the default TTL, so an eBGP one is multihop.
		if s.Iface == "" && s.LocalAddr.IsValid() {
			fmt.Fprintf(&b, " neighbor %s update-source %s\n", s.PeerAddr, s.LocalAddr)
			if !s.IBGP {
				fmt.Fprintf(&b, " neighbor %s ebgp-multihop 255\n", s.PeerAddr)
			}
		}
		if s.Passive {
			fmt.Fprintf(&b, " neighbor %s passive\n", s.PeerAddr)
		}
	}
	b.WriteString(" address-family ipv4 unicast\n")
	for _, p := range lab.BGPOriginated(n.Name) {
		if pol.origin != "" {
			fmt.Fprintf(&b, "  network %s route-map %s\n", p, pol.origin)
		} else {
			fmt.Fprintf(&b, "  network %s\n", p)
		}
	}
	fmt.Fprintf(&b, "  maximum-paths 1\n  maximum-paths ibgp 1\n  distance bgp %d %d %d\n", distanceEBGP, distanceIBGP, distanceIBGP)
	for i, s := range sessions {
		fmt.Fprintf(&b, "  neighbor %s activate\n", s.PeerAddr)
		// The relationship tags travel over iBGP as netemu's do.
		fmt.Fprintf(&b, "  neighbor %s send-community all\n", s.PeerAddr)
		if s.IBGP {
			fmt.Fprintf(&b, "  neighbor %s next-hop-self\n", s.PeerAddr)
		}
		// The AS's route reflectors (RFC 4456); bgpd leaves the next hop
		// of reflected routes alone despite next-hop-self, as netemu does.
		if s.RRClient {
			fmt.Fprintf(&b, "  neighbor %s route-reflector-client\n", s.PeerAddr)
		}
		if pol.in[i] != "" {
			fmt.Fprintf(&b, "  neighbor %s route-map %s in\n", s.PeerAddr, pol.in[i])
		}
		if pol.out[i] != "" {
			fmt.Fprintf(&b, "  neighbor %s route-map %s out\n", s.PeerAddr, pol.out[i])
		}
	}
	b.WriteString(" exit-address-family\nexit\n")
	return b.String(), nil
}
