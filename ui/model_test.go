package ui

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

func seedModel(t *testing.T) (*Model, *topo.Lab) {
	t.Helper()
	lab, err := topo.LoadExample(topo.Seed)
	if err != nil {
		t.Fatal(err)
	}
	return NewModel(lab, "", nil), lab
}

func snapOf(t *testing.T, m *Model) Snapshot {
	t.Helper()
	msg := m.Snapshot()
	if msg.Type != MsgSnapshot || msg.V != Version {
		t.Fatalf("snapshot message = %+v", msg)
	}
	return msg.Data.(Snapshot)
}

func linkOf(s Snapshot, id string) *Link {
	for i := range s.Links {
		if s.Links[i].ID == id {
			return &s.Links[i]
		}
	}
	return nil
}

// findLink is the ID of the link between nodes a and b of the lab.
func findLink(t *testing.T, lab *topo.Lab, a, b string) string {
	t.Helper()
	l, err := fault.FindLink(lab, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return LinkID(l)
}

func TestNewModelSeedLab(t *testing.T) {
	m, lab := seedModel(t)
	s := snapOf(t, m)
	if len(s.Nodes) != len(lab.Nodes) || len(s.Links) != len(lab.Links) {
		t.Fatalf("nodes %d links %d, want %d %d", len(s.Nodes), len(s.Links), len(lab.Nodes), len(lab.Links))
	}
	groups := map[string]bool{}
	for _, g := range s.Groups {
		groups[g.ID] = true
	}
	for _, want := range []string{"as:home-isp", "as:transit", "as:aws", "vpc:prod"} {
		if !groups[want] {
			t.Errorf("group %s missing (have %v)", want, groups)
		}
	}
	kinds := map[string]string{}
	group := map[string]string{}
	for _, n := range s.Nodes {
		kinds[n.Name], group[n.Name] = n.Kind, n.Group
	}
	for node, want := range map[string][2]string{
		"mac":       {"host", ""},
		"home-gw":   {"router", "as:home-isp"},
		"web":       {"instance", "vpc:prod"},
		"prod-igw":  {"igw", "vpc:prod"},
		"transit-a": {"router", "as:transit"},
	} {
		if kinds[node] != want[0] || group[node] != want[1] {
			t.Errorf("%s: kind %q group %q, want %q %q", node, kinds[node], group[node], want[0], want[1])
		}
	}
	// eBGP on links between ASes, RIP inside a RIP AS, nothing to hosts.
	for _, c := range []struct {
		a, b     string
		bgp, rip string
	}{
		{"home-core", "transit-a", "?", ""},
		{"transit-a", "transit-b", "", "?"},
		{"home-gw", "mac", "", ""},
		{"transit-a", "aws-edge", "?", ""},
	} {
		l := linkOf(s, findLink(t, lab, c.a, c.b))
		if l.BGP != c.bgp || l.RIP != c.rip || l.State != LinkUp {
			t.Errorf("%s: bgp %q rip %q state %q, want %q %q up", l.ID, l.BGP, l.RIP, l.State, c.bgp, c.rip)
		}
	}
}

func TestLinkID(t *testing.T) {
	l := &topo.Link{A: topo.Endpoint{Node: "transit-a", Iface: "eth2"}, B: topo.Endpoint{Node: "aws-edge", Iface: "eth0"}}
	if got := LinkID(l); got != "transit-a:eth2--aws-edge:eth0" {
		t.Fatalf("LinkID = %q", got)
	}
}

func TestLinkStateMessages(t *testing.T) {
	m, lab := seedModel(t)
	id := findLink(t, lab, "transit-a", "aws-edge")
	l := linkOf(snapOf(t, m), id)
	a, aIf, b, bIf := l.A, l.AIface, l.B, l.BIface
	seq0 := m.Snapshot().Seq

	type step struct {
		name  string
		do    func() []Message
		state string // the link's state after it ("" = no message expected)
	}
	silent := &fault.File{Active: []fault.Fault{{Kind: fault.KindLinkSilent, A: a, B: b}}}
	steps := []step{
		{"both ends up (first report)", func() []Message {
			return append(m.SetOper(a, aIf, true), m.SetOper(b, bIf, true)...)
		}, ""},
		{"same report again", func() []Message { return m.SetOper(a, aIf, true) }, ""},
		{"lo is no link", func() []Message { return m.SetOper(a, "lo", false) }, ""},
		{"one end loses carrier", func() []Message { return m.SetOper(a, aIf, false) }, LinkDown},
		{"the other end too: no change", func() []Message { return m.SetOper(b, bIf, false) }, ""},
		{"back up", func() []Message {
			return append(m.SetOper(a, aIf, true), m.SetOper(b, bIf, true)...)
		}, LinkUp},
		{"silent fault", func() []Message { return m.SetFaults(silent, false) }, LinkSilent},
		{"fault repaired", func() []Message { return m.SetFaults(&fault.File{}, false) }, LinkUp},
	}
	seq := seq0
	for _, s := range steps {
		msgs := s.do()
		var got []Message
		for _, x := range msgs {
			if x.Seq != seq+1 {
				t.Fatalf("%s: seq %d after %d", s.name, x.Seq, seq)
			}
			seq = x.Seq
			if x.Type == MsgLink {
				got = append(got, x)
			}
		}
		if s.state == "" {
			if len(got) != 0 {
				t.Errorf("%s: unexpected %+v", s.name, got)
			}
			continue
		}
		if len(got) != 1 || got[0].Data.(LinkChange) != (LinkChange{ID: id, State: s.state}) {
			t.Errorf("%s: got %+v, want one link message %s", s.name, got, s.state)
		}
		if st := m.LinkState(id); st != s.state {
			t.Errorf("%s: LinkState %q", s.name, st)
		}
	}
	if snap := m.Snapshot(); snap.Seq != seq {
		t.Errorf("snapshot seq %d, last message %d", snap.Seq, seq)
	}
}

func TestFaultHistoryAndConvergence(t *testing.T) {
	m, _ := seedModel(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := fault.Record{Time: t0.Add(-time.Hour), Kind: fault.KindLinkDown, A: "x", B: "y"}
	// The initial load only marks history as seen.
	if msgs := m.SetFaults(&fault.File{History: []fault.Record{old}}, true); len(msgs) != 0 {
		t.Fatalf("initial SetFaults sent %+v", msgs)
	}
	cut := fault.Record{Time: t0, Kind: fault.KindLinkDown, A: "transit-a", B: "aws-edge"}
	msgs := m.SetFaults(&fault.File{History: []fault.Record{old, cut}}, false)
	if len(msgs) != 2 || msgs[0].Type != MsgEvent || msgs[1].Type != MsgConvergence {
		t.Fatalf("new record gave %+v", msgs)
	}
	if e := msgs[0].Data.(Event); !e.Inject || e.Node != "transit-a" || e.Text != "link-down transit-a–aws-edge" {
		t.Errorf("inject event %+v", e)
	}
	evs := []routing.Event{
		{Time: t0.Add(5 * time.Millisecond), Node: "transit-a", Daemon: "bgp", Kind: routing.EventSessionDown, Peer: netip.MustParseAddr("100.64.0.18")},
		{Time: t0.Add(40 * time.Millisecond), Node: "transit-a", Daemon: "fib", Kind: routing.EventFIBRemove, Prefix: netip.MustParsePrefix("203.0.113.0/24")},
		{Time: t0.Add(25 * time.Millisecond), Node: "home-core", Daemon: "bgp", Kind: routing.EventBestChange, Prefix: netip.MustParsePrefix("203.0.113.0/24")},
	}
	msgs = m.AddEvents(evs)
	var conv []Convergence
	for _, x := range msgs {
		if x.Type == MsgConvergence {
			conv = append(conv, x.Data.(Convergence))
		}
	}
	// A session going down is no routing change; the FIB removal at +40ms
	// is, the best change at +25ms came later in the log but earlier in time.
	if len(conv) != 1 || conv[0].Millis != 40 || conv[0].RefLabel != "link-down transit-a–aws-edge" {
		t.Fatalf("convergence messages %+v", conv)
	}
	s := snapOf(t, m)
	if len(s.Events) != 4 || s.Convergence.Millis != 40 {
		t.Errorf("snapshot events %d convergence %+v", len(s.Events), s.Convergence)
	}
	// The history shrinking (trimmed file) reads it again from its start.
	if msgs := m.SetFaults(&fault.File{History: []fault.Record{cut}}, false); len(msgs) == 0 {
		t.Error("trimmed history gave no events")
	}
}

func TestEventsBounded(t *testing.T) {
	m, _ := seedModel(t)
	var evs []routing.Event
	for i := range maxEvents + 50 {
		evs = append(evs, routing.Event{Time: time.Unix(int64(i), 0), Node: "home-gw", Daemon: "rip", Kind: routing.EventRouteAdd})
	}
	m.AddEvents(evs)
	s := snapOf(t, m)
	if len(s.Events) != maxEvents || !s.Events[0].Time.Equal(time.Unix(50, 0)) {
		t.Fatalf("kept %d events from %v", len(s.Events), s.Events[0].Time)
	}
}

func TestInstanceAndRoutes(t *testing.T) {
	m, _ := seedModel(t)
	ip := netip.MustParseAddr("203.0.113.10")
	for _, c := range []struct {
		name string
		do   func() []Message
		want int
	}{
		{"public IP", func() []Message { return m.SetInstance("web", InstanceState{Running: true, PublicIP: ip}) }, 1},
		{"same again", func() []Message { return m.SetInstance("web", InstanceState{Running: true, PublicIP: ip}) }, 0},
		{"stopped", func() []Message { return m.SetInstance("web", InstanceState{}) }, 1},
		{"a router is no instance", func() []Message { return m.SetInstance("home-gw", InstanceState{Running: true}) }, 0},
		{"unknown node", func() []Message { return m.SetInstance("nope", InstanceState{}) }, 0},
		{"routes", func() []Message { return m.SetRoutes("home-gw", 7) }, 1},
		{"routes same", func() []Message { return m.SetRoutes("home-gw", 7) }, 0},
	} {
		if got := c.do(); len(got) != c.want {
			t.Errorf("%s: %d messages %+v, want %d", c.name, len(got), got, c.want)
		}
	}
	s := snapOf(t, m)
	for _, n := range s.Nodes {
		switch n.Name {
		case "web":
			if n.Running || n.PublicIP != "" {
				t.Errorf("web %+v", n)
			}
		case "home-gw":
			if n.Routes != 7 {
				t.Errorf("home-gw routes %d", n.Routes)
			}
		}
	}
}

func TestSetView(t *testing.T) {
	m, lab := seedModel(t)
	ebgp := findLink(t, lab, "transit-a", "aws-edge")
	rip := findLink(t, lab, "transit-a", "transit-b")
	l := linkOf(snapOf(t, m), ebgp)
	peer := l.BAddr
	if l.A != "transit-a" {
		peer = l.AAddr
	}
	var ripIface string
	for _, ifc := range lab.Node("transit-a").Interfaces {
		if ifc.Peer == "transit-b" {
			ripIface = ifc.Name
		}
	}
	v := converge.View{Node: "transit-a",
		BGPSessions:   []converge.BGPSession{{Peer: netip.MustParsePrefix(peer).Addr(), State: "Established"}},
		RIPNeighbours: []converge.RIPNeighbour{{Iface: ripIface}},
	}
	got := map[string]string{}
	for _, x := range m.SetView(v) {
		if c, ok := x.Data.(SessionChange); ok {
			got[c.ID+"/"+c.Proto] = c.State
		}
	}
	if got[ebgp+"/bgp"] != "Established" || got[rip+"/rip"] != "up" {
		t.Fatalf("session changes %v", got)
	}
	// The other eBGP session of transit-a has no entry: Idle.
	if other := findLink(t, lab, "home-core", "transit-a"); got[other+"/bgp"] != "Idle" {
		t.Errorf("home-core–transit-a: %q", got[other+"/bgp"])
	}
	if again := m.SetView(v); len(again) != 0 {
		t.Errorf("same view again: %+v", again)
	}
	// An agent that did not answer changes nothing.
	if x := m.SetView(converge.View{Node: "transit-a", Err: errors.New("down")}); len(x) != 0 {
		t.Errorf("failed view: %+v", x)
	}
}

func TestPathResult(t *testing.T) {
	_, lab := seedModel(t)
	var out string
	for _, ifc := range lab.Node("home-core").Interfaces {
		if ifc.Peer == "transit-a" {
			out = ifc.Name
		}
	}
	p := &converge.Path{From: "home-core", Result: converge.Reached, Hops: []converge.Hop{
		{Node: "home-core", OutIface: out}, {Node: "transit-a"},
	}}
	r := PathResult(lab, "home-core", "transit-a", p)
	if len(r.Hops) != 2 || len(r.Links) != 1 || r.Links[0] != findLink(t, lab, "home-core", "transit-a") {
		t.Fatalf("PathResult = %+v", r)
	}
}

func TestSessionEvents(t *testing.T) {
	m, lab := seedModel(t)
	id := findLink(t, lab, "transit-a", "aws-edge")
	l := linkOf(snapOf(t, m), id)
	peer := netip.MustParsePrefix(l.BAddr).Addr()
	if l.A != "transit-a" {
		peer = netip.MustParsePrefix(l.AAddr).Addr()
	}
	var ripIface string
	for _, ifc := range lab.Node("transit-a").Interfaces {
		if ifc.Peer == "transit-b" {
			ripIface = ifc.Name
		}
	}
	rip := findLink(t, lab, "transit-a", "transit-b")
	for _, c := range []struct {
		e    routing.Event
		id   string
		want string // "" = no session message
	}{
		{routing.Event{Node: "transit-a", Daemon: "bgp", Kind: routing.EventSessionUp, Peer: peer}, id, "Established"},
		{routing.Event{Node: "transit-a", Daemon: "bgp", Kind: routing.EventSessionUp, Peer: peer}, id, ""},
		{routing.Event{Node: "transit-a", Daemon: "bgpd", Kind: routing.EventSessionDown, Peer: peer}, id, "Idle"},
		{routing.Event{Node: "transit-a", Daemon: "bfd", Kind: routing.EventSessionUp, Peer: peer}, id, ""},
		{routing.Event{Node: "transit-a", Daemon: "bgp", Kind: routing.EventSessionDown, Peer: netip.MustParseAddr("100.127.0.9")}, id, ""}, // iBGP: no link
		{routing.Event{Node: "transit-a", Daemon: "rip", Kind: routing.EventNeighbourUp, Iface: ripIface}, rip, "up"},
		{routing.Event{Node: "transit-a", Daemon: "rip", Kind: routing.EventNeighbourDown, Iface: ripIface}, rip, "down"},
		{routing.Event{Node: "transit-a", Daemon: "ospf", Kind: routing.EventNeighbourUp, Iface: ripIface}, rip, ""},
		{routing.Event{Node: "transit-a", Daemon: "fib", Kind: routing.EventRouteAdd}, id, ""},
	} {
		var got []SessionChange
		for _, x := range m.AddEvents([]routing.Event{c.e}) {
			if sc, ok := x.Data.(SessionChange); ok {
				got = append(got, sc)
			}
		}
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s %v: unexpected %+v", c.e.Kind, c.e.Peer, got)
		case c.want != "" && (len(got) != 1 || got[0].ID != c.id || got[0].State != c.want):
			t.Errorf("%s %v: got %+v, want %s %s", c.e.Kind, c.e.Peer, got, c.id, c.want)
		}
	}
}
