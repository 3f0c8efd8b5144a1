package frr

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/netemu/netemu/topo"
)

// BGP policy in FRR terms. netemu's speaker (routing/bgp Import, Export,
// Policies.Apply) decides in this order, and the route-maps below follow
// it step by step so that one lab file gives the same best paths and the
// same exported routes with either implementation:
//
//   - import from an eBGP peer with a relationship: LOCAL_PREF by role
//     (customer 200, peer 100, provider 50) and a large community
//     ASN:28261:role that travels over iBGP, then the import policy;
//   - export to an eBGP peer or provider: only routes originated in the AS
//     (here, or by another router: an empty AS path) or tagged customer
//     (valley-free), the AS's own tags stripped, then the
//     export policy; to a customer or an unrelated eBGP peer: tags
//     stripped, then the policy; to iBGP: the export policy only.
//
// FRR does the rest natively as netemu does: NO_EXPORT/NO_ADVERTISE, the
// iBGP split horizon, MED not passed to another AS, LOCAL_PREF not sent
// over eBGP, own ASN prepended after the export policy's prepends.
//
// FRR compares MEDs grouped by neighbour AS (deterministic-med), which
// picks the path RFC 4271 §9.1.2.2's elimination in netemu picks.
// policy_test.go checks the rest against routing/bgp decision by decision.

// relTag is netemu's relationship tag's second field (routing/bgp
// relTagLocal1, "ne"); the third is 1 customer, 2 peer, 3 provider.
const relTag = 0x6e65

// originTag marks routes this router originates (network … route-map):
// FRR's outbound route-maps cannot tell a local route from an iBGP-learned
// one otherwise, and netemu exports only its own to peers and providers.
// A route's tag never leaves the router.
const originTag = relTag

// relationships maps a role to its LOCAL_PREF and tag code, as
// routing/bgp's Import does.
var relationships = map[string]struct{ localPref, code int }{
	"customer": {200, 1},
	"peer":     {100, 2},
	"provider": {50, 3},
}

// Names of the generated objects; netemu names are HCL labels, FRR wants
// single words.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

func word(s string) string { return unsafeName.ReplaceAllString(s, "_") }

func policyMap(name string) string      { return "NE-POL-" + word(name) }
func prefixListName(name string) string { return "NE-PL-" + word(name) }
func inMap(peer netip.Addr) string      { return "NE-IN-" + peer.String() }
func outMap(peer netip.Addr) string     { return "NE-OUT-" + peer.String() }

const (
	custList = "NE-CUSTOMER" // the customer tag of this AS
	ownList  = "NE-OWN"      // AS paths of routes originated in this AS
	relList  = "NE-REL"      // every relationship tag of this AS
	origMap  = "NE-ORIGIN"   // marks originated routes
)

// prefixListText renders a netemu prefix list. netemu's entries match
// [GE, LE] lengths inside the prefix (GE alone: up to /32, LE alone: from
// the prefix's own length); FRR wants len < ge <= le, so a GE at or below
// the prefix length is left out. An empty list matches nothing in both.
func prefixListText(b *strings.Builder, l *topo.PrefixList) {
	name := prefixListName(l.Name)
	if len(l.Entries) == 0 {
		fmt.Fprintf(b, "ip prefix-list %s seq 5 deny any\n", name)
		return
	}
	for i, e := range l.Entries {
		action := "permit"
		if e.Action == "deny" {
			action = "deny"
		}
		p := e.Prefix.Masked()
		fmt.Fprintf(b, "ip prefix-list %s seq %d %s %s", name, (i+1)*5, action, p)
		if e.GE != 0 || e.LE != 0 {
			lo, hi := p.Bits(), 32
			if e.GE != 0 {
				lo = max(e.GE, p.Bits())
			}
			if e.LE != 0 {
				hi = e.LE
			}
			if lo > p.Bits() {
				fmt.Fprintf(b, " ge %d", lo)
			}
			if hi > p.Bits() {
				fmt.Fprintf(b, " le %d", hi)
			}
		}
		b.WriteString("\n")
	}
}

