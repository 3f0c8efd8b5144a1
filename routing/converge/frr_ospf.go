package converge

import (
	"encoding/json"
	"net/netip"
	"strings"
)

// FRROSPFNeighbours reads `vtysh -c "show ip ospf neighbor json"` (FRR 8:
// {"neighbors": {ROUTER-ID: [{state "Full/DR", address, ifaceName
// "eth0:10.1.0.2"}]}}) into the neighbours netemu's agent reports: the
// state without FRR's "/role" suffix, the interface without its address.
// Older FRR put the router IDs at the top level; both are read.
func FRROSPFNeighbours(out []byte) []OSPFNeighbour {
	type nbr struct {
		State     string `json:"state"`
		Address   string `json:"address"`
		IfaceName string `json:"ifaceName"`
	}
	var wrapped struct {
		Neighbors map[string][]nbr `json:"neighbors"`
	}
	byID := map[string][]nbr{}
	if err := json.Unmarshal(out, &wrapped); err == nil && wrapped.Neighbors != nil {
		byID = wrapped.Neighbors
	} else {
		var flat map[string]json.RawMessage
		if json.Unmarshal(out, &flat) != nil {
			return nil
		}
		for id, raw := range flat {
			var list []nbr
			if json.Unmarshal(raw, &list) == nil {
				byID[id] = list
			}
		}
	}
	var res []OSPFNeighbour
	for id, list := range byID {
		for _, n := range list {
			a, err := netip.ParseAddr(n.Address)
			if err != nil {
				continue
			}
			state, _, _ := strings.Cut(n.State, "/")
			iface, _, _ := strings.Cut(n.IfaceName, ":")
			res = append(res, OSPFNeighbour{Addr: a, Iface: iface, RouterID: id, State: state})
		}
	}
	return res
}
