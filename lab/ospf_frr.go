package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/ospf"
)

// frrOSPF is `ospf NODE` on an FRR lab: ospfd's interfaces, neighbours
// and routes (vtysh's JSON) in the status netemu's OSPF reports, so the
// tables look the same. The LSDB is not converted.
func frrOSPF(ctx context.Context, st *nodes.State, node string) (*ospf.Status, error) {
	if !frrRuns(st, node, "ospfd") {
		return nil, &AgentError{fmt.Sprintf("router %s does not run OSPF (FRR has no ospfd configuration for it)", node), nil}
	}
	var outs [3][]byte
	for i, c := range []string{"show ip ospf interface json", "show ip ospf neighbor json", "show ip ospf route json"} {
		out, err := vtysh(ctx, st, node, c)
		if err != nil {
			return nil, err
		}
		outs[i] = out
	}
	s, err := ParseFRROSPF(outs[0], outs[1], outs[2])
	if err != nil {
		return nil, &AgentError{fmt.Sprintf("router %s: FRR's OSPF state could not be read", node), err}
	}
	return s, nil
}

// ParseFRROSPF converts ospfd's `show ip ospf interface json`, `neighbor
// json` and `route json` (FRR 8).
func ParseFRROSPF(ifs, nbrs, routes []byte) (*ospf.Status, error) {
	s := &ospf.Status{Interfaces: []ospf.InterfaceStatus{}, Neighbours: []ospf.NeighbourStatus{}, Routes: []ospf.Route{}}
	var ij struct {
		Interfaces map[string]struct {
			IP        string `json:"ipAddress"`
			Len       int    `json:"ipAddressPrefixlen"`
			Area      string `json:"area"`
			RouterID  string `json:"routerId"`
			NetType   string `json:"networkType"`
			Cost      uint16 `json:"cost"`
			State     string `json:"state"`
			DR        string `json:"drAddress"`
			BDR       string `json:"bdrAddress"`
			Passive   bool   `json:"timerPassiveIface"`
			Nbrs      int    `json:"nbrCount"`
			Adjacent  int    `json:"nbrAdjacentCount"`
			OSPFOnIfc bool   `json:"ospfEnabled"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(ifs, &ij); err != nil {
		return nil, fmt.Errorf("interfaces: %w", err)
	}
	for name, i := range ij.Interfaces {
		is := ospf.InterfaceStatus{Name: name, Area: strings.Fields(i.Area + " ")[0], Cost: i.Cost, State: i.State,
			Passive: i.Passive, DR: i.DR, BDR: i.BDR, Neighbours: i.Nbrs, Adjacent: i.Adjacent, Type: ospf.Broadcast}
		if a, err := netip.ParseAddr(i.IP); err == nil {
			is.Addr = netip.PrefixFrom(a, i.Len)
		}
		switch {
		case i.Passive || name == "lo":
			is.Type = "passive"
		case i.NetType == "POINTOPOINT":
			is.Type = ospf.PointToPoint
		}
		if s.RouterID == "" {
			s.RouterID = i.RouterID
		}
		s.Interfaces = append(s.Interfaces, is)
	}
	sort.Slice(s.Interfaces, func(a, b int) bool { return s.Interfaces[a].Name < s.Interfaces[b].Name })
	types := map[string]ospf.NetType{}
	for _, i := range s.Interfaces {
		types[i.Name] = i.Type
	}
	var nj struct {
		Neighbors map[string][]struct {
			Priority uint8  `json:"nbrPriority"`
			State    string `json:"state"`
			Role     string `json:"role"`
			DeadMS   int64  `json:"deadTimeMsecs"`
			Address  string `json:"address"`
			Iface    string `json:"ifaceName"`
			Rxmt     int    `json:"retransmitCounter"`
			Req      int    `json:"requestCounter"`
		} `json:"neighbors"`
	}
	if err := json.Unmarshal(nbrs, &nj); err != nil {
		return nil, fmt.Errorf("neighbours: %w", err)
	}
	for id, list := range nj.Neighbors {
		for _, n := range list {
			a, _ := netip.ParseAddr(n.Address)
			state, _, _ := strings.Cut(n.State, "/")
			iface, _, _ := strings.Cut(n.Iface, ":")
			ns := ospf.NeighbourStatus{RouterID: id, Addr: a, Iface: iface, Priority: n.Priority, State: state,
				DeadTime: time.Duration(n.DeadMS) * time.Millisecond, Retransmit: n.Rxmt, Request: n.Req}
			// FRR calls a point-to-point neighbour DROther; there is no DR.
			if n.Role != "" && n.Role != "-" && types[iface] != ospf.PointToPoint {
				ns.Role = n.Role
			}
			s.Neighbours = append(s.Neighbours, ns)
		}
	}
	sort.Slice(s.Neighbours, func(a, b int) bool { return s.Neighbours[a].RouterID < s.Neighbours[b].RouterID })
	var rj map[string]json.RawMessage
	if err := json.Unmarshal(routes, &rj); err != nil {
		return nil, fmt.Errorf("routes: %w", err)
	}
	for pfx, raw := range rj {
		p, err := netip.ParsePrefix(pfx)
		if err != nil {
			continue // the router and external table headers
		}
		var r struct {
			Type     string `json:"routeType"`
			Cost     uint32 `json:"cost"`
			Area     string `json:"area"`
			NextHops []struct {
				IP       string `json:"ip"`
				Via      string `json:"via"`
				Attached string `json:"directlyAttachedTo"`
			} `json:"nexthops"`
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		rt := ospf.Route{Prefix: p, Cost: r.Cost, Kind: ospf.KindIntra}
		if a, err := netip.ParseAddr(r.Area); err == nil {
			rt.Area = ospf.IDOf(a)
		}
		switch r.Type {
		case "N IA":
			rt.Kind = ospf.KindInter
		case "N E1":
			rt.Kind = ospf.KindExt1
		case "N E2":
			rt.Kind = ospf.KindExt2
		}
		for _, h := range r.NextHops {
			if h.Attached != "" {
				rt.Kind = ospf.KindConnected
				rt.NextHops = append(rt.NextHops, ospf.NextHop{Iface: h.Attached})
				continue
			}
			nh := ospf.NextHop{Iface: h.Via}
			nh.Addr, _ = netip.ParseAddr(h.IP)
			rt.NextHops = append(rt.NextHops, nh)
		}
		s.Routes = append(s.Routes, rt)
	}
	sort.Slice(s.Routes, func(a, b int) bool { return s.Routes[a].Prefix.String() < s.Routes[b].Prefix.String() })
	return s, nil
}
