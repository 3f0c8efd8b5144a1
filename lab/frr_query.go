package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// FRR labs (daemons = "frr") have no agent to ask: `bgp` and `rip` ask
// FRR's daemons through vtysh inside the router and convert the answers
// into the same reports, so the tables look the same.

// FRRSocketDir is where a router's FRR daemons keep their vty sockets
// (vtysh --vty_socket).
func FRRSocketDir(st *nodes.State, node string) string {
	return filepath.Join(st.NodeDir(node), "frr")
}

// runsFRR reports whether node is a router of an FRR lab.
func runsFRR(st *nodes.State, node string) bool {
	if st.Model == nil || st.Model.Daemons != topo.DaemonsFRR {
		return false
	}
	n := st.Model.Node(node)
	return n != nil && n.Kind == topo.KindRouter
}

// ExecArgv is argv as `netemu exec NODE -- argv` runs it: in an FRR lab a
// bare `vtysh` gets the router's vty socket directory, so it works as on
// a router with FRR installed.
func ExecArgv(st *nodes.State, node string, argv []string) []string {
	if len(argv) == 0 || filepath.Base(argv[0]) != "vtysh" || !runsFRR(st, node) {
		return argv
	}
	for _, a := range argv[1:] {
		if a == "--vty_socket" || strings.HasPrefix(a, "--vty_socket=") {
			return argv
		}
	}
	return append([]string{argv[0], "--vty_socket", FRRSocketDir(st, node)}, argv[1:]...)
}

// vtysh runs one vtysh command inside router node.
func vtysh(ctx context.Context, st *nodes.State, node, command string) ([]byte, error) {
	cmd := nodes.Command(st, node, "vtysh", "--vty_socket", FRRSocketDir(st, node), "-c", command)
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, &AgentError{"interrupted", ctx.Err()}
		}
		return nil, &AgentError{fmt.Sprintf("router %s: FRR did not answer %q (are its daemons running? `netemu node start %s` restarts them)", node, command, node), err}
	}
	return out, nil
}

// frrRuns reports whether FRR's daemon (bgpd, ripd) has a configuration
// in router node.
func frrRuns(st *nodes.State, node, daemon string) bool {
	_, err := os.Stat(filepath.Join(FRRSocketDir(st, node), daemon+".conf"))
	return err == nil
}

// frrBGP is FRR's `show bgp summary json` as a BGPReport.
func frrBGP(ctx context.Context, st *nodes.State, node string) (*BGPReport, error) {
	if !frrRuns(st, node, "bgpd") {
		return nil, &AgentError{fmt.Sprintf("router %s does not run BGP (FRR has no bgpd configuration for it)", node), nil}
	}
	out, err := vtysh(ctx, st, node, "show bgp summary json")
	if err != nil {
		return nil, err
	}
	r, err := ParseFRRBGPSummary(out, st.Model, node)
	if err != nil {
		return nil, &AgentError{fmt.Sprintf("router %s: FRR's BGP summary could not be read", node), err}
	}
	return r, nil
}

