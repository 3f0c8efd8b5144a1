package ui

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Version is the protocol version every message carries. The page refuses
// (and reloads on) a version it does not know, so a new binary serving an
// old tab does not leave it half working.
const Version = 1

// Message types the server pushes. A page keeps the last seq it applied;
// a snapshot resets it, and a gap (a lost message) makes it ask again.
const (
	MsgSnapshot    = "snapshot"    // the whole lab: sent first and after every reconnect
	MsgLink        = "link"        // a link's state: up, down, silent
	MsgSession     = "session"     // a link's BGP session or RIP adjacency
	MsgRoutes      = "routes"      // a node's kernel route count
	MsgInstance    = "instance"    // an instance running/stopped and its public IP
	MsgEvent       = "event"       // one timeline entry
	MsgConvergence = "convergence" // the last failure and the time routing took to settle
	MsgTrace       = "trace"       // the path between two nodes (per page, on request)
)

// Link states (the data-state attribute of the testing contract).
const (
	LinkUp     = "up"
	LinkDown   = "down"
	LinkSilent = "silent"
)

// Message is what goes over the WebSocket, JSON-encoded.
type Message struct {
	V    int    `json:"v"`
	Seq  uint64 `json:"seq"`
	Type string `json:"type"`
	Data any    `json:"data"`
}

// Snapshot is the whole lab as the page draws it.
type Snapshot struct {
	Lab         string       `json:"lab"`
	Machine     string       `json:"machine,omitempty"`
	Groups      []Group      `json:"groups"`
	Nodes       []Node       `json:"nodes"`
	Links       []Link       `json:"links"`
	Events      []Event      `json:"events"`
	Convergence Convergence  `json:"convergence"`
	Daemons     string       `json:"daemons"`
	Client      string       `json:"client,omitempty"`
	Bounds      [4]float64   `json:"bounds"` // minX, minY, maxX, maxY of the positions
	Legend      []LegendItem `json:"legend,omitempty"`
}

// LegendItem names a node kind for the page's legend.
type LegendItem struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

// Group is an AS or a VPC, drawn as a box around its nodes.
type Group struct {
	ID    string `json:"id"` // "as:NAME" or "vpc:NAME"
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Label string `json:"label"`
}

// Node is one node of the lab.
type Node struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Group    string `json:"group,omitempty"`
	Hostname string `json:"hostname"`
	Loopback string `json:"loopback,omitempty"`
	Machine  string `json:"machine,omitempty"`
	// Local is false for a node another machine runs: the page shows it
	// but has no live state for it.
	Local bool `json:"local"`
	// Instance fields: Running and the current public IP ("" when none).
	Instance bool   `json:"instance,omitempty"`
	Running  bool   `json:"running,omitempty"`
	PublicIP string `json:"public_ip,omitempty"`
	Elastic  bool   `json:"elastic,omitempty"`
	PrivIP   string `json:"private_ip,omitempty"`
	SSH      bool   `json:"ssh,omitempty"` // "ssh" offered (an instance with sshd and a key pair)
	// Routes is the number of routes in the node's main kernel table
	// (-1 while unknown).
	Routes int     `json:"routes"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
}

// Link is one link, named A:IFACE--B:IFACE as in the testing contract.
type Link struct {
	ID     string `json:"id"`
	A      string `json:"a"`
	AIface string `json:"a_iface"`
	AAddr  string `json:"a_addr"`
	B      string `json:"b"`
	BIface string `json:"b_iface"`
	BAddr  string `json:"b_addr"`
	Subnet string `json:"subnet"`
	Kind   string `json:"kind"`
	State  string `json:"state"`
	// BGP is the eBGP session's state on the link ("" when the link
	// carries none), RIP the adjacency ("up", "down"; "" when none).
	BGP string `json:"bgp,omitempty"`
	RIP string `json:"rip,omitempty"`
}

// Event is a timeline entry.
type Event struct {
	Time   time.Time `json:"time"`
	Node   string    `json:"node"`
	Daemon string    `json:"daemon"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
	// Inject marks a failure or repair netemu injected (the reference of
	// the convergence time that follows).
	Inject bool `json:"inject,omitempty"`
	// Routing marks an event that moves the convergence clock.
	Routing bool `json:"routing,omitempty"`
}

