package frr

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/bgp/wire"
	"github.com/netemu/netemu/topo"
)

// rmRoute is a route as FRR's route-maps see it.
type rmRoute struct {
	prefix netip.Prefix
	path   []uint32
	comms  []string // FRR spelling
	large  []string
	lp     uint32 // 0: not set
	med    int64  // -1: not set
	tag    int
}

func (r rmRoute) clone() rmRoute {
	r.path, r.comms, r.large = slices.Clone(r.path), slices.Clone(r.comms), slices.Clone(r.large)
	return r
}

func (r rmRoute) pathString() string {
	s := make([]string, len(r.path))
	for i, a := range r.path {
		s[i] = fmt.Sprint(a)
	}
	return strings.Join(s, " ")
}

type rmEntry struct {
	permit  bool
	matches [][]string
	sets    [][]string
	call    string
	next    bool
}

type plEntry struct {
	permit bool
	prefix netip.Prefix
	ge, le int
}

// rmConfig is the subset of FRR's configuration language policyConfig
// writes, parsed so tests can run routes through it. It follows FRR's
// documented semantics: the first matching entry decides, "deny" drops,
// "on-match next" goes on, "call" drops when the called map does, no
// match drops.
type rmConfig struct {
	maps   map[string][]rmEntry
	plists map[string][]plEntry
	paths  map[string][]*regexp.Regexp
	comms  map[string][]string
	large  map[string][]string
}

func parseRM(t *testing.T, text string) *rmConfig {
	t.Helper()
	c := &rmConfig{maps: map[string][]rmEntry{}, plists: map[string][]plEntry{}, paths: map[string][]*regexp.Regexp{},
		comms: map[string][]string{}, large: map[string][]string{}}
	var cur *rmEntry
	var curMap string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "ip" && f[1] == "prefix-list":
			e := plEntry{permit: f[5] == "permit"}
			if f[6] == "any" {
				e.prefix, e.le = netip.MustParsePrefix("0.0.0.0/0"), 32
			} else {
				e.prefix = netip.MustParsePrefix(f[6])
			}
			for i := 7; i+1 < len(f); i += 2 {
				n, _ := strconv.Atoi(f[i+1])
				if f[i] == "ge" {
					e.ge = n
				} else {
					e.le = n
				}
			}
			c.plists[f[2]] = append(c.plists[f[2]], e)
		case f[0] == "bgp" && f[1] == "as-path":
			c.paths[f[3]] = append(c.paths[f[3]], regexp.MustCompile(strings.Join(f[7:], " ")))
		case f[0] == "bgp" && f[1] == "community-list":
			c.comms[f[3]] = append(c.comms[f[3]], f[7])
		case f[0] == "bgp" && f[1] == "large-community-list":
			c.large[f[3]] = append(c.large[f[3]], f[7])
		case f[0] == "route-map":
			curMap = f[1]
			c.maps[curMap] = append(c.maps[curMap], rmEntry{permit: f[2] == "permit"})
			cur = &c.maps[curMap][len(c.maps[curMap])-1]
		case f[0] == "exit":
			cur = nil
		case cur == nil:
		case f[0] == "match":
			cur.matches = append(cur.matches, f[1:])
		case f[0] == "set":
			cur.sets = append(cur.sets, f[1:])
		case f[0] == "call":
			cur.call = f[1]
		case f[0] == "on-match" && f[1] == "next":
			cur.next = true
		default:
			t.Fatalf("route-map %s: unknown line %q", curMap, line)
		}
	}
	return c
}

func (c *rmConfig) plMatch(name string, q netip.Prefix) bool {
	for _, e := range c.plists[name] {
		p := e.prefix
		if !p.Contains(q.Addr()) || q.Bits() < p.Bits() {
			continue
		}
		lo, hi := p.Bits(), p.Bits()
		switch {
		case e.ge != 0 && e.le != 0:
			lo, hi = e.ge, e.le
		case e.ge != 0:
			lo, hi = e.ge, 32
		case e.le != 0:
			hi = e.le
		}
		if q.Bits() >= lo && q.Bits() <= hi {
			return e.permit
		}
	}
	return false
}

func (c *rmConfig) matches(t *testing.T, m []string, r *rmRoute) bool {
	switch {
	case m[0] == "ip" && m[1] == "address" && m[2] == "prefix-list":
		return c.plMatch(m[3], r.prefix)
	case m[0] == "as-path":
		return slices.ContainsFunc(c.paths[m[1]], func(re *regexp.Regexp) bool { return re.MatchString(r.pathString()) })
	case m[0] == "community":
		return slices.ContainsFunc(c.comms[m[1]], func(s string) bool { return slices.Contains(r.comms, s) })
	case m[0] == "large-community":
		return slices.ContainsFunc(c.large[m[1]], func(s string) bool { return slices.Contains(r.large, s) })
	case m[0] == "tag":
		return m[1] == fmt.Sprint(r.tag)
	}
	t.Fatalf("unknown match %q", m)
	return false
}

