package lab

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/topo"
)

// addrText is a's text, "" for the zero address.
func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Report is the share as `status -o json` prints it: the live status,
// each node with its addresses and, for instances, its public IP.
func (s ShareStatus) Report() LabReport {
	r := LabReport{Lab: s.Lab, Machine: s.Machine, Dir: s.Dir, Phase: s.Phase, CreatedAt: s.Created, Nodes: []NodeReport{}}
	for _, n := range s.LabStatus.Nodes {
		nr := NodeReport{Name: n.Name, Kind: string(n.Kind), Machine: n.Machine, Hostname: n.Hostname, Netns: n.Netns,
			Error: n.Error, Interfaces: []IfaceReport{}}
		for _, i := range n.Interfaces {
			nr.Interfaces = append(nr.Interfaces, IfaceReport{Iface: i.Name, Up: i.Up, Addresses: i.Addrs, Peer: i.Peer})
		}
		for _, p := range n.Processes {
			nr.Processes = append(nr.Processes, ProcessReport{Name: p.Name, Command: p.Command, State: p.State, Running: p.Running,
				PID: p.PID, SupervisorPID: p.Supervisor, Restarts: p.Restarts, LastExit: p.LastExit, SinceAt: p.Since, LogFile: p.LogFile})
		}
		fillModel(&nr, s.State, s.PublicIPs)
		r.Nodes = append(r.Nodes, nr)
	}
	r.Tunnels = tunnelReports(s.Tunnels)
	r.Resources, r.RouteReflectors = s.Resources, s.RouteReflectors
	return r
}

// NodesReport is the share as `up -o json` prints it once built: the
// model's nodes and addresses (no live status).
func NodesReport(st *nodes.State) LabReport {
	r := LabReport{Lab: st.Lab, Machine: st.Machine, Dir: st.Dir, Phase: st.Phase, CreatedAt: st.Created, Nodes: []NodeReport{}}
	pub, _ := publicIPs(st)
	for _, name := range st.Nodes {
		n := st.Model.Node(name)
		if n == nil {
			continue
		}
		nr := NodeReport{Name: name, Kind: string(n.Kind), Machine: n.Machine, Hostname: n.Hostname,
			Netns: labpath.NetnsName(st.Lab, name), Interfaces: []IfaceReport{}}
		for _, i := range n.Interfaces {
			ir := IfaceReport{Iface: i.Name, Up: true, Addresses: []string{}, Peer: i.Peer + ":" + i.PeerIface}
			if i.Addr.IsValid() { // a switch's ports have none
				ir.Addresses = append(ir.Addresses, i.Addr.String())
			}
			nr.Interfaces = append(nr.Interfaces, ir)
		}
		fillModel(&nr, st, pub)
		r.Nodes = append(r.Nodes, nr)
	}
	return r
}

// fillModel adds what the model knows of a node: its loopback, an
// instance's private and public IP.
func fillModel(nr *NodeReport, st *nodes.State, public map[string]string) {
	if st == nil || st.Model == nil {
		return
	}
	n := st.Model.Node(nr.Name)
	if n == nil {
		return
	}
	if n.Loopback.IsValid() {
		nr.Loopback = n.Loopback.String()
	}
	if n.Kind == topo.KindInstance && n.Instance != nil {
		nr.PrivateIP = addrText(n.Instance.PrivateIP)
		nr.PublicIP = public[nr.Name]
	}
}

func tunnelReports(rs []vxlan.Record) []TunnelReport {
	var out []TunnelReport
	for _, r := range rs {
		t := crossReport(r.Cross)
		t.MTU = r.MTU
		out = append(out, t)
	}
	return out
}

func crossReport(c vxlan.Cross) TunnelReport {
	t := TunnelReport{Name: c.Name, VNI: c.VNI, Port: c.Port,
		LocalNode: c.Local.Node, LocalIface: c.Local.Iface, RemoteNode: c.Remote.Node, RemoteIface: c.Remote.Iface,
		LocalMachine: c.LocalMachine, RemoteMachine: c.RemoteMachine,
		LocalAddress: addrText(c.LocalAddr), RemoteAddress: addrText(c.RemoteAddr)}
	if c.BaseVNI != c.VNI {
		t.BaseVNI = c.BaseVNI
	}
	return t
}