// Convergence is the last failure and how long routing took after it.
type Convergence struct {
	Ref        time.Time `json:"ref,omitzero"`
	RefLabel   string    `json:"ref_label,omitempty"`
	LastChange time.Time `json:"last_change,omitzero"`
	// Millis is LastChange − Ref in milliseconds (0: no change yet).
	Millis float64 `json:"ms"`
}

// Change payloads.
type (
	LinkChange struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	SessionChange struct {
		ID    string `json:"id"`
		Proto string `json:"proto"` // "bgp" or "rip"
		State string `json:"state"`
	}
	RoutesChange struct {
		Node   string `json:"node"`
		Routes int    `json:"routes"`
	}
	InstanceChange struct {
		Node     string `json:"node"`
		Running  bool   `json:"running"`
		PublicIP string `json:"public_ip,omitempty"`
		Elastic  bool   `json:"elastic,omitempty"`
	}
	TraceResult struct {
		From  string   `json:"from"`
		To    string   `json:"to"`
		Hops  []string `json:"hops"`  // node names in order
		Links []string `json:"links"` // link IDs crossed, in order
		// Result is converge's outcome (reached, loop, blackhole …) or
		// "error".
		Result string `json:"result"`
		Detail string `json:"detail,omitempty"`
		Text   string `json:"text"`
	}
)

// LinkID names a link by its two ends, as the testing contract spells it.
func LinkID(l *topo.Link) string {
	return l.A.Node + ":" + l.A.Iface + "--" + l.B.Node + ":" + l.B.Iface
}

// maxEvents bounds the timeline the model keeps (the page keeps as many).
const maxEvents = 500

// Model is the live state of one lab share, changed by the watchers. Every
// setter returns the messages that describe the change (none when nothing
// changed), already numbered; the server broadcasts them in that order.
type Model struct {
	mu   sync.Mutex
	seq  uint64
	snap Snapshot
	lab  *topo.Lab

	nodeIdx map[string]int
	linkIdx map[string]int
	// endIdx maps "node:iface" to its link.
	endIdx map[string]int
	// oper is each local interface's carrier ("node:iface" → up).
	oper map[string]bool
	// faults are the link faults in force, by link ID.
	faults map[string]string
	// history is the faults file's history already turned into events.
	history int
}

