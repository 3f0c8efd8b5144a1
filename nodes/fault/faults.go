// Package fault injects failures into a running lab on demand — a link cut
// (carrier lost), a silent link (every packet dropped, carrier kept), a
// router's agent crashed — and records them in the lab's state directory so
// that `netemu events` and `netemu wait` know when the last failure
// happened.
//
// This file is the pure part: the faults file and how links are named. The
// kernel work lives in the _linux.go files.
package fault

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agext/levenshtein"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/jsonfile"
	"github.com/netemu/netemu/topo"
)

// Kinds of fault and of the repairs that end them.
const (
	KindLinkDown   = "link-down"   // both ends admin down: carrier lost
	KindLinkSilent = "link-silent" // every packet dropped, carrier kept
	KindLinkUp     = "link-up"     // a link fault repaired
	KindNodeStop   = "node-stop"   // a router's agent killed
	KindNodeStart  = "node-start"  // a router's agent restarted
	// KindLinkImpair: a link's impairments changed at run time (`link
	// set`); Record.Detail says to what. It neither ends nor is a fault
	// in force: a cut link stays cut.
	KindLinkImpair = "link-impair"
)

// maxHistory bounds the faults file; old injections are of no use to a
// timeline that starts at the last one.
const maxHistory = 1000

// Fault is a failure in force now.
type Fault struct {
	Kind string `json:"kind"`
	// A and B are a link's ends (node names), Node a stopped router.
	A     string    `json:"a,omitempty"`
	B     string    `json:"b,omitempty"`
	Node  string    `json:"node,omitempty"`
	Since time.Time `json:"since"`
	// AIface and BIface are the link's interfaces at A and B: two nodes
	// may share parallel links, each with its own fault. Empty in files
	// of older versions, where the node names alone name the link.
	AIface string `json:"a_iface,omitempty"`
	BIface string `json:"b_iface,omitempty"`
	// Spec is a stopped agent's process, to start it again as it was.
	Spec *nodes.ProcessSpec `json:"spec,omitempty"`
	// Specs are all the routing processes stopped with the router, in the
	// order to start them again (FRR's zebra before bgpd and ripd); Spec
	// is the first of them, for faults files of older versions.
	Specs []nodes.ProcessSpec `json:"specs,omitempty"`
}

// Record is one injection or repair, kept for the timeline.
type Record struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	A    string    `json:"a,omitempty"`
	B    string    `json:"b,omitempty"`
	Node string    `json:"node,omitempty"`
	// AIface and BIface: as in Fault.
	AIface string `json:"a_iface,omitempty"`
	BIface string `json:"b_iface,omitempty"`
	// Detail is what a link-impair record set, e.g. "delay 40ms loss 1%".
	Detail string `json:"detail,omitempty"`
}