// TableName is a kernel routing table as `ip route` names it.
func TableName(t int) string {
	switch t {
	case 254:
		return "main"
	case 255:
		return "local"
	case 253:
		return "default"
	}
	return strconv.Itoa(t)
}

// RoutesReportOf is `routes NODE -o json`.
func RoutesReportOf(node string, rs []nodes.KernelRoute) RoutesReport {
	out := RoutesReport{Node: node, Routes: []RouteReport{}}
	for _, r := range rs {
		typ := r.Type
		if typ == "" {
			typ = "unicast"
		}
		out.Routes = append(out.Routes, RouteReport{Table: TableName(r.Table), Destination: r.Dst.String(), Via: addrText(r.Gateway),
			Iface: r.Dev, Protocol: r.Protocol, Metric: r.Metric, Scope: r.Scope, Source: addrText(r.Src), Type: typ})
	}
	return out
}

// BGPReportOf converts netemu's speaker's status.
func BGPReportOf(s *bgp.Status, lab *topo.Lab, now time.Time) BGPReport {
	r := BGPReport{Node: s.Node, Daemon: "netemu", ASN: s.ASN, RouterID: addrText(s.RouterID), Prefixes: s.Prefixes, Peers: []BGPPeerReport{}}
	var n *topo.Node
	if lab != nil {
		n = lab.Node(s.Node)
	}
	for _, p := range s.Peers {
		typ := "ebgp"
		if p.IBGP {
			typ = "ibgp"
		}
		if p.Relation != "" {
			typ += "/" + p.Relation
		}
		pr := BGPPeerReport{Address: addrText(p.Addr), Name: p.Name, LocalAddress: addrText(p.LocalAddr), ASN: p.AS, Type: typ,
			State: p.State, UpSinceAt: p.UpSince, PrefixesReceived: p.Received, PrefixesAccepted: p.Accepted, PrefixesSent: p.Sent,
			RouterID: addrText(p.RouterID), LastError: p.LastError, Flaps: p.Flaps, Description: p.Description,
			External: n != nil && isExternal(n, p.Addr)}
		if !p.UpSince.IsZero() {
			pr.UptimeMS = ms(now.Sub(p.UpSince))
		}
		r.Peers = append(r.Peers, pr)
	}
	return r
}

// isExternal reports whether addr is one of n's `neighbor "ADDR"` blocks.
func isExternal(n *topo.Node, addr netip.Addr) bool {
	for _, nb := range n.BGPNeighbors {
		if nb.Address.IsValid() && nb.Address == addr {
			return true
		}
	}
	return false
}

// BGPRoutesReportOf converts netemu's speaker's paths.
func BGPRoutesReportOf(node string, rs []bgp.RouteStatus) BGPRoutesReport {
	out := BGPRoutesReport{Node: node, Routes: []BGPRouteReport{}}
	for _, r := range rs {
		out.Routes = append(out.Routes, BGPRouteReport{Prefix: r.Prefix.String(), Best: r.Best, From: r.From, FromName: r.FromName,
			IBGP: r.IBGP, NextHop: addrText(r.NextHop), Reachable: r.Reachable, ASPath: r.ASPath, Origin: r.Origin, MED: r.MED,
			LocalPref: r.LocalPref, Communities: r.Comms, LargeCommunities: r.Large, SinceAt: r.Since})
	}
	return out
}