// NewModel builds the model of a share from the lab file's model. local
// says which nodes this machine runs (nil: all).
func NewModel(lab *topo.Lab, machine string, local func(node string) bool) *Model {
	m := &Model{
		lab:     lab,
		nodeIdx: map[string]int{},
		linkIdx: map[string]int{},
		endIdx:  map[string]int{},
		oper:    map[string]bool{},
		faults:  map[string]string{},
	}
	s := &m.snap
	s.Lab, s.Machine, s.Daemons, s.Client = lab.Name, machine, lab.Daemons, lab.ClientHost
	groupOf := map[string]string{}
	for _, as := range lab.ASes {
		s.Groups = append(s.Groups, Group{ID: "as:" + as.Name, Kind: "as", Name: as.Name, Label: fmt.Sprintf("%s (AS %d, %s)", as.Name, as.ASN, as.IGP)})
	}
	for _, v := range lab.VPCs {
		s.Groups = append(s.Groups, Group{ID: "vpc:" + v.Name, Kind: "vpc", Name: v.Name, Label: fmt.Sprintf("VPC %s %s", v.Name, v.CIDR)})
	}
	kinds := map[string]int{}
	for _, n := range lab.Nodes {
		g := ""
		switch {
		case n.VPC != "":
			g = "vpc:" + n.VPC
		case n.AS != "":
			g = "as:" + n.AS
		}
		groupOf[n.Name] = g
		nd := Node{Name: n.Name, Kind: string(n.Kind), Group: g, Hostname: n.Hostname, Machine: n.Machine, Routes: -1,
			Local: local == nil || local(n.Name)}
		if n.Loopback.IsValid() {
			nd.Loopback = n.Loopback.Addr().String()
		}
		if n.Kind == topo.KindInstance && n.Instance != nil {
			nd.Instance, nd.Running = true, true
			nd.PrivIP = n.Instance.PrivateIP.String()
			nd.SSH = n.Instance.KeyPair != "" && lab.ClientHost != ""
		}
		m.nodeIdx[n.Name] = len(s.Nodes)
		s.Nodes = append(s.Nodes, nd)
		kinds[nd.Kind]++
	}
	for _, k := range slices.Sorted(mapKeys(kinds)) {
		s.Legend = append(s.Legend, LegendItem{Kind: k, Count: kinds[k]})
	}
	for _, l := range lab.Links {
		id := LinkID(l)
		lk := Link{ID: id, A: l.A.Node, AIface: l.A.Iface, B: l.B.Node, BIface: l.B.Iface,
			Subnet: l.Subnet.String(), Kind: string(l.Kind), State: LinkUp}
		if l.A.Addr.IsValid() {
			lk.AAddr = l.A.Addr.String()
		}
		if l.B.Addr.IsValid() {
			lk.BAddr = l.B.Addr.String()
		}
		lk.BGP, lk.RIP = expectedProtocols(lab, l)
		m.linkIdx[id] = len(s.Links)
		m.endIdx[l.A.Node+":"+l.A.Iface] = len(s.Links)
		m.endIdx[l.B.Node+":"+l.B.Iface] = len(s.Links)
		s.Links = append(s.Links, lk)
	}
	pos := Layout(lab)
	for i := range s.Nodes {
		p := pos[s.Nodes[i].Name]
		s.Nodes[i].X, s.Nodes[i].Y = p.X, p.Y
	}
	s.Bounds = bounds(pos)
	s.Events = []Event{}
	return m
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// expectedProtocols says which routing protocols run on a link, from the
// file alone: eBGP between routers of different ASes, the AS's RIP
// between routers of one AS (or towards a host on an igp = true link).
// The states start as "?" until an agent answers.
func expectedProtocols(lab *topo.Lab, l *topo.Link) (bgp, rip string) {
	if lab.Daemons == "none" {
		return "", ""
	}
	a, b := lab.Node(l.A.Node), lab.Node(l.B.Node)
	if a == nil || b == nil {
		return "", ""
	}
	if a.Kind == topo.KindRouter && b.Kind == topo.KindRouter && a.AS != b.AS {
		return "?", ""
	}
	as := a.AS
	if as == "" {
		as = b.AS
	}
	for _, x := range lab.ASes {
		if x.Name == as && x.IGP == topo.IGPRIP {
			if (a.Kind == topo.KindRouter && b.Kind == topo.KindRouter && a.AS == b.AS) || l.IGP {
				return "", "?"
			}
		}
	}
	return "", ""
}

func (m *Model) msg(typ string, data any) Message {
	m.seq++
	return Message{V: Version, Seq: m.seq, Type: typ, Data: data}
}

// Snapshot returns the whole state as one message, numbered with the last
// change it includes (the page applies only changes after it).
func (m *Model) Snapshot() Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.snap
	s.Groups = slices.Clone(s.Groups)
	s.Nodes = slices.Clone(s.Nodes)
	s.Links = slices.Clone(s.Links)
	s.Events = slices.Clone(s.Events)
	return Message{V: Version, Seq: m.seq, Type: MsgSnapshot, Data: s}
}

// Lab is the lab file's model the Model was built from.
func (m *Model) Lab() *topo.Lab { return m.lab }

// HasLink reports whether id names a link of the lab.
func (m *Model) HasLink(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.linkIdx[id]
	return ok
}

