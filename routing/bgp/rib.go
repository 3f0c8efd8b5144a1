package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/netemu/netemu/routing/bgp/wire"
)

// Default LOCAL_PREF and the Gao–Rexford preferences by relationship.
const (
	DefaultLocalPref = 100
	lpCustomer       = 200
	lpPeer           = 100
	lpProvider       = 50
)

// Relationships (the peer's role seen from us).
const (
	RelCustomer = "customer"
	RelPeer     = "peer"
	RelProvider = "provider"
)

// relTagLocal1 marks netemu's relationship tag: a large community
// (our ASN, relTagLocal1, 1 customer | 2 peer | 3 provider) that travels
// over iBGP so every border router knows where a route entered the AS.
const relTagLocal1 = 0x6e65 // "ne"

func relCode(rel string) uint32 {
	switch rel {
	case RelCustomer:
		return 1
	case RelPeer:
		return 2
	case RelProvider:
		return 3
	}
	return 0
}

// PeerInfo describes where a path came from; nil for a local path.
type PeerInfo struct {
	Name     string     `json:"name"`
	Addr     netip.Addr `json:"addr"`
	AS       uint32     `json:"as"`
	RouterID netip.Addr `json:"router_id"`
	IBGP     bool       `json:"ibgp"`
	Rel      string     `json:"relationship,omitempty"`
	// RRClient: the peer is a route-reflector client of ours (RFC 4456).
	RRClient bool `json:"rr_client,omitempty"`
}

// Path is one route to a prefix in the Loc-RIB.
type Path struct {
	Prefix netip.Prefix
	From   *PeerInfo       // nil: originated here
	Attrs  *wire.PathAttrs // after import policy
	Since  time.Time
	// Next-hop resolution, filled by the daemon: Reachable false makes
	// the path ineligible.
	Reachable bool
	Gateway   netip.Addr
	LinkIndex int
	IGPCost   uint32
}

func (p *Path) local() bool { return p.From == nil }
func (p *Path) ebgp() bool  { return p.From != nil && !p.From.IBGP }

// routerID is the BGP identifier the decision compares: the
// ORIGINATOR_ID of a reflected route, else the peer's.
func (p *Path) routerID() netip.Addr {
	if p.Attrs.OriginatorID.IsValid() {
		return p.Attrs.OriginatorID
	}
	return p.From.RouterID
}

func (p *Path) localPref() uint32 {
	if p.Attrs.HasLocalPref {
		return p.Attrs.LocalPref
	}
	return DefaultLocalPref
}

func (p *Path) med() uint32 {
	if p.Attrs.HasMED {
		return p.Attrs.MED
	}
	return 0
}

// Better reports whether a is preferred to b (RFC 4271 §9.1.2 and the
// usual tie-breaks) and names the step that decided.
func Better(a, b *Path) (bool, string) {
	if a.Reachable != b.Reachable {
		return a.Reachable, "next hop reachable"
	}
	if a.local() != b.local() {
		return a.local(), "locally originated"
	}
	if x, y := a.localPref(), b.localPref(); x != y {
		return x > y, "local-pref"
	}
	if x, y := a.Attrs.ASPath.Len(), b.Attrs.ASPath.Len(); x != y {
		return x < y, "as-path length"
	}
	if x, y := a.Attrs.Origin, b.Attrs.Origin; x != y {
		return x < y, "origin"
	}
	if a.Attrs.ASPath.First() == b.Attrs.ASPath.First() {
		if x, y := a.med(), b.med(); x != y {
			return x < y, "med"
		}
	}
	if a.ebgp() != b.ebgp() {
		return a.ebgp(), "ebgp over ibgp"
	}
	if a.IGPCost != b.IGPCost {
		return a.IGPCost < b.IGPCost, "igp cost"
	}
	if a.From == nil || b.From == nil {
		return a.From == nil, "local"
	}
	// A reflected route's ORIGINATOR_ID stands for the router ID, and
	// the shorter CLUSTER_LIST wins before the peer address (RFC 4456 §9).
	if c := a.routerID().Compare(b.routerID()); c != 0 {
		return c < 0, "router-id"
	}
	if x, y := len(a.Attrs.ClusterList), len(b.Attrs.ClusterList); x != y {
		return x < y, "cluster-list length"
	}
	return a.From.Addr.Compare(b.From.Addr) < 0, "peer address"
}

