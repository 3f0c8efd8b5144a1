package k8s

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/netemu/netemu/topo"
)

// ClusterNode is a Kubernetes Node as the agents see it.
type ClusterNode struct {
	Name       string
	InternalIP string
}

// ChooseMachines fixes a lab's machines from the cluster's labelled
// Nodes: those the file names when it has machine blocks (each must
// exist), else all of them, sorted by name so every agent would choose
// alike.
func ChooseMachines(l *topo.Lab, cluster []ClusterNode) ([]Machine, error) {
	byName := map[string]ClusterNode{}
	for _, n := range cluster {
		byName[n.Name] = n
	}
	var out []Machine
	add := func(n ClusterNode) error {
		if _, err := netip.ParseAddr(n.InternalIP); err != nil {
			return fmt.Errorf("node %s has no usable InternalIP (%q)", n.Name, n.InternalIP)
		}
		out = append(out, Machine{Name: n.Name, Address: n.InternalIP})
		return nil
	}
	if len(l.Machines) > 0 {
		for _, m := range l.Machines {
			n, ok := byName[m.Name]
			if !ok {
				return nil, fmt.Errorf("lab %s: machine %q is not a labelled Node of the cluster", l.Name, m.Name)
			}
			if err := add(n); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(cluster) == 0 {
		return nil, fmt.Errorf("lab %s: the cluster has no labelled Nodes to run it", l.Name)
	}
	sorted := append([]ClusterNode(nil), cluster...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, n := range sorted {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Model is the lab as every agent builds it: the file, with machines as
// the status fixed them (added as machine blocks when the file has none,
// their addresses replaced by the Nodes' when it has), placed by
// topo.Place, so every agent derives the same placement.
func Model(spec Spec, machines []Machine) (*topo.Lab, error) {
	file := spec.File
	if file == "" {
		file = "lab.hcl"
	}
	l, err := topo.Parse([]byte(spec.Source), file)
	if err != nil {
		return nil, err
	}
	if len(machines) == 0 {
		return l, nil
	}
	if len(l.Machines) == 0 {
		var b strings.Builder
		b.WriteString(spec.Source)
		for _, m := range machines {
			fmt.Fprintf(&b, "\nmachine %q {\n  address = %q\n}\n", m.Name, m.Address)
		}
		return topo.Parse([]byte(b.String()), file)
	}
	for _, fm := range l.Machines {
		found := false
		for _, m := range machines {
			if m.Name == fm.Name {
				a, err := netip.ParseAddr(m.Address)
				if err != nil {
					return nil, fmt.Errorf("machine %s: address %q: %w", m.Name, m.Address, err)
				}
				fm.Address, found = a, true
			}
		}
		if !found {
			return nil, fmt.Errorf("lab %s: machine %s of the file is not among the lab's machines", l.Name, fm.Name)
		}
	}
	return l, nil
}

// PlacementOf maps each machine to the nodes it runs.
func PlacementOf(l *topo.Lab) map[string][]string {
	out := map[string][]string{}
	for _, m := range l.Machines {
		out[m.Name] = []string{}
	}
	for _, n := range l.Nodes {
		if n.Machine != "" {
			out[n.Machine] = append(out[n.Machine], n.Name)
		}
	}
	return out
}

// LostMachines lists the lab's machines whose Node is gone, with their
// nodes, in machine order.
func LostMachines(st Status, cluster []ClusterNode) []Lost {
	have := map[string]bool{}
	for _, n := range cluster {
		have[n.Name] = true
	}
	var out []Lost
	for _, m := range st.Machines {
		if !have[m.Name] {
			out = append(out, Lost{Machine: m.Name, Nodes: append([]string{}, st.Placement[m.Name]...)})
		}
	}
	return out
}