// RIPReportOf converts netemu's RIP daemon's status.
func RIPReportOf(node string, s *rip.Status) RIPReport {
	out := RIPReport{Node: node, Daemon: "netemu", Neighbours: []RIPNeighbourReport{}, Routes: []RIPRouteReport{}, BadPackets: reasonMap(s.BadPackets)}
	for _, i := range s.Interfaces {
		ir := RIPIfaceReport{Iface: i.Name, Up: i.Up, RIP: i.RIP, SendErrors: i.SendErrors, Queued: i.Queued, SendDrops: i.SendDrops}
		if i.Addr.IsValid() {
			ir.Address = i.Addr.String()
		}
		out.Interfaces = append(out.Interfaces, ir)
	}
	for _, n := range s.Neighbours {
		out.Neighbours = append(out.Neighbours, RIPNeighbourReport{Address: addrText(n.Address), Iface: n.Iface, Up: n.Up,
			LastHeardAt: n.LastHeard, Packets: n.Packets, BadPackets: reasonMap(n.BadPackets)})
	}
	for _, r := range s.Routes {
		out.Routes = append(out.Routes, RIPRouteReport{Prefix: r.Prefix.String(), Metric: r.Metric, NextHop: addrText(r.NextHop),
			Iface: r.Iface, AgeMS: ms(r.Age), State: r.State})
	}
	return out
}

func reasonMap(m map[rip.Reason]uint64) map[string]uint64 {
	if len(m) == 0 {
		return nil
	}
	out := map[string]uint64{}
	for k, v := range m {
		out[fmt.Sprint(k)] = v
	}
	return out
}

// Report is `wait -o json`.
func (r *WaitResult) Report() WaitReport {
	out := WaitReport{Converged: true, TookMS: ms(r.Took), StaticOnly: r.StaticOnly, LastChange: r.LastChange}
	if r.Fault != nil {
		out.AfterFault = r.Fault.String()
		out.AfterFaultMS = ms(r.LastChange.Sub(r.Fault.Time))
	}
	for _, p := range r.External {
		out.External = append(out.External, ProblemReport(p))
	}
	return out
}

// EventsReportOf is `events -o json`.
func EventsReportOf(tl *converge.Timeline) EventsReport {
	out := EventsReport{RefAt: tl.Ref, RefLabel: tl.RefLabel, LastChangeAt: tl.LastChange, ConvergenceMS: ms(tl.Convergence), Entries: []EventReport{}}
	for _, e := range tl.Entries {
		out.Entries = append(out.Entries, EventReportOf(e))
	}
	return out
}

// EventReportOf is one timeline entry as JSON.
func EventReportOf(e converge.Entry) EventReport {
	r := EventReport{Time: e.Time, RelMS: ms(e.Rel), Node: e.Node, Daemon: e.Daemon, Kind: string(e.Kind), Iface: e.Iface, Detail: e.Detail,
		Peer: addrText(e.Peer)}
	if e.Prefix.IsValid() {
		r.Prefix = e.Prefix.String()
	}
	return r
}

// TraceReportOf is `trace -o json`.
func TraceReportOf(p *converge.Path) TraceReport {
	out := TraceReport{From: p.From, Source: addrText(p.Src), Destination: addrText(p.Dst), Result: p.Result,
		Reached: p.Result == converge.Reached, Detail: p.Detail, Hops: []HopReport{}}
	for _, h := range p.Hops {
		out.Hops = append(out.Hops, HopReport{Node: h.Node, InIface: h.InIface, OutIface: h.OutIface, Via: addrText(h.Gateway),
			Destination: addrText(h.Dst), Note: h.Note})
	}
	return out
}

// LogsReportOf is `logs NODE [PROCESS] -o json`: each process's whole log.
func LogsReportOf(st *nodes.State, node, want string) (LogsReport, error) {
	procs, err := Logs(discard{}, st, node, want)
	if err != nil {
		return LogsReport{}, err
	}
	out := LogsReport{Node: node, Processes: []ProcessLogReport{}}
	for _, p := range procs {
		b, err := os.ReadFile(p.LogFile)
		if err != nil {
			return LogsReport{}, fmt.Errorf("process %s: read its log: %w", p.Spec.Name, err)
		}
		out.Processes = append(out.Processes, ProcessLogReport{Name: p.Spec.Name, LogFile: p.LogFile, Log: string(b)})
	}
	return out, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// PublicIPOf is instance name's current public IP in the share ("" when
// it has none or is stopped).
func PublicIPOf(st *nodes.State, name string) string {
	aws, err := fw.LoadState(st.Dir)
	if err != nil || aws == nil {
		return ""
	}
	if is := aws.Instances[name]; is != nil && is.Running {
		return addrText(is.PublicIP)
	}
	return ""
}