// ParseFRRBGPSummary converts `show bgp summary json` (IPv4 unicast).
func ParseFRRBGPSummary(out []byte, lab *topo.Lab, node string) (*BGPReport, error) {
	var sum struct {
		IPv4 struct {
			RouterID string `json:"routerId"`
			AS       uint32 `json:"as"`
			RIBCount int    `json:"ribCount"`
			Peers    map[string]struct {
				RemoteAS       uint32 `json:"remoteAs"`
				LocalAS        uint32 `json:"localAs"`
				State          string `json:"state"`
				PfxRcd         int    `json:"pfxRcd"`
				PfxSnt         int    `json:"pfxSnt"`
				UptimeMsec     int64  `json:"peerUptimeMsec"`
				Dropped        int    `json:"connectionsDropped"`
				Desc           string `json:"desc"`
				Hostname       string `json:"hostname"`
				LastResetCause string `json:"lastResetDueTo"`
			} `json:"peers"`
		} `json:"ipv4Unicast"`
	}
	if len(strings.TrimSpace(string(out))) == 0 || string(out) == "{}\n" {
		out = []byte("{}")
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		return nil, fmt.Errorf("decode show bgp summary json: %w", err)
	}
	s := sum.IPv4
	r := &BGPReport{Node: node, Daemon: "frr", ASN: s.AS, RouterID: s.RouterID, Prefixes: s.RIBCount, Peers: []BGPPeerReport{}}
	var me *topo.Node
	if lab != nil {
		me = lab.Node(node)
	}
	for _, addr := range slices.Sorted(maps.Keys(s.Peers)) {
		p := s.Peers[addr]
		a, _ := netip.ParseAddr(addr)
		typ := "ebgp"
		if p.LocalAS != 0 && p.LocalAS == p.RemoteAS {
			typ = "ibgp"
		}
		pr := BGPPeerReport{Address: addr, ASN: p.RemoteAS, Type: typ, State: p.State, PrefixesReceived: p.PfxRcd,
			PrefixesAccepted: p.PfxRcd, PrefixesSent: p.PfxSnt, Flaps: p.Dropped, Description: p.Desc, LastError: p.LastResetCause}
		if lab != nil && a.IsValid() {
			pr.Name = converge.Owner(lab, a)
			pr.External = me != nil && isExternal(me, a)
		}
		if strings.EqualFold(p.State, "Established") && p.UptimeMsec > 0 {
			pr.UptimeMS = p.UptimeMsec
		}
		r.Peers = append(r.Peers, pr)
	}
	return r, nil
}

// frrRIP is FRR's ripd state (`show ip rip status` for the neighbours,
// `show ip rip` for the table) as a RIPReport.
func frrRIP(ctx context.Context, st *nodes.State, node string) (*RIPReport, error) {
	if !frrRuns(st, node, "ripd") {
		return nil, &AgentError{fmt.Sprintf("router %s does not run RIP (FRR has no ripd configuration for it)", node), nil}
	}
	status, err := vtysh(ctx, st, node, "show ip rip status")
	if err != nil {
		return nil, err
	}
	table, err := vtysh(ctx, st, node, "show ip rip")
	if err != nil {
		return nil, err
	}
	return ParseFRRRIP(node, status, table, st.Model.Timers.RIPTimeout, time.Now()), nil
}

// ParseFRRRIP converts ripd's status and table texts.
// timeout is the lab's RIP route timeout, to turn FRR's time left into an age.
func ParseFRRRIP(node string, status, table []byte, timeout time.Duration, now time.Time) *RIPReport {
	r := &RIPReport{Node: node, Daemon: "frr", Neighbours: []RIPNeighbourReport{}, Routes: []RIPRouteReport{}}
	for _, n := range converge.FRRRIPNeighbours(status, now) {
		r.Neighbours = append(r.Neighbours, RIPNeighbourReport{Address: n.Addr.String(), Up: true, LastHeardAt: n.LastHeard})
	}
	// "C(i) 10.0.1.0/24  0.0.0.0  1 self  0" or "R(n) 10.0.2.0/24  10.0.1.2  2 10.0.1.2  0 02:58"
	sc := bufio.NewScanner(strings.NewReader(string(table)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 || len(f[0]) < 2 || !strings.Contains(f[0], "(") {
			continue
		}
		pfx, err := netip.ParsePrefix(f[1])
		if err != nil {
			continue
		}
		metric, _ := strconv.ParseUint(f[3], 10, 32)
		rr := RIPRouteReport{Prefix: pfx.String(), Metric: uint32(metric), State: "active"}
		if nh, err := netip.ParseAddr(f[2]); err == nil && !nh.IsUnspecified() {
			rr.NextHop = nh.String()
		}
		switch f[0][0] {
		case 'C', 'S':
			rr.State = "local"
		}
		if metric >= 16 {
			rr.State = "garbage"
		}
		if last := f[len(f)-1]; strings.Count(last, ":") == 1 && timeout > 0 {
			// FRR shows the time left before the route times out (mm:ss).
			var m, s int
			if _, err := fmt.Sscanf(last, "%d:%d", &m, &s); err == nil {
				left := time.Duration(m)*time.Minute + time.Duration(s)*time.Second
				rr.AgeMS = ms(max(timeout-left, 0))
			}
		}
		r.Routes = append(r.Routes, rr)
	}
	return r
}
