package converge

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/netemu/netemu/topo"
)

// View is what one router's agent reported through its control socket.
type View struct {
	Node string
	// Err is set when the agent could not be asked (not running, socket
	// gone, bad answer).
	Err error
	// LastChange is the agent's last RIB or kernel table change.
	LastChange    time.Time
	RIPNeighbours []RIPNeighbour
	BGPSessions   []BGPSession
	// OSPFNeighbours are the OSPF daemon's neighbours (none without OSPF).
	OSPFNeighbours []OSPFNeighbour
	// Inconsistent are the agent's RIB/kernel/advertisement
	// disagreements (agent /consistency; consistency.go).
	Inconsistent []string
}

// RIPNeighbour is a RIP neighbour as the agent knows it.
type RIPNeighbour struct {
	Addr      netip.Addr
	Iface     string
	LastHeard time.Time
}

// BGPSession is a BGP session as the agent knows it.
type BGPSession struct {
	Peer  netip.Addr
	ASN   uint32
	State string // "Established" when up
}

// Established reports whether the session is up.
func (s BGPSession) Established() bool { return strings.EqualFold(s.State, "established") }

// Faults are the failures in force, as the faults file records them.
type Faults struct {
	// Links maps a link's two ends, sorted, to its fault (silent or
	// carrier loss). An end is "node:iface", which tells parallel links
	// apart, or a node name alone (every link between the two nodes).
	Links map[[2]string]LinkFault
	// Stopped holds routers whose agent was stopped.
	Stopped map[string]bool
	// Last is the time of the last injection or repair (zero: none).
	Last time.Time
}

// LinkFault is a link's fault.
type LinkFault struct {
	Silent bool
	Since  time.Time
}

// LinkKey is the key of the link between ends a and b in Faults.Links.
func LinkKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// link is the fault on the link from node a's interface aIface to node b.
func (f Faults) link(a, aIface, b string) (LinkFault, bool) {
	if lf, ok := f.Links[LinkKey(a, b)]; ok {
		return lf, true
	}
	for k, lf := range f.Links {
		xn, xi, _ := strings.Cut(k[0], ":")
		yn, yi, _ := strings.Cut(k[1], ":")
		if (xn == a && xi == aIface && yn == b) || (yn == a && yi == aIface && xn == b) {
			return lf, true
		}
	}
	return LinkFault{}, false
}

// Problem is one thing that has not converged.
type Problem struct {
	Node  string `json:"node"`
	What  string `json:"what"`
	State string `json:"state"`
}

func (p Problem) String() string { return p.Node + ": " + p.What + ": " + p.State }

// Result is the outcome of one convergence check.
type Result struct {
	Converged bool
	// Problems lists what is not in its converged state; empty when only
	// the quiet period is missing.
	Problems []Problem
	// LastChange is the last routing change of any agent or the last
	// fault, whichever is later; the quiet period counts from it.
	LastChange time.Time
	// QuietLeft is how much of the quiet period is still to go.
	QuietLeft time.Duration
	// External lists the sessions towards BGP speakers netemu does not
	// run (`neighbor "ADDR"` blocks) that are not Established: they never
	// hold convergence back, since the speaker may be started only after
	// `up` (BIRD in a host of the lab), but they are reported.
	External []Problem
}