func (c *rmConfig) set(t *testing.T, s []string, r *rmRoute) {
	n := func(i int) int64 { v, _ := strconv.ParseInt(s[i], 10, 64); return v }
	switch {
	case s[0] == "local-preference":
		r.lp = uint32(n(1))
	case s[0] == "metric":
		r.med = n(1)
	case s[0] == "tag":
		r.tag = int(n(1))
	case s[0] == "community" && s[len(s)-1] == "additive":
		for _, x := range s[1 : len(s)-1] {
			if !slices.Contains(r.comms, x) {
				r.comms = append(r.comms, x)
			}
		}
	case s[0] == "large-community" && s[len(s)-1] == "additive":
		if !slices.Contains(r.large, s[1]) {
			r.large = append(r.large, s[1])
		}
	case s[0] == "large-comm-list" && s[2] == "delete":
		r.large = slices.DeleteFunc(r.large, func(x string) bool { return slices.Contains(c.large[s[1]], x) })
	case s[0] == "as-path" && s[1] == "prepend":
		var pre []uint32
		for i := 2; i < len(s); i++ {
			pre = append(pre, uint32(n(i)))
		}
		r.path = append(pre, r.path...)
	default:
		t.Fatalf("unknown set %q", s)
	}
}

// apply runs route-map name over r, modifying it, and reports whether r
// is permitted.
func (c *rmConfig) apply(t *testing.T, name string, r *rmRoute) bool {
	entries, ok := c.maps[name]
	if !ok {
		t.Fatalf("no route-map %s", name)
	}
	permitted := false
	for _, e := range entries {
		if !slices.ContainsFunc(e.matches, func(m []string) bool { return !c.matches(t, m, r) }) {
			if !e.permit {
				return false
			}
			for _, s := range e.sets {
				c.set(t, s, r)
			}
			if e.call != "" && !c.apply(t, e.call, r) {
				return false
			}
			permitted = true
			if !e.next {
				return true
			}
		}
	}
	return permitted
}

// fromNetemu renders netemu's attributes as FRR sees them.
func fromNetemu(prefix netip.Prefix, a *wire.PathAttrs) rmRoute {
	r := rmRoute{prefix: prefix, med: -1}
	for _, s := range a.ASPath {
		r.path = append(r.path, s.ASNs...)
	}
	for _, c := range a.Communities {
		r.comms = append(r.comms, map[uint32]string{wire.CommNoExport: "no-export", wire.CommNoAdvertise: "no-advertise",
			wire.CommNoExportSubconfed: "local-AS"}[c])
		if r.comms[len(r.comms)-1] == "" {
			r.comms[len(r.comms)-1] = fmt.Sprintf("%d:%d", c>>16, c&0xffff)
		}
	}
	for _, l := range a.LargeComms {
		r.large = append(r.large, fmt.Sprintf("%d:%d:%d", l.Global, l.Local1, l.Local2))
	}
	if a.HasLocalPref {
		r.lp = a.LocalPref
	}
	if a.HasMED {
		r.med = int64(a.MED)
	}
	return r
}

// summary is what must agree between netemu and FRR: LOCAL_PREF only
// where it is kept (imports, iBGP).
func (r rmRoute) summary(withLP bool) string {
	comms, large := slices.Clone(r.comms), slices.Clone(r.large)
	slices.Sort(comms)
	slices.Sort(large)
	s := fmt.Sprintf("path [%s] comms %v large %v med %d", r.pathString(), comms, large, r.med)
	if withLP {
		lp := r.lp
		if lp == 0 {
			lp = bgp.DefaultLocalPref
		}
		s += fmt.Sprintf(" lp %d", lp)
	}
	return s
}

func toAttrs(path []uint32, comms ...string) *wire.PathAttrs {
	a := &wire.PathAttrs{HasOrigin: true, HasASPath: true, ASPath: wire.ASPath{{Type: 2, ASNs: path}}}
	for _, c := range comms {
		v, err := wire.ParseCommunity(c)
		if err != nil {
			panic(err)
		}
		a.Communities = append(a.Communities, v)
	}
	return a
}

