package lab

// The tables the read commands print without -o json: each report writes
// itself as text (as routing/ospf's Status.WriteText does), so the CLI
// only chooses between this and JSON, and the table and the JSON show the
// same values.

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/nodes/vxlan"
	"github.com/netemu/netemu/topo"
)

func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

// Dash is s, or "-" for nothing, as the tables show an empty cell.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func msText(v int64, round time.Duration) string {
	return (time.Duration(v) * time.Millisecond).Round(round).String()
}

// WriteText is `bgp NODE`: like `show bgp summary`.
func (s *BGPReport) WriteText(w io.Writer) error {
	tw := newTable(w)
	by := ""
	if s.Daemon == "frr" {
		by = " (FRR bgpd)"
	}
	fmt.Fprintf(tw, "BGP router %s%s, AS %d, router ID %s, %d prefixes\n\n", s.Node, by, s.ASN, s.RouterID, s.Prefixes)
	fmt.Fprintln(tw, "PEER\tNAME\tAS\tTYPE\tSTATE\tUP/DOWN\tRCVD\tACCEPTED\tSENT\tLAST ERROR")
	for _, p := range s.Peers {
		name, state := Dash(p.Name), p.State
		if p.External {
			name = "(external)"
			if !strings.EqualFold(state, "established") {
				state += ", waiting for the external speaker"
			}
		}
		up := "-"
		if p.UptimeMS > 0 {
			up = msText(p.UptimeMS, time.Second)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", p.Address, name, p.ASN, p.Type, state, up,
			p.PrefixesReceived, p.PrefixesAccepted, p.PrefixesSent, Dash(p.LastError))
	}
	return tw.Flush()
}

// WriteText is `bgp NODE routes`: every path, the best marked.
func (rs *BGPRoutesReport) WriteText(w io.Writer) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "  PREFIX\tFROM\tNEXT HOP\tLOCPRF\tMED\tPATH\tCOMMUNITIES")
	for _, r := range rs.Routes {
		mark := " "
		if r.Best {
			mark = "*"
		}
		if !r.Reachable {
			mark = "!"
		}
		from := r.From
		if r.FromName != "" && r.FromName != r.From {
			from += " (" + r.FromName + ")"
		}
		if r.IBGP {
			from += " i"
		}
		med := "-"
		if r.MED != nil {
			med = strconv.FormatUint(uint64(*r.MED), 10)
		}
		comms := Dash(strings.Join(append(append([]string{}, r.Communities...), r.LargeCommunities...), " "))
		path := r.ASPath
		if path == "" {
			path = "(local)"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%d\t%s\t%s %s\t%s\n", mark, r.Prefix, from, Dash(r.NextHop), r.LocalPref, med, path, r.Origin, comms)
	}
	fmt.Fprintln(tw, "\n* best, ! next hop unreachable, i learned over iBGP")
	return tw.Flush()
}

// WriteText is `rip NODE`: neighbours (last heard relative to now) and
// the table.
func (s *RIPReport) WriteText(w io.Writer, now time.Time) error {
	tw := newTable(w)
	if s.Daemon == "frr" {
		fmt.Fprintf(tw, "RIP router %s (FRR ripd)\n\n", s.Node)
	}
	fmt.Fprintln(tw, "NEIGHBOUR\tIFACE\tSTATE\tLAST HEARD\tPACKETS\tBAD PACKETS")
	for _, n := range s.Neighbours {
		state := "down"
		if n.Up {
			state = "up"
		}
		heard := "never"
		if !n.LastHeardAt.IsZero() {
			heard = now.Sub(n.LastHeardAt).Round(100*time.Millisecond).String() + " ago"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", n.Address, Dash(n.Iface), state, heard, n.Packets, reasons(n.BadPackets))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PREFIX\tMETRIC\tNEXT HOP\tIFACE\tAGE\tSTATE")
	for _, r := range s.Routes {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", r.Prefix, r.Metric, Dash(r.NextHop), Dash(r.Iface), msText(r.AgeMS, time.Second), r.State)
	}
	return tw.Flush()
}

func reasons(m map[string]uint64) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// WriteText is `routes NODE`, like `ip route show table all`.
func (rs *RoutesReport) WriteText(w io.Writer) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "TABLE\tDESTINATION\tVIA\tDEV\tPROTO\tMETRIC\tTYPE")
	for _, r := range rs.Routes {
		via := r.Via
		if via == "" {
			via = "-"
			if r.Scope == "link" {
				via = "on-link"
			}
		}
		metric := "-"
		if r.Metric != 0 {
			metric = strconv.Itoa(r.Metric)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Table, r.Destination, via, Dash(r.Iface), r.Protocol, metric, r.Type)
	}
	return tw.Flush()
}