// community renders a netemu community ("ASN:VALUE" or a well-known name)
// the way FRR spells it.
func community(c string) string {
	switch c {
	case "no-export-subconfed":
		return "local-AS" // RFC 1997's NO_EXPORT_SUBCONFED, FRR's name
	}
	return c
}

// asPathRegex turns a Go (RE2) regular expression over the space-separated
// AS path into FRR's POSIX extended one: the common subset is the same;
// Perl classes and non-capturing groups are spelled out.
func asPathRegex(re string) string {
	return strings.NewReplacer(`\d`, `[0-9]`, `\s`, `[ ]`, `(?:`, `(`).Replace(re)
}

// policyText renders a named policy as a route-map: term i is entry
// 10(i+1); "next" applies its sets and goes on (on-match next); the
// policy's default is the last entry. Term matches use per-term AS path
// and community lists.
func policyText(b *strings.Builder, p *topo.Policy, localAS uint32) {
	name := policyMap(p.Name)
	for i, t := range p.Terms {
		seq := (i + 1) * 10
		if t.ASPath != "" {
			fmt.Fprintf(b, "bgp as-path access-list %s-%d seq 5 permit %s\n", name, seq, asPathRegex(t.ASPath))
		}
		if t.Community != "" {
			fmt.Fprintf(b, "bgp community-list standard %s-%d seq 5 permit %s\n", name, seq, community(t.Community))
		}
	}
	for i, t := range p.Terms {
		seq := (i + 1) * 10
		kind := "permit"
		if t.Action == "reject" {
			kind = "deny"
		}
		fmt.Fprintf(b, "route-map %s %s %d\n", name, kind, seq)
		if t.PrefixList != "" {
			fmt.Fprintf(b, " match ip address prefix-list %s\n", prefixListName(t.PrefixList))
		}
		if t.ASPath != "" {
			fmt.Fprintf(b, " match as-path %s-%d\n", name, seq)
		}
		if t.Community != "" {
			fmt.Fprintf(b, " match community %s-%d\n", name, seq)
		}
		if kind == "permit" {
			if t.SetLocalPref != nil {
				fmt.Fprintf(b, " set local-preference %d\n", *t.SetLocalPref)
			}
			if t.SetMED != nil {
				fmt.Fprintf(b, " set metric %d\n", *t.SetMED)
			}
			if len(t.AddCommunities) > 0 {
				cs := make([]string, len(t.AddCommunities))
				for j, c := range t.AddCommunities {
					cs[j] = community(c)
				}
				fmt.Fprintf(b, " set community %s additive\n", strings.Join(cs, " "))
			}
			if t.Prepend > 0 {
				fmt.Fprintf(b, " set as-path prepend %s\n", strings.TrimSpace(strings.Repeat(fmt.Sprint(localAS)+" ", t.Prepend)))
			}
			if t.Action == "next" {
				b.WriteString(" on-match next\n")
			}
		}
		b.WriteString("exit\n")
	}
	kind := "permit"
	if p.Default == "reject" {
		kind = "deny"
	}
	fmt.Fprintf(b, "route-map %s %s %d\nexit\n", name, kind, (len(p.Terms)+1)*10)
}

// bgpPolicy is the policy part of a router's bgpd.conf.
type bgpPolicy struct {
	// text holds the lists and route-maps, rendered before "router bgp".
	text string
	// in and out name each session's route-maps ("" for none), by index
	// in the router's sessions.
	in, out []string
	// origin is the route-map of the network statements ("" for none).
	origin string
}