// LinkState returns a link's current state ("" for an unknown link).
func (m *Model) LinkState(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i, ok := m.linkIdx[id]; ok {
		return m.snap.Links[i].State
	}
	return ""
}

// linkState derives a link's state: carrier lost at either local end is
// down; a silent fault in force with carrier is silent; else up.
func (m *Model) linkState(i int) string {
	l := m.snap.Links[i]
	for _, end := range []string{l.A + ":" + l.AIface, l.B + ":" + l.BIface} {
		if up, known := m.oper[end]; known && !up {
			return LinkDown
		}
	}
	switch m.faults[l.ID] {
	case fault.KindLinkSilent:
		return LinkSilent
	case fault.KindLinkDown:
		// The kernel says the carrier is back (or the end is on another
		// machine): trust the kernel for local ends.
		return LinkUp
	}
	return LinkUp
}

func (m *Model) refresh(i int, out []Message) []Message {
	st := m.linkState(i)
	if m.snap.Links[i].State == st {
		return out
	}
	m.snap.Links[i].State = st
	return append(out, m.msg(MsgLink, LinkChange{ID: m.snap.Links[i].ID, State: st}))
}

// SetOper records an interface's carrier (admin up and lower up), as a
// netlink link message in the node's namespace reports it. Interfaces no
// link uses (lo) are ignored.
func (m *Model) SetOper(node, iface string, up bool) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	end := node + ":" + iface
	i, ok := m.endIdx[end]
	if !ok {
		return nil
	}
	if prev, known := m.oper[end]; known && prev == up {
		return nil
	}
	m.oper[end] = up
	return m.refresh(i, nil)
}

// SetFaults takes the faults file as it is now: silent links, and the
// injections recorded since the last call, which become timeline events
// and the new reference of the convergence time. The initial call only
// marks the history as seen: the watcher merges it with the agents' past
// events into one ordered timeline (AddTimeline).
func (m *Model) SetFaults(f *fault.File, initial bool) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	active := map[string]string{}
	for _, x := range f.Active {
		if x.Node != "" {
			continue
		}
		for i, l := range m.snap.Links {
			if faultMatches(x, l) {
				active[m.snap.Links[i].ID] = x.Kind
			}
		}
	}
	var out []Message
	changed := map[string]bool{}
	for id := range active {
		changed[id] = true
	}
	for id := range m.faults {
		changed[id] = true
	}
	m.faults = active
	for _, id := range slices.Sorted(mapKeys(changed)) {
		out = m.refresh(m.linkIdx[id], out)
	}
	// History only grows (trimmed at its head when full): new records are
	// those after the count already seen, or all when it shrank.
	from := m.history
	if from > len(f.History) {
		from = 0
	}
	if !initial {
		for _, r := range f.History[from:] {
			out = m.addEventLocked(FromFault(r), out)
		}
	}
	m.history = len(f.History)
	return out
}

// faultMatches reports whether a link fault names link l (either order; an
// interface is compared only when the fault records one).
func faultMatches(x fault.Fault, l Link) bool {
	end := func(n, i, node, iface string) bool { return n == node && (i == "" || i == iface) }
	return (end(x.A, x.AIface, l.A, l.AIface) && end(x.B, x.BIface, l.B, l.BIface)) ||
		(end(x.A, x.AIface, l.B, l.BIface) && end(x.B, x.BIface, l.A, l.AIface))
}

// SetRoutes records a node's kernel route count.
func (m *Model) SetRoutes(node string, n int) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.nodeIdx[node]
	if !ok || m.snap.Nodes[i].Routes == n {
		return nil
	}
	m.snap.Nodes[i].Routes = n
	return []Message{m.msg(MsgRoutes, RoutesChange{Node: node, Routes: n})}
}

// InstanceState is what the AWS bookkeeping says of an instance.
type InstanceState struct {
	Running  bool
	PublicIP netip.Addr
	Elastic  bool
}