// WriteText is `sg INSTANCE`: the rules with their counters.
func (v *SGView) WriteText(w io.Writer) error {
	n := v.Node
	fmt.Fprintf(w, "%s: private %s, public %s, groups %v\n", v.Instance, n.Instance.PrivateIP, PublicText(v.AWS, v.Instance), n.Instance.SecurityGroups)
	tw := newTable(w)
	fmt.Fprintln(tw, "DIRECTION\tSOURCE\t#\tRULE\tPACKETS\tBYTES")
	for _, r := range v.Rules {
		src, num := r.Group, "-"
		switch r.Kind {
		case "drop":
			src = "(instance)"
		case "check":
			src, r.Rule = "(instance)", "source check: drop "+r.Rule
		case "acl":
			src = "acl " + r.Group
		}
		if r.Number > 0 {
			num = strconv.Itoa(r.Number)
		}
		text := r.Rule
		if r.Inactive {
			text += " [inactive]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", r.Direction, src, num, text, r.Packets, r.Bytes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "(security group counters add up all members of the group; replies pass by conntrack and are not counted here)")
	return err
}

// WriteText is `placement FILE`; nodes is the lab's node count.
func (p *Placement) WriteText(w io.Writer, nodes int) {
	if len(p.Machines) == 0 {
		fmt.Fprintf(w, "lab %s has no machine blocks: all %d nodes run on one machine\n", p.Lab, nodes)
		return
	}
	anyPlaced := false
	for _, m := range p.Machines {
		names := make([]string, 0, len(m.Nodes))
		for _, n := range m.Nodes {
			s := n.Name
			if n.Placed {
				s += "*"
				anyPlaced = true
			}
			names = append(names, s)
		}
		fmt.Fprintf(w, "machine %s (%s): %d nodes: %s\n", m.Name, m.Address, len(m.Nodes), strings.Join(names, " "))
	}
	fmt.Fprintf(w, "cut links: %d (vxlan udp/%d)\n", len(p.CutLinks), p.Port)
	for _, c := range p.CutLinks {
		moved := ""
		if c.BaseVNI != 0 {
			moved = fmt.Sprintf("  (hash %d collided: moved)", c.BaseVNI)
		}
		fmt.Fprintf(w, "  %s:%s (%s) – %s:%s (%s)  VNI %d%s\n", c.LocalNode, c.LocalIface, c.LocalMachine,
			c.RemoteNode, c.RemoteIface, c.RemoteMachine, c.VNI, moved)
	}
	if anyPlaced {
		fmt.Fprintln(w, "* placed by netemu (not pinned in the file)")
	}
}

// WriteTunnels prints a share's VXLAN tunnels, nothing when it has none.
func WriteTunnels(w io.Writer, rs []vxlan.Record) {
	for _, r := range rs {
		moved := ""
		if r.VNI != r.BaseVNI {
			moved = fmt.Sprintf(" (hash %d collided)", r.BaseVNI)
		}
		fmt.Fprintf(w, "tunnel %s:%s → %s:%s on %s (%s): vxlan VNI %d%s udp/%d, mtu %d (underlay %s mtu %d − %d)\n",
			r.Local.Node, r.Local.Iface, r.Remote.Node, r.Remote.Iface, r.RemoteMachine, r.RemoteAddr,
			r.VNI, moved, r.Port, r.MTU, r.Underlay, r.UnderlayMTU, r.UnderlayMTU-r.MTU)
	}
}

// WriteNodesTable prints one line per node of the share: name, kind,
// machine (multi-host only), each interface with its addresses, the
// extra columns (NodeColumns), and with live status (ls) the processes.
// Interfaces come from the model, or from ls when given.
func WriteNodesTable(w io.Writer, st *nodes.State, ls *nodes.LabStatus) error {
	cols := NodeColumns()
	multi := st.Model != nil && len(st.Model.Machines) > 0
	tw := newTable(w)
	hdr := []string{"NODE", "KIND"}
	if multi {
		hdr = append(hdr, "MACHINE")
	}
	hdr = append(hdr, "INTERFACES")
	for _, c := range cols {
		hdr = append(hdr, c.Header)
	}
	if ls != nil {
		hdr = append(hdr, "PROCESSES")
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t"))
	live := map[string]*nodes.NodeStatus{}
	if ls != nil {
		for i := range ls.Nodes {
			live[ls.Nodes[i].Name] = &ls.Nodes[i]
		}
	}
	for _, name := range st.Nodes {
		n := st.Model.Node(name)
		if n == nil {
			continue
		}
		row := []string{n.Name, string(n.Kind)}
		if multi {
			row = append(row, n.Machine)
		}
		var ifs []string
		if ns := live[name]; ns != nil {
			for _, i := range ns.Interfaces {
				if i.Name == "lo" && len(i.Addrs) == 0 {
					continue
				}
				if mi := n.Interface(i.Name); len(i.Addrs) == 0 && n.Kind == topo.KindSwitch && mi != nil {
					ifs = append(ifs, i.Name+"→"+mi.Peer) // a switch's port: the member it leads to
					continue
				}
				ifs = append(ifs, i.Name+" "+strings.Join(i.Addrs, ","))
			}
			if ns.Error != "" {
				ifs = append(ifs, "error: "+ns.Error)
			}
		} else {
			if n.Loopback.IsValid() {
				ifs = append(ifs, "lo "+n.Loopback.String())
			}
			for _, i := range n.Interfaces {
				if !i.Addr.IsValid() {
					ifs = append(ifs, i.Name+"→"+i.Peer) // a switch's port
					continue
				}
				ifs = append(ifs, i.Name+" "+i.Addr.String())
			}
		}
		row = append(row, strings.Join(ifs, "  "))
		for _, c := range cols {
			row = append(row, Dash(c.Value(st, name)))
		}
		if ns := live[name]; ns != nil {
			var ps []string
			for _, p := range ns.Processes {
				s := p.Name
				switch {
				case !p.Running:
					s += "(stopped)"
				case p.PID == 0:
					s += "(waiting)"
				}
				if p.Restarts > 0 {
					s += fmt.Sprintf("[%d restarts]", p.Restarts)
				}
				ps = append(ps, s)
			}
			row = append(row, Dash(strings.Join(ps, " ")))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// stageWords are the lines `up` prints as its stages start.
var stageWords = map[string]string{
	StageFirewall: "setting up public IPs, NAT and security groups",
	StageServices: "starting services and processes",
	StageRouting:  "starting the routing agents",
	StagePeers:    "waiting for the other machines",
	StageFRR:      "starting FRR",
	StageConverge: "waiting for routing to converge",
}

// StageLine is what `up` says as stage starts ("" for the build, which
// has its own line, and for stages the lab does not have).
func StageLine(l *topo.Lab, stage string) string {
	has := true
	switch stage {
	case StageFirewall:
		has = len(l.VPCs) > 0
	case StageRouting:
		has = l.Daemons == topo.DaemonsNetemu
	case StageFRR:
		has = l.Daemons == topo.DaemonsFRR
	case StageConverge:
		has = l.Daemons != topo.DaemonsNone
	case StagePeers:
		has = len(l.Machines) > 0
	}
	if !has {
		return ""
	}
	return stageWords[stage]
}

// WriteStage prints what the finished stage made.
func (res *UpResult) WriteStage(w io.Writer, stage string) {
	switch stage {
	case StageTunnels:
		WriteTunnels(w, res.Tunnels)
	case StageServices:
		writeServices(w, res.State.Model.ClientHost, res.Services)
	case StagePeers:
		if p := res.Peers; p != nil {
			fmt.Fprintf(w, "machines %s answered through the tunnels after %s\n", strings.Join(p.Machines, ", "), p.After.Round(10*time.Millisecond))
		}
	case StageConverge:
		if res.Converged != nil {
			fmt.Fprintln(w, res.Converged)
		}
	}
}

// writeServices lists the key pairs' files and MariaDB's password files.
func writeServices(w io.Writer, clientHost string, res *svc.Result) {
	if res == nil {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(res.Keys)) {
		fmt.Fprintf(w, "key pair %s: %s", name, res.Keys[name])
		if c, ok := res.ClientKeys[name]; ok {
			fmt.Fprintf(w, " (copy for %s: %s)", clientHost, c)
		}
		fmt.Fprintln(w)
	}
	for _, node := range slices.Sorted(maps.Keys(res.MariaDBPasswords)) {
		fmt.Fprintf(w, "mariadb on %s: user %s, password in %s\n", node, svc.MariaDBUser, res.MariaDBPasswords[node])
	}
}
