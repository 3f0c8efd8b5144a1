package ui

import (
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netemu/netemu/lab/view"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bfd"
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
	MsgSession     = "session"     // a link's BGP session, RIP/OSPF adjacency or BFD session
	MsgRoutes      = "routes"      // a node's kernel route count
	MsgInstance    = "instance"    // an instance running/stopped and its public IP
	MsgEvent       = "event"       // one timeline entry
	MsgConvergence = "convergence" // the last failure and the time routing took to settle
	MsgTrace       = "trace"       // the path between two nodes (per page, on request)
)

// Link states (the data-state attribute of the testing contract).
const (
	LinkUp     = view.LinkUp
	LinkDown   = view.LinkDown
	LinkSilent = view.LinkSilent
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
	// Graph is the lab as drawn (lab, groups, nodes, links), shared with
	// `netemu graph`.
	view.Graph
	Machine     string       `json:"machine,omitempty"`
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

// The lab as drawn: lab/view's types, the snapshot's JSON.
type (
	Group = view.Group
	Node  = view.Node
	Link  = view.Link
)

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

// SessionChange is a link's BGP session, RIP or OSPF adjacency or BFD
// session that changed.
type SessionChange = view.SessionChange

// Change payloads.
type (
	LinkChange struct {
		ID    string `json:"id"`
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
func LinkID(l *topo.Link) string { return view.LinkID(l) }

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
	s.Graph = view.New(lab, local)
	s.Machine, s.Daemons, s.Client = machine, lab.Daemons, lab.ClientHost
	kinds := map[string]int{}
	for i, nd := range s.Nodes {
		m.nodeIdx[nd.Name] = i
		kinds[nd.Kind]++
	}
	for _, k := range slices.Sorted(mapKeys(kinds)) {
		s.Legend = append(s.Legend, LegendItem{Kind: k, Count: kinds[k]})
	}
	for i, l := range s.Links {
		m.linkIdx[l.ID] = i
		m.endIdx[l.A+":"+l.AIface] = i
		m.endIdx[l.B+":"+l.BIface] = i
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

// linkState derives a link's state from the carriers seen and the faults
// in force (view.LinkState).
func (m *Model) linkState(i int) string {
	return view.LinkState(m.snap.Links[i], func(end string) (bool, bool) {
		up, known := m.oper[end]
		return up, known
	}, m.faults[m.snap.Links[i].ID])
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
		for i, l := range m.snap.Links {
			if view.FaultMatches(x, l) {
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

// SetView takes one agent's answer: its eBGP sessions, RIP neighbours and
// OSPF adjacencies, put on the links they run over (view.ApplyView).
func (m *Model) SetView(v converge.View) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions(m.snap.ApplyView(m.lab, v), nil)
}

// SetBFD takes a router's BFD sessions (its agent's /bfd).
func (m *Model) SetBFD(node string, sessions []bfd.SessionStatus) []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions(m.snap.ApplyBFD(m.lab, node, sessions), nil)
}

func (m *Model) sessions(cs []view.SessionChange, out []Message) []Message {
	for _, c := range cs {
		out = append(out, m.msg(MsgSession, c))
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
// word, without waiting for the agent to be asked (view.ApplyEvent).
func (m *Model) sessionEventLocked(e routing.Event, out []Message) []Message {
	return m.sessions(m.snap.ApplyEvent(m.lab, e), out)
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