// SetInstance records an instance's running state and public IP.
func (m *Model) SetInstance(node string, st InstanceState) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.nodeIdx[node]
	if !ok || !m.snap.Nodes[i].Instance {
		return nil
	}
	ip := ""
	if st.PublicIP.IsValid() {
		ip = st.PublicIP.String()
	}
	n := &m.snap.Nodes[i]
	if n.Running == st.Running && n.PublicIP == ip && n.Elastic == st.Elastic {
		return nil
	}
	n.Running, n.PublicIP, n.Elastic = st.Running, ip, st.Elastic
	return []Message{m.msg(MsgInstance, InstanceChange{Node: node, Running: st.Running, PublicIP: ip, Elastic: st.Elastic})}
}

// SetView takes one agent's answer: its eBGP sessions and RIP neighbours,
// put on the links they run over. A protocol the agent has on a link but
// no session or neighbour for is "down" (RIP) or "Idle" (BGP).
func (m *Model) SetView(v converge.View) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v.Err != nil {
		return nil
	}
	n := m.lab.Node(v.Node)
	if n == nil {
		return nil
	}
	var out []Message
	for _, ifc := range n.Interfaces {
		i, ok := m.endIdx[v.Node+":"+ifc.Name]
		if !ok {
			continue
		}
		l := &m.snap.Links[i]
		peer := l.BAddr
		if l.B == v.Node && l.BIface == ifc.Name {
			peer = l.AAddr
		}
		if l.BGP != "" {
			st := "Idle"
			for _, s := range v.BGPSessions {
				if peer != "" && s.Peer.String() == strings.Split(peer, "/")[0] {
					st = s.State
				}
			}
			if l.BGP != st {
				l.BGP = st
				out = append(out, m.msg(MsgSession, SessionChange{ID: l.ID, Proto: "bgp", State: st}))
			}
		}
		if l.RIP != "" {
			st := "down"
			for _, nb := range v.RIPNeighbours {
				if nb.Iface == ifc.Name {
					st = "up"
				}
			}
			// Both ends report: the adjacency is up only when this end
			// hears the other; the far end's answer arrives separately and
			// is the same in steady state.
			if l.RIP != st {
				l.RIP = st
				out = append(out, m.msg(MsgSession, SessionChange{ID: l.ID, Proto: "rip", State: st}))
			}
		}
	}
	return out
}

// AddEvents appends agents' events to the timeline (in the order given)
// and moves the convergence time.
func (m *Model) AddEvents(evs []routing.Event) []Message {
	tl := make([]Event, 0, len(evs))
	for _, e := range evs {
		tl = append(tl, FromRouting(e))
	}
	out := m.AddTimeline(tl)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range evs {
		out = m.sessionEventLocked(e, out)
	}
	return out
}

// sessionEventLocked moves a link's session state on the agent's own
// word (session-up/down with the peer's address, neighbour-up/down with
// the interface) without waiting for the agent to be asked: FRR's
// watcher writes such events too, and there is no agent to ask there.
func (m *Model) sessionEventLocked(e routing.Event, out []Message) []Message {
	var proto, st string
	bgp := e.Daemon == "bgp" || e.Daemon == "bgpd" // netemu's speaker, FRR's
	switch {
	case bgp && e.Kind == routing.EventSessionUp:
		proto, st = "bgp", "Established"
	case bgp && e.Kind == routing.EventSessionDown:
		proto, st = "bgp", "Idle"
	case e.Daemon == "rip" && e.Kind == routing.EventNeighbourUp:
		proto, st = "rip", "up"
	case e.Daemon == "rip" && e.Kind == routing.EventNeighbourDown:
		proto, st = "rip", "down"
	default:
		// BFD's sessions and OSPF's adjacencies are not drawn (yet).
		return out
	}
	n := m.lab.Node(e.Node)
	if n == nil {
		return out
	}
	for _, ifc := range n.Interfaces {
		i, ok := m.endIdx[e.Node+":"+ifc.Name]
		if !ok {
			continue
		}
		l := &m.snap.Links[i]
		peer := l.BAddr
		if l.B == e.Node && l.BIface == ifc.Name {
			peer = l.AAddr
		}
		peer, _, _ = strings.Cut(peer, "/")
		cur := &l.BGP
		match := l.BGP != "" && e.Peer.IsValid() && peer == e.Peer.String()
		if proto == "rip" {
			cur = &l.RIP
			match = l.RIP != "" && (e.Iface == ifc.Name || (e.Iface == "" && e.Peer.IsValid() && peer == e.Peer.String()))
		}
		if match && *cur != st {
			*cur = st
			out = append(out, m.msg(MsgSession, SessionChange{ID: l.ID, Proto: proto, State: st}))
		}
	}
	return out
}