// String describes the record for people, e.g. "link-down transit-a–aws-edge".
func (r Record) String() string {
	if r.Node != "" {
		return r.Kind + " " + r.Node
	}
	s := r.Kind + " " + r.A + "–" + r.B
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// File is the lab's faults file (StateDir/faults.json).
type File struct {
	Active  []Fault  `json:"active"`
	History []Record `json:"history"`
}

// FileName is the faults file's name inside a state directory.
const FileName = "faults.json"

// Path is the faults file of a lab share.
func Path(stateDir string) string { return filepath.Join(stateDir, FileName) }

// Load reads the faults file; a lab that never had a fault has an empty one.
func Load(stateDir string) (*File, error) {
	var f File
	if _, err := jsonfile.Read(Path(stateDir), &f); err != nil {
		return nil, fmt.Errorf("read faults: %w", err)
	}
	return &f, nil
}

// save writes the file atomically so a reader never sees half of it.
func save(stateDir string, f *File) error {
	if err := jsonfile.Write(Path(stateDir), f); err != nil {
		return fmt.Errorf("write faults: %w", err)
	}
	return nil
}

// LastChange is the time of the last injection or repair — the reference
// point ("LAST_FAILURE") of `events` and of a convergence time — and false
// when the lab never had one.
func (f *File) LastChange() (Record, bool) {
	if len(f.History) == 0 {
		return Record{}, false
	}
	last := f.History[0]
	for _, r := range f.History[1:] {
		if r.Time.After(last.Time) {
			last = r
		}
	}
	return last, true
}

// LinkFault returns the fault in force on the link between a and b (either
// order), or nil. An end is a node name, or "node:iface" to pick one of
// parallel links.
func (f *File) LinkFault(a, b string) *Fault {
	an, ai, _ := strings.Cut(a, ":")
	bn, bi, _ := strings.Cut(b, ":")
	for i := range f.Active {
		x := &f.Active[i]
		if x.Node == "" && sameLink(x.A, x.AIface, x.B, x.BIface, an, ai, bn, bi) {
			return x
		}
	}
	return nil
}

// sameLink reports whether ends (a, ai)–(b, bi) and (c, ci)–(d, di) are one
// link, in either order. An interface is compared only when both sides
// know it.
func sameLink(a, ai, b, bi, c, ci, d, di string) bool {
	end := func(n, i, m, j string) bool { return n == m && (i == "" || j == "" || i == j) }
	return (end(a, ai, c, ci) && end(b, bi, d, di)) || (end(a, ai, d, di) && end(b, bi, c, ci))
}

// NodeStopped reports whether node's agent is stopped by a fault.
func (f *File) NodeStopped(node string) bool {
	for _, x := range f.Active {
		if x.Kind == KindNodeStop && x.Node == node {
			return true
		}
	}
	return false
}

// StoppedSpecs returns the process specs recorded when node's routing
// processes were stopped, in start order, or nil.
func (f *File) StoppedSpecs(node string) []nodes.ProcessSpec {
	for _, x := range f.Active {
		if x.Kind == KindNodeStop && x.Node == node {
			if len(x.Specs) > 0 {
				return x.Specs
			}
			if x.Spec != nil {
				return []nodes.ProcessSpec{*x.Spec}
			}
		}
	}
	return nil
}

// apply records r and updates the faults in force.
func (f *File) apply(r Record) {
	f.applyWith(r, nil)
}

// applyWith is apply with the specs of a stopped router's processes.
func (f *File) applyWith(r Record, specs []nodes.ProcessSpec) {
	f.History = append(f.History, r)
	if len(f.History) > maxHistory {
		f.History = append([]Record(nil), f.History[len(f.History)-maxHistory:]...)
	}
	if r.Kind == KindLinkImpair {
		return
	}
	keep := f.Active[:0]
	for _, x := range f.Active {
		link := r.Node == "" && x.Node == "" && sameLink(x.A, x.AIface, x.B, x.BIface, r.A, r.AIface, r.B, r.BIface)
		node := r.Node != "" && x.Node == r.Node
		if !link && !node {
			keep = append(keep, x)
		}
	}
	f.Active = keep
	switch r.Kind {
	case KindLinkDown, KindLinkSilent, KindNodeStop:
		x := Fault{Kind: r.Kind, A: r.A, B: r.B, AIface: r.AIface, BIface: r.BIface, Node: r.Node, Since: r.Time, Specs: specs}
		if len(specs) > 0 {
			x.Spec = &specs[0]
		}
		f.Active = append(f.Active, x)
	}
}

// FindLink resolves the link named by its two ends. An end is a node name
// or "node:iface" when two nodes share several links.
func FindLink(lab *topo.Lab, a, b string) (*topo.Link, error) {
	an, ai, _ := strings.Cut(a, ":")
	bn, bi, _ := strings.Cut(b, ":")
	for _, n := range []string{an, bn} {
		if lab.Node(n) == nil {
			return nil, fmt.Errorf("lab %q has no node %q%s", lab.Name, n, closest(n, lab))
		}
	}
	match := func(e topo.Endpoint, node, iface string) bool {
		return e.Node == node && (iface == "" || e.Iface == iface)
	}
	var found []*topo.Link
	for _, l := range lab.Links {
		if (match(l.A, an, ai) && match(l.B, bn, bi)) || (match(l.A, bn, bi) && match(l.B, an, ai)) {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		var peers []string
		for _, l := range lab.Links {
			switch {
			case l.A.Node == an:
				peers = append(peers, l.B.Node)
			case l.B.Node == an:
				peers = append(peers, l.A.Node)
			}
		}
		return nil, fmt.Errorf("lab %q has no link between %s and %s (%s's links go to %s)", lab.Name, a, b, an, strings.Join(peers, ", "))
	case 1:
		return found[0], nil
	}
	// Parallel links: acting on the first would cut one and leave the
	// user believing both are down.
	var names []string
	for _, l := range found {
		names = append(names, l.A.Node+":"+l.A.Iface+" "+l.B.Node+":"+l.B.Iface)
	}
	return nil, fmt.Errorf("lab %q has %d links between %s and %s: name the interfaces (%s)", lab.Name, len(found), a, b, strings.Join(names, ", "))
}

// Split is a link seen from one machine of a multi-host lab: the ends
// this machine holds and those on other machines (the far ends of a
// VXLAN tunnel). In a lab without machines every end is local.
type Split struct {
	Link   *topo.Link
	Local  []topo.Endpoint
	Remote []RemoteEnd
}

// RemoteEnd is a link end on another machine.
type RemoteEnd struct {
	topo.Endpoint
	Machine string
}

// Cross reports whether the link is a tunnel between two machines.
func (s Split) Cross() bool { return len(s.Remote) > 0 }

// Machines lists the machines holding an end of the link (each once, in
// end order).
func (s Split) Machines(lab *topo.Lab) []string {
	var out []string
	for _, e := range []topo.Endpoint{s.Link.A, s.Link.B} {
		m := ""
		if n := lab.Node(e.Node); n != nil {
			m = n.Machine
		}
		if m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// SplitLink resolves the link between a and b and sorts its ends into this
// machine's and the others'. A link with no end on machine is an error
// naming the machines that hold it: the command must run there.
func SplitLink(lab *topo.Lab, machine, a, b string) (Split, error) {
	l, err := FindLink(lab, a, b)
	if err != nil {
		return Split{}, err
	}
	s := Split{Link: l}
	var where []string
	for _, e := range []topo.Endpoint{l.A, l.B} {
		m := lab.Node(e.Node).Machine
		if m == machine || len(lab.Machines) == 0 {
			s.Local = append(s.Local, e)
			continue
		}
		s.Remote = append(s.Remote, RemoteEnd{Endpoint: e, Machine: m})
		where = append(where, fmt.Sprintf("%s on %s", e.Node, m))
	}
	if len(s.Local) == 0 {
		return Split{}, fmt.Errorf("link %s–%s has no end on machine %s (%s): run the command there, or add --all-machines",
			l.A.Node, l.B.Node, machine, strings.Join(where, ", "))
	}
	return s, nil
}

// closest is ` (did you mean "x"?)` for the lab's node nearest to a
// misspelt name, "" when none is near.
func closest(name string, lab *topo.Lab) string {
	best, bestD := "", max(len(name)/3, 1)+1
	for _, n := range lab.Nodes {
		if d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(n.Name), nil); d < bestD {
			best, bestD = n.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
