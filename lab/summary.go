package lab

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

// SummaryMax is the largest share `up` lists node by node: above it a
// table of hundreds of lines scrolls the convergence report away, so up
// prints WriteUpSummary and `netemu status` has the full table.
const SummaryMax = 50

// summaryASes bounds the per-AS reflector lines of the summary.
const summaryASes = 10

// ReflectorReport is one AS's iBGP route reflectors (RFC 4456).
type ReflectorReport struct {
	AS string `json:"as"`
	// Routers is how many routers the AS has.
	Routers    int      `json:"routers"`
	Reflectors []string `json:"reflectors"`
	// Picked: chosen by default, the AS being above topo.FullMeshMax
	// routers without route_reflectors; else named in the file.
	Picked bool `json:"picked,omitempty"`
}

// Reflectors lists the ASes of m that use route reflectors, in the
// file's order; ASes with an iBGP full mesh are left out.
func Reflectors(m *topo.Lab) []ReflectorReport {
	if m == nil {
		return nil
	}
	routers := map[string]int{}
	for _, n := range m.Nodes {
		if n.Kind == topo.KindRouter {
			routers[n.AS]++
		}
	}
	var out []ReflectorReport
	for _, as := range m.ASes {
		if len(as.RouteReflectors) == 0 {
			continue
		}
		out = append(out, ReflectorReport{AS: as.Name, Routers: routers[as.Name],
			Reflectors: slices.Clone(as.RouteReflectors), Picked: as.ReflectorsPicked})
	}
	return out
}

// String is "AS as0: route reflectors a0s0, a0s1 (picked: 100 routers >
// full mesh max 10)".
func (r ReflectorReport) String() string {
	why := fmt.Sprintf("route_reflectors, %d routers", r.Routers)
	if r.Picked {
		why = fmt.Sprintf("picked: %d routers > full mesh max %d", r.Routers, topo.FullMeshMax)
	}
	return fmt.Sprintf("AS %s: route reflectors %s (%s)", r.AS, strings.Join(r.Reflectors, ", "), why)
}

// WriteReflectors prints a line per AS with route reflectors.
func WriteReflectors(w io.Writer, rs []ReflectorReport) {
	for _, r := range rs {
		fmt.Fprintln(w, r)
	}
}

// UpSummary is what WriteUpSummary prints of a share.
type UpSummary struct {
	Share  string // the share's name (lab, or lab and machine)
	Lab    string
	Nodes  int
	ByKind map[topo.NodeKind]int
	Links  int
	ASes   int
	// Reflectors: the ASes with route reflectors.
	Reflectors []ReflectorReport
	Took       time.Duration
}

// Summarise counts a share's nodes by kind, its links (those with an end
// in the share), and the ASes its routers belong to.
func Summarise(st *nodes.State, took time.Duration) UpSummary {
	s := UpSummary{Share: labpath.ShareName(st.Lab, st.Machine), Lab: st.Lab, Nodes: len(st.Nodes), ByKind: map[topo.NodeKind]int{}, Took: took}
	if st.Model == nil {
		return s
	}
	mine := map[string]bool{}
	for _, name := range st.Nodes {
		mine[name] = true
	}
	ases := map[string]bool{}
	for _, n := range st.Model.Nodes {
		if !mine[n.Name] {
			continue
		}
		s.ByKind[n.Kind]++
		if n.Kind == topo.KindRouter && n.AS != "" {
			ases[n.AS] = true
		}
	}
	for _, k := range st.Model.Links {
		if mine[k.A.Node] || mine[k.B.Node] {
			s.Links++
		}
	}
	s.ASes = len(ases)
	for _, r := range Reflectors(st.Model) {
		if ases[r.AS] {
			s.Reflectors = append(s.Reflectors, r)
		}
	}
	return s
}

// kindOrder is the order kinds are counted in the summary.
var kindOrder = []topo.NodeKind{topo.KindRouter, topo.KindHost, topo.KindInstance, topo.KindVPCRouter, topo.KindIGW, topo.KindSwitch}

// WriteUpSummary prints a big share's summary in place of the nodes
// table:
//
//	lab fabric: 1000 nodes (1000 routers), 1900 links, 10 ASes; up in 1m42s
//	AS as0: route reflectors a0s0, a0s1 (picked: 100 routers > full mesh max 10)
//	…
//	the full table: netemu status fabric
func WriteUpSummary(w io.Writer, s UpSummary) {
	var kinds, other []string
	for _, k := range kindOrder {
		if n := s.ByKind[k]; n > 0 {
			kinds = append(kinds, plural(n, string(k)))
		}
	}
	for k, n := range s.ByKind {
		if !slices.Contains(kindOrder, k) && n > 0 {
			other = append(other, plural(n, string(k)))
		}
	}
	slices.Sort(other)
	kinds = append(kinds, other...)
	line := fmt.Sprintf("lab %s: %s", s.Share, plural(s.Nodes, "node"))
	if len(kinds) > 0 {
		line += " (" + strings.Join(kinds, ", ") + ")"
	}
	line += ", " + plural(s.Links, "link")
	if s.ASes > 0 {
		line += ", " + plural(s.ASes, "AS")
	}
	if s.Took > 0 {
		line += "; up in " + s.Took.Round(100*time.Millisecond).String()
	}
	fmt.Fprintln(w, line)
	WriteReflectors(w, s.Reflectors[:min(len(s.Reflectors), summaryASes)])
	if more := len(s.Reflectors) - summaryASes; more > 0 {
		fmt.Fprintf(w, "… and %s with route reflectors\n", plural(more, "more AS"))
	}
	fmt.Fprintf(w, "the full table: netemu status %s\n", s.Lab)
}

// plural is "1 router", "2 routers", "3 ASes", "1 switch", "2 switches".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	switch {
	case strings.HasSuffix(word, "AS"), strings.HasSuffix(word, "ch"):
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
