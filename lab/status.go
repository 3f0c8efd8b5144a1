package lab

import (
	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

// ShareStatus is one running share as `status` shows it (and its -o json
// shape): the live status plus the extra node columns keyed by header.
type ShareStatus struct {
	*nodes.LabStatus
	Extra map[string]map[string]string `json:"extra,omitempty"` // node → header → value
	// PublicIPs are the instances' current public IPs by node, the
	// column scripts want most, without the table's header as a key.
	PublicIPs map[string]string `json:"public_ips,omitempty"`
	// Tunnels are the share's cross-machine links (multi-host labs).
	Tunnels []vxlan.Record `json:"tunnels,omitempty"`
	// Resources is what the share's processes cost now (memory, process
	// counts, CPU so far), so scripts can watch a big lab.
	Resources *Resources `json:"resources,omitempty"`
	// RouteReflectors are the iBGP route reflectors by AS name, for the
	// ASes that have them (set in the file, or picked for a large AS).
	RouteReflectors map[string][]string `json:"route_reflectors,omitempty"`
	// State is the share itself, for the tables.
	State *nodes.State `json:"-"`
}

// Status reads the live status of the share name (LAB or LAB@MACHINE)
// means, or with name "" of every share running here (unreadable states
// are logged and skipped).
func Status(name string, log hclog.Logger) ([]ShareStatus, error) {
	var states []*nodes.State
	if name != "" {
		st, err := Share(Query{Lab: name})
		if err != nil {
			return nil, err
		}
		states = []*nodes.State{st}
	} else {
		var err error
		states, err = nodes.ListStates()
		if err != nil && log != nil {
			log.Warn("some lab states are unreadable", "error", err)
		}
	}
	out := []ShareStatus{}
	for _, st := range states {
		ls, err := nodes.Status(st)
		if err != nil {
			return nil, err
		}
		ss := ShareStatus{LabStatus: ls, State: st}
		if ss.Tunnels, err = vxlan.Load(st.Dir); err != nil {
			return nil, err
		}
		if ss.PublicIPs, err = publicIPs(st); err != nil {
			return nil, err
		}
		if ss.Resources, err = ResourcesOf(st); err != nil && log != nil {
			log.Warn("cannot read the lab's processes", "lab", st.Lab, "error", err)
		}
		if st.Model != nil {
			for _, as := range st.Model.ASes {
				if len(as.RouteReflectors) > 0 {
					if ss.RouteReflectors == nil {
						ss.RouteReflectors = map[string][]string{}
					}
					ss.RouteReflectors[as.Name] = as.RouteReflectors
				}
			}
		}
		if cols := NodeColumns(); len(cols) > 0 {
			ss.Extra = map[string]map[string]string{}
			for _, n := range st.Nodes {
				m := map[string]string{}
				for _, c := range cols {
					if v := c.Value(st, n); v != "" {
						m[c.Header] = v
					}
				}
				if len(m) > 0 {
					ss.Extra[n] = m
				}
			}
		}
		out = append(out, ss)
	}
	return out, nil
}

// publicIPs maps the share's running instances to their public IPs (none
// for instances without one).
func publicIPs(st *nodes.State) (map[string]string, error) {
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return nil, err
	}
	var out map[string]string
	for _, n := range st.Nodes {
		if ip := aws.PublicIP(n); ip.IsValid() {
			if out == nil {
				out = map[string]string{}
			}
			out[n] = ip.String()
		}
	}
	return out, nil
}

// NodeColumn is an extra column of the nodes table printed by `up` and
// `status` (e.g. an instance's public IP). Value gets the share and the
// node's name and returns "" when it has nothing to say.
type NodeColumn struct {
	Header string
	Value  func(st *nodes.State, node string) string
}

// NodeColumns lists the extra columns, one line each, added by their owners.
func NodeColumns() []NodeColumn {
	return []NodeColumn{
		{Header: "PUBLIC IP", Value: awsPublicIP},
	}
}

// awsPublicIP is the PUBLIC IP column of the nodes table ("" for nodes
// that are not instances).
func awsPublicIP(st *nodes.State, node string) string {
	if st.Model == nil {
		return ""
	}
	if n := st.Model.Node(node); n == nil || n.Kind != topo.KindInstance {
		return ""
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return "?"
	}
	return PublicText(aws, node)
}