// AddTimeline appends timeline entries in the order given.
func (m *Model) AddTimeline(evs []Event) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Message
	for _, e := range evs {
		out = m.addEventLocked(e, out)
	}
	return out
}

// FromRouting is an agent's event as a timeline entry.
func FromRouting(e routing.Event) Event {
	var what []string
	if e.Prefix.IsValid() {
		what = append(what, e.Prefix.String())
	}
	if e.Peer.IsValid() {
		what = append(what, "peer "+e.Peer.String())
	}
	if e.Iface != "" {
		what = append(what, e.Iface)
	}
	if e.Detail != "" {
		what = append(what, e.Detail)
	}
	return Event{Time: e.Time, Node: e.Node, Daemon: e.Daemon, Kind: string(e.Kind), Text: strings.Join(what, " "), Routing: e.Kind.IsRoutingChange()}
}

// FromFault is an injected failure or repair as a timeline entry.
func FromFault(r fault.Record) Event {
	node := r.Node
	if node == "" {
		node = r.A
	}
	return Event{Time: r.Time, Node: node, Daemon: converge.DaemonFault, Kind: string(converge.KindInject), Text: r.String(), Inject: true}
}

func (m *Model) addEventLocked(e Event, out []Message) []Message {
	m.snap.Events = append(m.snap.Events, e)
	if len(m.snap.Events) > maxEvents {
		m.snap.Events = slices.Delete(m.snap.Events, 0, len(m.snap.Events)-maxEvents)
	}
	out = append(out, m.msg(MsgEvent, e))
	c := &m.snap.Convergence
	switch {
	case e.Inject && e.Time.After(c.Ref):
		*c = Convergence{Ref: e.Time, RefLabel: e.Text}
		out = append(out, m.msg(MsgConvergence, *c))
	case e.Routing && !c.Ref.IsZero() && !e.Time.Before(c.Ref) && e.Time.After(c.LastChange):
		c.LastChange = e.Time
		c.Millis = float64(e.Time.Sub(c.Ref).Microseconds()) / 1000
		out = append(out, m.msg(MsgConvergence, *c))
	}
	return out
}

// Trace numbers a trace result for one page (traces are not part of the
// snapshot: each page asks for its own).
func (m *Model) Trace(t TraceResult) Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Message{V: Version, Seq: m.seq, Type: MsgTrace, Data: t}
}

// PathResult turns a converge.Path into what the page draws: the nodes
// and the links crossed.
func PathResult(lab *topo.Lab, from, to string, p *converge.Path) TraceResult {
	t := TraceResult{From: from, To: to, Result: p.Result, Detail: p.Detail, Text: p.Format(), Hops: []string{}, Links: []string{}}
	for _, h := range p.Hops {
		t.Hops = append(t.Hops, h.Node)
		if h.OutIface == "" {
			continue
		}
		if n := lab.Node(h.Node); n != nil {
			if ifc := n.Interface(h.OutIface); ifc != nil && ifc.Link >= 0 && ifc.Link < len(lab.Links) {
				t.Links = append(t.Links, LinkID(lab.Links[ifc.Link]))
			}
		}
	}
	return t
}