// Dest is every path to one prefix.
type Dest struct {
	Paths []*Path
	Best  *Path // nil when no path is eligible
}

// RIB is the Loc-RIB: every accepted path per prefix and the best one.
// It is not safe for concurrent use; the daemon owns it.
type RIB struct {
	dests map[uint64]*Dest // by pkey
}

// NewRIB returns an empty RIB.
func NewRIB() *RIB { return &RIB{dests: map[uint64]*Dest{}} }

func sameSource(a, b *PeerInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Addr == b.Addr
}

// Add inserts or replaces the path from p.From for p.Prefix and reports
// whether the best path changed.
func (r *RIB) Add(p *Path) bool {
	d := r.dests[pkey(p.Prefix)]
	if d == nil {
		d = &Dest{}
		r.dests[pkey(p.Prefix)] = d
	}
	i := slices.IndexFunc(d.Paths, func(q *Path) bool { return sameSource(q.From, p.From) })
	if i >= 0 {
		d.Paths[i] = p
	} else {
		d.Paths = append(d.Paths, p)
	}
	return r.decide(d, p.Prefix)
}

// Remove drops the path from src for prefix and reports whether the best
// path changed.
func (r *RIB) Remove(prefix netip.Prefix, src *PeerInfo) bool {
	d := r.dests[pkey(prefix)]
	if d == nil {
		return false
	}
	i := slices.IndexFunc(d.Paths, func(q *Path) bool { return sameSource(q.From, src) })
	if i < 0 {
		return false
	}
	d.Paths = slices.Delete(d.Paths, i, i+1)
	return r.decide(d, prefix)
}

// Redecide re-runs the decision for prefix (after next hops changed).
func (r *RIB) Redecide(prefix netip.Prefix) bool {
	d := r.dests[pkey(prefix)]
	if d == nil {
		return false
	}
	return r.decide(d, prefix)
}

func (r *RIB) decide(d *Dest, prefix netip.Prefix) bool {
	old := d.Best
	d.Best = selectBest(d.Paths)
	if len(d.Paths) == 0 {
		delete(r.dests, pkey(prefix))
	}
	return old != d.Best
}