// Summary describes a result in one line for people.
func (r Result) Summary() string {
	if r.Converged {
		return "converged"
	}
	if len(r.Problems) == 0 {
		return fmt.Sprintf("routing still changing (quiet for %s more)", r.QuietLeft.Round(time.Millisecond))
	}
	parts := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// QuietPeriod is how long no agent may change a RIB or the kernel table
// before the lab counts as converged. Triggered updates and BGP's batching
// settle within seconds; with RFC timers a lost triggered update is only
// repaired by the next periodic update, hence update interval + a margin.
func QuietPeriod(t topo.Timers) time.Duration {
	if t.RIPUpdate <= 0 || t.RIPUpdate <= 5*time.Second {
		return 2 * time.Second
	}
	return t.RIPUpdate + 2*time.Second
}

// AgentNodes lists the routers that run netemu's agent in lab.
func AgentNodes(lab *topo.Lab) []string {
	if lab.Daemons == "none" || lab.Daemons == "frr" {
		return nil
	}
	var out []string
	for _, n := range lab.Nodes {
		if n.Kind == topo.KindRouter {
			out = append(out, n.Name)
		}
	}
	return out
}

// runsRIP reports whether routers a and b speak RIP to each other.
func runsRIP(lab *topo.Lab, a, b *topo.Node) bool {
	if a.Kind != topo.KindRouter || b.Kind != topo.KindRouter || a.AS != b.AS {
		return false
	}
	as := lab.AS(a.AS)
	return as != nil && as.IGP == topo.IGPRIP
}

// Check decides whether the lab has converged: every agent answers; every
// RIP neighbour across a working link has been heard since the last
// change; every BGP session that can
// be up is Established; across a silently failed link neither is any more
// or to a stopped router (the protocols have noticed); and nothing changed
// for the quiet period.
func Check(lab *topo.Lab, views []View, f Faults, quiet time.Duration, now time.Time) Result {
	res := Result{LastChange: f.Last}
	timeout := lab.Timers.RIPTimeout
	if timeout <= 0 {
		timeout = 180 * time.Second
	}
	for _, v := range views {
		if !f.Stopped[v.Node] && v.Err == nil && v.LastChange.After(res.LastChange) {
			res.LastChange = v.LastChange
		}
	}
	for _, v := range views {
		if f.Stopped[v.Node] {
			continue
		}
		if v.Err != nil {
			res.Problems = append(res.Problems, Problem{v.Node, "agent", "unreachable: " + v.Err.Error()})
			continue
		}
		n := lab.Node(v.Node)
		if n == nil {
			continue
		}
		res.Problems = append(res.Problems, checkRIP(lab, n, v, f, timeout, res.LastChange, now)...)
		res.Problems = append(res.Problems, checkOSPF(lab, n, v, f)...)
		res.Problems = append(res.Problems, checkConsistency(v)...)
		bgp, ext := checkBGP(lab, n, v, f)
		res.Problems = append(res.Problems, bgp...)
		res.External = append(res.External, ext...)
	}
	if len(res.Problems) > 0 {
		return res
	}
	if !res.LastChange.IsZero() {
		if since := now.Sub(res.LastChange); since < quiet {
			res.QuietLeft = quiet - since
			return res
		}
	}
	res.Converged = true
	return res
}

// checkRIP checks n's RIP neighbours. Each one across a working link must
// have been heard since the lab's last change: a route that timed out is
// only replaced by the next periodic update of a neighbour that has an
// alternative, so a quiet period shorter than the update interval would
// call the lab converged too early.
func checkRIP(lab *topo.Lab, n *topo.Node, v View, f Faults, timeout time.Duration, lastChange, now time.Time) []Problem {
	var out []Problem
	for _, i := range n.Interfaces {
		peer := lab.Node(i.Peer)
		if peer == nil || !runsRIP(lab, n, peer) {
			continue
		}
		pi := peer.Interface(i.PeerIface)
		if pi == nil {
			continue
		}
		addr := pi.Addr.Addr()
		heard, heardSince := false, false
		for _, nb := range v.RIPNeighbours {
			if nb.Addr == addr && now.Sub(nb.LastHeard) < timeout {
				heard = true
				heardSince = !nb.LastHeard.Before(lastChange)
			}
		}
		what := fmt.Sprintf("rip neighbour %s (%s on %s)", addr, peer.Name, i.Name)
		lf, faulted := f.link(n.Name, i.Name, peer.Name)
		switch {
		case f.Stopped[peer.Name] && heard:
			out = append(out, Problem{n.Name, what, "still heard from a stopped router (waiting for the route timeout)"})
		case f.Stopped[peer.Name]:
		case faulted && lf.Silent && heard:
			out = append(out, Problem{n.Name, what, "still heard across a silent link (waiting for the route timeout)"})
		case !faulted && !heard:
			out = append(out, Problem{n.Name, what, "not heard"})
		case !faulted && !heardSince:
			out = append(out, Problem{n.Name, what, "no update since the last routing change"})
		}
	}
	return out
}

// checkBGP checks n's BGP sessions. Sessions towards speakers netemu
// does not run are returned apart (ext) when they are not up.
func checkBGP(lab *topo.Lab, n *topo.Node, v View, f Faults) (out, ext []Problem) {
	for _, s := range v.BGPSessions {
		owner := Owner(lab, s.Peer)
		what := fmt.Sprintf("bgp session %s", s.Peer)
		if owner != "" {
			what += " (" + owner + ")"
		}
		if externalNeighbor(n, s.Peer) && !isRouter(lab, owner) {
			if !s.Established() {
				ext = append(ext, Problem{n.Name, what, s.State + ": waiting for an external speaker"})
			}
			continue
		}
		if owner != "" && f.Stopped[owner] {
			// A crashed peer's sockets close, or its hold timer expires.
			if s.Established() {
				out = append(out, Problem{n.Name, what, "still Established with a stopped router"})
			}
			continue
		}
		if direct := connectedVia(n, s.Peer); direct != nil && owner != "" {
			lf, faulted := f.link(n.Name, direct.Name, direct.Peer)
			switch {
			case faulted && lf.Silent && s.Established():
				out = append(out, Problem{n.Name, what, "still Established across a silent link (waiting for the hold timer)"})
			case !faulted && !s.Established():
				out = append(out, Problem{n.Name, what, s.State})
			}
			continue
		}
		// A session between loopbacks can be up only while the AS's IGP
		// still joins the two routers.
		if owner != "" && !igpReachable(lab, n.Name, owner, f) {
			continue
		}
		if !s.Established() {
			out = append(out, Problem{n.Name, what, s.State})
		}
	}
	return out, ext
}

// isRouter reports whether node is one of the lab's routers: a
// `neighbor "ADDR"` block naming a router's address is a session with a
// speaker the lab runs, which must come up like any other.
func isRouter(lab *topo.Lab, node string) bool {
	n := lab.Node(node)
	return n != nil && n.Kind == topo.KindRouter
}

// externalNeighbor reports whether addr is one of n's `neighbor "ADDR"`
// blocks: a BGP speaker netemu does not run, unless a router of the lab
// owns the address (see isRouter).
func externalNeighbor(n *topo.Node, addr netip.Addr) bool {
	for _, nb := range n.BGPNeighbors {
		if nb.Address.IsValid() && nb.Address == addr {
			return true
		}
	}
	return false
}

// connectedVia returns n's interface whose subnet holds addr, or nil.
func connectedVia(n *topo.Node, addr netip.Addr) *topo.Interface {
	for _, i := range n.Interfaces {
		if i.Addr.Masked().Contains(addr) {
			return i
		}
	}
	return nil
}

// igpReachable reports whether routers a and b are joined by links inside
// their AS that are not failed, through routers whose agent runs.
func igpReachable(lab *topo.Lab, a, b string, f Faults) bool {
	seen := map[string]bool{a: true}
	queue := []string{a}
	for len(queue) > 0 {
		cur := lab.Node(queue[0])
		queue = queue[1:]
		if cur == nil {
			continue
		}
		for _, i := range cur.Interfaces {
			peer := lab.Node(i.Peer)
			if peer == nil || seen[peer.Name] || peer.Kind != topo.KindRouter || peer.AS != cur.AS {
				continue
			}
			if _, faulted := f.link(cur.Name, i.Name, peer.Name); faulted {
				continue
			}
			if peer.Name == b {
				return true
			}
			if f.Stopped[peer.Name] {
				continue
			}
			seen[peer.Name] = true
			queue = append(queue, peer.Name)
		}
	}
	return false
}

// SortProblems orders problems by node, then what, for stable output.
func SortProblems(ps []Problem) {
	slices.SortFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.Node, b.Node); c != 0 {
			return c
		}
		return strings.Compare(a.What, b.What)
	})
}
