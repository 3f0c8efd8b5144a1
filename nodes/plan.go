package nodes

import (
	"fmt"
	"sort"

	"github.com/netemu/netemu/topo"
)

// share is what one machine builds of a lab: its nodes, the links with
// both ends local, and the links that cross to another machine.
type share struct {
	nodes []*topo.Node
	local []int // indexes into Lab.Links
	cross []int
}

// planShare picks the nodes and links of machine's share. With no machines
// in the lab, machine must be "" and the share is the whole lab.
func planShare(lab *topo.Lab, machine string) (*share, error) {
	if len(lab.Machines) == 0 && machine != "" {
		return nil, fmt.Errorf("lab %q has no machine blocks, so --machine %q means nothing", lab.Name, machine)
	}
	if len(lab.Machines) > 0 {
		if machine == "" {
			names := make([]string, 0, len(lab.Machines))
			for _, m := range lab.Machines {
				names = append(names, m.Name)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("lab %q spans machines %v: say which one this is with --machine", lab.Name, names)
		}
		if lab.Machine(machine) == nil {
			return nil, fmt.Errorf("lab %q has no machine %q", lab.Name, machine)
		}
	}
	s := &share{}
	mine := map[string]bool{}
	for _, n := range lab.Nodes {
		if n.Machine == machine || len(lab.Machines) == 0 {
			s.nodes = append(s.nodes, n)
			mine[n.Name] = true
		}
	}
	for i, l := range lab.Links {
		a, b := mine[l.A.Node], mine[l.B.Node]
		switch {
		case a && b:
			s.local = append(s.local, i)
		case a || b:
			s.cross = append(s.cross, i)
		}
	}
	return s, nil
}

// linkName is how errors and logs name a link: "a–b".
func linkName(l *topo.Link) string { return l.A.Node + "–" + l.B.Node }