// selectBest runs RFC 4271 §9.1.2.2's elimination over the reachable
// paths. Pairwise comparison alone would do for two paths, but not for
// more: MED counts only between paths from one neighbour AS, so "better
// than" is not transitive and the winner of a pairwise scan would depend
// on the order the paths arrived in (RFC 3345 §2).
func selectBest(paths []*Path) *Path {
	var buf [8]*Path
	c := buf[:0]
	for _, p := range paths {
		if p.Reachable {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return nil
	}
	if len(c) > 2 {
		// Steps before MED: keep the paths nothing beats on them.
		top := c[0]
		for _, p := range c[1:] {
			if preMED(p, top) < 0 {
				top = p
			}
		}
		c = slices.DeleteFunc(c, func(p *Path) bool { return preMED(p, top) != 0 })
		// MED: drop a path when one from the same neighbour AS has a lower one.
		med := c[:0:0]
		for _, p := range c {
			if !slices.ContainsFunc(c, func(q *Path) bool {
				return q.Attrs.ASPath.First() == p.Attrs.ASPath.First() && q.med() < p.med()
			}) {
				med = append(med, p)
			}
		}
		c = med
	}
	// What is left differs at most in steps that order paths totally.
	best := c[0]
	for _, p := range c[1:] {
		if ok, _ := Better(p, best); ok {
			best = p
		}
	}
	return best
}

// preMED compares a and b on the decision steps before MED (negative: a
// is preferred), as Better does.
func preMED(a, b *Path) int {
	if a.local() != b.local() {
		if a.local() {
			return -1
		}
		return 1
	}
	if x, y := a.localPref(), b.localPref(); x != y {
		if x > y {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(a.Attrs.ASPath.Len(), b.Attrs.ASPath.Len()); c != 0 {
		return c
	}
	return cmp.Compare(a.Attrs.Origin, b.Attrs.Origin)
}

// Dest returns the destination for prefix, or nil.
func (r *RIB) Dest(prefix netip.Prefix) *Dest { return r.dests[pkey(prefix)] }

// Prefixes returns every prefix with at least one path, sorted.
func (r *RIB) Prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(r.dests))
	for k := range r.dests {
		out = append(out, unpkey(k))
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

// Len is the number of prefixes.
func (r *RIB) Len() int { return len(r.dests) }

// Local is what import and export need to know about this speaker.
type Local struct {
	ASN      uint32
	RouterID netip.Addr
	// ClusterID is the route-reflection cluster (RFC 4456); the router ID
	// when invalid. It matters only with route-reflector clients.
	ClusterID netip.Addr
}

// cluster is the cluster ID in force.
func (l Local) cluster() netip.Addr {
	if l.ClusterID.IsValid() {
		return l.ClusterID
	}
	return l.RouterID
}

// ImportResult says what became of a received route.
type ImportResult int

// Import outcomes.
const (
	ImportAccepted ImportResult = iota
	ImportLoop
	ImportFirstAS
	ImportPolicy
	ImportOwnNextHop
	// ImportReflectLoop: an iBGP route carrying our router ID as
	// ORIGINATOR_ID or our cluster ID in its CLUSTER_LIST (RFC 4456 §8).
	ImportReflectLoop
)

// Import turns a received route into the attributes the Loc-RIB keeps:
// loop detection, eBGP LOCAL_PREF handling, relationship preference and
// tag, then the import policy. raw is not modified.
func Import(l Local, from *PeerConfig, prefix netip.Prefix, raw *wire.PathAttrs, pols *Policies) (*wire.PathAttrs, ImportResult) {
	if raw.ASPath.Contains(l.ASN) {
		return nil, ImportLoop
	}
	if raw.NextHop == from.LocalAddr {
		return nil, ImportOwnNextHop
	}
	if from.IBGP() && ((raw.OriginatorID.IsValid() && raw.OriginatorID == l.RouterID) ||
		slices.Contains(raw.ClusterList, l.cluster())) {
		return nil, ImportReflectLoop
	}
	a := raw.Clone()
	if !from.IBGP() {
		// Reflection's attributes are non-transitive and internal to an
		// AS: a neighbour AS's are not ours to act on.
		a.OriginatorID, a.ClusterList = netip.Addr{}, nil
		if first := a.ASPath.First(); first != from.PeerAS {
			return nil, ImportFirstAS
		}
		// LOCAL_PREF is ours to set on eBGP routes (RFC 4271 §5.1.5).
		a.HasLocalPref, a.LocalPref = true, DefaultLocalPref
		if code := relCode(from.Relationship); code != 0 {
			a.LocalPref = map[uint32]uint32{1: lpCustomer, 2: lpPeer, 3: lpProvider}[code]
			a.LargeComms = append(a.LargeComms, wire.LargeCommunity{Global: l.ASN, Local1: relTagLocal1, Local2: code})
		}
	} else if !a.HasLocalPref {
		a.HasLocalPref, a.LocalPref = true, DefaultLocalPref
	}
	if !from.IBGP() && a.HasCommunity(wire.CommGracefulShutdown) {
		// RFC 8326: the neighbour AS is about to take the path down for
		// maintenance (FRR's "bgp graceful-shutdown"); any other path wins
		// meanwhile. As FRR does, on eBGP only: over iBGP LOCAL_PREF
		// already says it. The import policy may still say otherwise.
		a.LocalPref = 0
	}
	if from.Import != "" && pols != nil {
		if !pols.Apply(from.Import, prefix, a, l.ASN) {
			return nil, ImportPolicy
		}
	}
	return a, ImportAccepted
}

// learnedFromCustomer reports whether a path entered our AS from a
// customer, or was originated in our AS: here, or by another of its
// routers (over iBGP with an empty AS_PATH, e.g. a VPC's public IP pool
// at an edge router that is not the AS's border router).
func learnedFromCustomer(l Local, p *Path) bool {
	if p.local() || (p.From != nil && p.From.IBGP && p.Attrs.ASPath.Len() == 0) {
		return true
	}
	return slices.Contains(p.Attrs.LargeComms, wire.LargeCommunity{Global: l.ASN, Local1: relTagLocal1, Local2: 1})
}

// Export decides whether best goes to peer to and with what attributes
// (nil: do not send; withdraw if sent before). It applies NO_ADVERTISE /
// NO_EXPORT, the iBGP split horizon, Gao–Rexford and next-hop-self, then
// the export policy, then over eBGP the prepend of our own ASN.
func Export(l Local, to *PeerConfig, best *Path, pols *Policies) *wire.PathAttrs {
	if best == nil || !best.Reachable {
		return nil
	}
	if best.From != nil && best.From.Addr == to.PeerAddr {
		return nil
	}
	a := best.Attrs
	if a.HasCommunity(wire.CommNoAdvertise) {
		return nil
	}
	ibgp := to.IBGP()
	if !ibgp && (a.HasCommunity(wire.CommNoExport) || a.HasCommunity(wire.CommNoExportSubconfed)) {
		return nil
	}
	// iBGP split horizon, unless we reflect (RFC 4456 §6): a client's
	// route goes to every iBGP peer, a non-client's to clients only.
	reflect := ibgp && best.From != nil && best.From.IBGP
	if reflect && !best.From.RRClient && !to.RRClient {
		return nil
	}
	if !ibgp && (to.Relationship == RelPeer || to.Relationship == RelProvider) && !learnedFromCustomer(l, best) {
		return nil // valley-free: only own and customer routes go up or sideways
	}
	out := a.Clone()
	out.MPReach, out.MPUnreach = nil, nil
	// Unknown optional transitive attributes travel on marked partial;
	// unknown non-transitive ones stop here.
	out.Unknown = out.Unknown[:0]
	for _, u := range a.Unknown {
		if u.Flags&wire.FlagTransitive != 0 {
			u.Flags |= wire.FlagPartial
			out.Unknown = append(out.Unknown, u)
		}
	}
	if len(out.Unknown) == 0 {
		out.Unknown = nil
	}
	if best.local() {
		out.HasOrigin, out.HasASPath = true, true
	}
	if reflect {
		if !out.OriginatorID.IsValid() {
			out.OriginatorID = best.From.RouterID
		}
		out.ClusterList = append([]netip.Addr{l.cluster()}, out.ClusterList...)
	} else {
		// Our own and eBGP routes start a reflection afresh.
		out.OriginatorID, out.ClusterList = netip.Addr{}, nil
	}
	if ibgp {
		if !out.HasLocalPref {
			out.HasLocalPref, out.LocalPref = true, DefaultLocalPref
		}
		// next-hop-self for routes from outside the AS and our own.
		if best.From == nil || !best.From.IBGP {
			out.NextHop = to.LocalAddr
		}
	} else {
		out.HasLocalPref, out.LocalPref = false, 0
		// MED is not passed on to another AS (RFC 4271 §5.1.4).
		if !best.local() {
			out.HasMED, out.MED = false, 0
		}
		out.NextHop = to.LocalAddr
		out.LargeComms = slices.DeleteFunc(out.LargeComms, func(c wire.LargeCommunity) bool {
			return c.Global == l.ASN && c.Local1 == relTagLocal1
		})
		if len(out.LargeComms) == 0 {
			out.LargeComms = nil
		}
	}
	if to.Export != "" && pols != nil {
		if !pols.Apply(to.Export, best.Prefix, out, l.ASN) {
			return nil
		}
	}
	if !ibgp {
		// After the export policy, as BIRD, FRR, IOS and Junos do: its
		// as_path terms see the path as received, its prepends come
		// after our own one.
		out.ASPath = out.ASPath.Prepend(l.ASN, 1)
	}
	return out
}

// pkey packs an IPv4 prefix into a map key a quarter of netip.Prefix's
// size: tables hold up to millions of them.
func pkey(p netip.Prefix) uint64 {
	a := p.Addr().As4()
	return uint64(a[0])<<40 | uint64(a[1])<<32 | uint64(a[2])<<24 | uint64(a[3])<<16 | uint64(p.Bits())
}

func unpkey(k uint64) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(k >> 40), byte(k >> 32), byte(k >> 24), byte(k >> 16)}), int(k&0xff))
}