// policyConfig renders every list and route-map a router needs for its
// sessions. Only the policies a session names are rendered.
func policyConfig(lab *topo.Lab, sessions []topo.BGPSession) (*bgpPolicy, error) {
	var b strings.Builder
	local := sessions[0].LocalAS
	defined := map[string]bool{}
	for _, p := range lab.Policies {
		defined[p.Name] = true
	}
	used := map[string]bool{}
	valleyFree := false
	for _, s := range sessions {
		for _, name := range []string{s.Import, s.Export} {
			if name == "" || used[name] {
				continue
			}
			if !defined[name] {
				return nil, fmt.Errorf("session with %s: unknown policy %q", s.PeerAddr, name)
			}
			used[name] = true
		}
		if !s.IBGP && (s.Relationship == "peer" || s.Relationship == "provider") {
			valleyFree = true
		}
	}
	lists := map[string]bool{}
	for _, p := range lab.Policies {
		if !used[p.Name] {
			continue
		}
		for _, t := range p.Terms {
			if t.PrefixList != "" {
				lists[t.PrefixList] = true
			}
		}
	}
	for _, l := range lab.PrefixLists {
		if lists[l.Name] {
			prefixListText(&b, l)
		}
	}
	fmt.Fprintf(&b, "bgp large-community-list standard %s seq 5 permit %d:%d:1\n", custList, local, relTag)
	fmt.Fprintf(&b, "bgp as-path access-list %s seq 5 permit ^$\n", ownList)
	for i, code := range []int{1, 2, 3} {
		fmt.Fprintf(&b, "bgp large-community-list standard %s seq %d permit %d:%d:%d\n", relList, (i+1)*5, local, relTag, code)
	}
	for _, p := range lab.Policies {
		if used[p.Name] {
			policyText(&b, p, local)
		}
	}
	pol := &bgpPolicy{in: make([]string, len(sessions)), out: make([]string, len(sessions))}
	if valleyFree {
		pol.origin = origMap
		fmt.Fprintf(&b, "route-map %s permit 10\n set tag %d\nexit\n", origMap, originTag)
	}
	call := func(name string) string {
		if name == "" {
			return ""
		}
		return fmt.Sprintf(" call %s\n", policyMap(name))
	}
	for i, s := range sessions {
		rel, hasRel := relationships[s.Relationship]
		hasRel = hasRel && !s.IBGP
		if hasRel || s.Import != "" {
			pol.in[i] = inMap(s.PeerAddr)
			fmt.Fprintf(&b, "route-map %s permit 10\n", pol.in[i])
			if hasRel {
				fmt.Fprintf(&b, " set local-preference %d\n set large-community %d:%d:%d additive\n", rel.localPref, local, relTag, rel.code)
			}
			b.WriteString(call(s.Import) + "exit\n")
		}
		switch {
		case s.IBGP:
			if s.Export != "" {
				pol.out[i] = outMap(s.PeerAddr)
				fmt.Fprintf(&b, "route-map %s permit 10\n%sexit\n", pol.out[i], call(s.Export))
			}
		case s.Relationship == "peer" || s.Relationship == "provider":
			// Valley-free: our own routes and our customers', nothing else.
			// Own: originated here (tag), or by another router of the AS
			// (learned over iBGP with an empty AS path).
			pol.out[i] = outMap(s.PeerAddr)
			fmt.Fprintf(&b, "route-map %s permit 10\n match tag %d\n set large-comm-list %s delete\n%sexit\n", pol.out[i], originTag, relList, call(s.Export))
			fmt.Fprintf(&b, "route-map %s permit 15\n match as-path %s\n set large-comm-list %s delete\n%sexit\n", pol.out[i], ownList, relList, call(s.Export))
			fmt.Fprintf(&b, "route-map %s permit 20\n match large-community %s\n set large-comm-list %s delete\n%sexit\n", pol.out[i], custList, relList, call(s.Export))
			fmt.Fprintf(&b, "route-map %s deny 30\nexit\n", pol.out[i])
		default:
			pol.out[i] = outMap(s.PeerAddr)
			fmt.Fprintf(&b, "route-map %s permit 10\n set large-comm-list %s delete\n%sexit\n", pol.out[i], relList, call(s.Export))
		}
	}
	pol.text = b.String()
	return pol, nil
}
