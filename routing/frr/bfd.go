package frr

import (
	"fmt"
	"sort"
	"strings"

	"github.com/netemu/netemu/routing/agent"
)

// bfdProfile names the bfdd profile of one interval and multiplier.
func bfdProfile(s agent.BFDSession) string {
	return fmt.Sprintf("netemu-%dms-x%d", s.MinTx.Milliseconds(), s.Multiplier)
}

// addBFD runs FRR's bfdd for the BGP sessions the lab's bfd blocks cover,
// as netemu's agent runs its own: one bfdd profile per interval and
// multiplier, and `neighbor X bfd profile P` in bgpd (a second `router
// bgp` block, which bgpd merges into the first). bgpd decides single hop
// or multihop itself, as netemu does: on a link or between loopbacks.
// RIP has no BFD in FRR's ripd here.
func addBFD(c *Config, sessions []agent.BFDSession, asn uint32) {
	profiles := map[string]agent.BFDSession{}
	var bgp strings.Builder
	for _, s := range sessions {
		if !s.BGP {
			continue
		}
		p := bfdProfile(s)
		profiles[p] = s
		fmt.Fprintf(&bgp, " neighbor %s bfd\n neighbor %s bfd profile %s\n", s.Peer, s.Peer, p)
	}
	if len(profiles) == 0 || c.BGPd == "" {
		return
	}
	names := make([]string, 0, len(profiles))
	for p := range profiles {
		names = append(names, p)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("log stdout informational\nbfd\n")
	for _, p := range names {
		s := profiles[p]
		fmt.Fprintf(&b, " profile %s\n  transmit-interval %d\n  receive-interval %d\n  detect-multiplier %d\n exit\n",
			p, s.MinTx.Milliseconds(), s.MinRx.Milliseconds(), s.Multiplier)
	}
	b.WriteString("exit\n")
	c.BFDd = b.String()
	c.BGPd += fmt.Sprintf("router bgp %d\n%sexit\n", asn, bgp.String())
}