// TestPolicyMatchesNetemu runs routes through netemu's BGP import and
// export (routing/bgp) and through the route-maps generated for FRR, for
// every session of the valley lab and of a lab with iBGP, and wants the
// same decisions and the same attributes.
func TestPolicyMatchesNetemu(t *testing.T) {
	valley, err := topo.Load("testdata/valley.hcl")
	if err != nil {
		t.Fatal(err)
	}
	chain, err := topo.LoadExample("bgp-chain")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, lab := range []*topo.Lab{valley, chain} {
		pols, err := bgp.NewPolicies(agent.BGPPolicies(lab))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range lab.Nodes {
			sessions := lab.BGPSessions(n.Name)
			if len(sessions) == 0 {
				continue
			}
			nc, err := agent.BGPConfigFor(lab, n.Name)
			if err != nil {
				t.Fatal(err)
			}
			pol, err := policyConfig(lab, sessions)
			if err != nil {
				t.Fatal(err)
			}
			rm := parseRM(t, pol.text)
			local := bgp.Local{ASN: nc.ASN, RouterID: nc.RouterID}
			// The Loc-RIB: what each session's imports leave, plus our own.
			type ribPath struct {
				path  *bgp.Path
				frr   rmRoute
				from  int // session index, -1 local
				label string
			}
			var rib []ribPath
			for _, p := range lab.BGPOriginated(n.Name) {
				a := &wire.PathAttrs{HasOrigin: true, HasASPath: true}
				r := fromNetemu(p, a)
				if pol.origin != "" && !rm.apply(t, pol.origin, &r) {
					t.Fatalf("%s: origin map drops %s", n.Name, p)
				}
				rib = append(rib, ribPath{&bgp.Path{Prefix: p, Attrs: a, Reachable: true}, r, -1, "own " + p.String()})
			}
			for i, s := range sessions {
				from := &nc.Peers[i]
				var raws []*wire.PathAttrs
				first := []uint32{s.PeerAS}
				if s.IBGP {
					first = nil
				}
				for _, tail := range [][]uint32{nil, {65003}, {65004}, {65005, 65003}, {64999}} {
					path := append(slices.Clone(first), tail...)
					if slices.Contains(path, nc.ASN) {
						continue
					}
					raws = append(raws, toAttrs(path), toAttrs(path, "65004:100"), toAttrs(path, "no-export"))
				}
				for _, prefix := range []string{"10.3.0.0/16", "10.4.0.0/16", "10.44.0.0/16", "10.44.7.0/24", "10.44.7.0/25", "192.0.2.0/24"} {
					for _, raw := range raws {
						p := netip.MustParsePrefix(prefix)
						if s.IBGP {
							raw = raw.Clone()
							raw.HasLocalPref, raw.LocalPref = true, 120
						}
						label := fmt.Sprintf("%s from %s: %s %s", n.Name, s.PeerAddr, p, fromNetemu(p, raw).summary(false))
						a, res := bgp.Import(local, from, p, raw, pols)
						r := fromNetemu(p, raw)
						if !s.IBGP {
							r.lp = 0 // FRR ignores LOCAL_PREF from another AS
						}
						ok := pol.in[i] == "" || rm.apply(t, pol.in[i], &r)
						checked++
						if (res == bgp.ImportAccepted) != ok {
							t.Errorf("import %s: netemu %v, FRR permits %v", label, res, ok)
							continue
						}
						if !ok {
							continue
						}
						if w, g := fromNetemu(p, a).summary(true), r.summary(true); w != g {
							t.Errorf("import %s:\nnetemu %s\nFRR    %s", label, w, g)
						}
						info := &bgp.PeerInfo{Addr: s.PeerAddr, AS: s.PeerAS, IBGP: s.IBGP, Rel: s.Relationship}
						rib = append(rib, ribPath{&bgp.Path{Prefix: p, From: info, Attrs: a, Reachable: true}, r, i, label})
					}
				}
			}
			for _, rp := range rib {
				for j, s := range sessions {
					to := &nc.Peers[j]
					if rp.from == j || (s.IBGP && rp.from >= 0 && sessions[rp.from].IBGP) {
						continue // back to the sender; iBGP split horizon: both never send
					}
					want := bgp.Export(local, to, rp.path, pols)
					r := rp.frr.clone()
					ok := !slices.Contains(r.comms, "no-advertise") && (s.IBGP || !slices.Contains(r.comms, "no-export"))
					if ok && !s.IBGP && rp.from >= 0 {
						r.med = -1 // FRR: MED does not go from one AS to another
					}
					ok = ok && (pol.out[j] == "" || rm.apply(t, pol.out[j], &r))
					if !s.IBGP {
						r.path = append([]uint32{local.ASN}, r.path...)
					}
					checked++
					label := fmt.Sprintf("%s to %s", rp.label, s.PeerAddr)
					if (want != nil) != ok {
						t.Errorf("export %s: netemu sends %v, FRR sends %v", label, want != nil, ok)
						continue
					}
					if want != nil {
						if w, g := fromNetemu(rp.path.Prefix, want).summary(s.IBGP), r.summary(s.IBGP); w != g {
							t.Errorf("export %s:\nnetemu %s\nFRR    %s", label, w, g)
						}
					}
				}
			}
		}
	}
	t.Logf("%d import and export decisions compared", checked)
}
