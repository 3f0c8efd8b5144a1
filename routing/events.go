// Package routing holds what netemu's routing daemons share: the event
// timeline (issue 7) and link state changes. The daemons live in
// routing/rip and routing/bgp, the kernel FIB writer in routing/fib and the
// per-router process that runs them all in routing/agent.
package routing

import (
	"net/netip"
	"time"
)

// EventKind names what happened. The set is open; these are the ones the
// timeline (`netemu events`) knows how to present.
type EventKind string

// Event kinds.
const (
	EventLinkDown      EventKind = "link-down"
	EventLinkUp        EventKind = "link-up"
	EventNeighbourUp   EventKind = "neighbour-up"
	EventNeighbourDown EventKind = "neighbour-down"
	EventSessionUp     EventKind = "session-up"
	EventSessionDown   EventKind = "session-down"
	EventRouteAdd      EventKind = "route-add"
	EventRouteWithdraw EventKind = "route-withdraw"
	EventBestChange    EventKind = "best-change"
	EventFIBInstall    EventKind = "fib-install"
	EventFIBRemove     EventKind = "fib-remove"
	EventBadPacket     EventKind = "bad-packet"
	EventStart         EventKind = "start"
	// EventFIBRefused: the kernel refused a route the RIB holds as best;
	// the daemon does not advertise it (Detail says why).
	EventFIBRefused EventKind = "fib-refused"
	// EventRIBMismatch: a check found the RIB and the kernel disagreeing.
	EventRIBMismatch EventKind = "rib-kernel-mismatch"
)

// IsRoutingChange reports whether an event of this kind changes a RIB or
// the kernel table, i.e. moves the convergence clock (issue 7).
func (k EventKind) IsRoutingChange() bool {
	switch k {
	case EventRouteAdd, EventRouteWithdraw, EventBestChange, EventFIBInstall, EventFIBRemove:
		return true
	}
	return false
}

// Event is one line of a router's timeline, as written to
// <nodedir>/events.jsonl.
type Event struct {
	Time   time.Time    `json:"time"`
	Node   string       `json:"node"`
	Daemon string       `json:"daemon"` // "rip", "bgp", "fib", "agent"; FRR labs: "kernel", "bgpd" (routing/routewatch)
	Kind   EventKind    `json:"kind"`
	Prefix netip.Prefix `json:"prefix,omitzero"`
	// Peer is the neighbour or session address the event is about, if any.
	Peer   netip.Addr `json:"peer,omitzero"`
	Iface  string     `json:"iface,omitempty"`
	Detail string     `json:"detail,omitempty"`
}

// Emitter receives events. Implementations must be safe for concurrent
// use and must not block for long: daemons call it from their main loops.
// Time and Node are filled in by the agent's log when left zero.
type Emitter interface {
	Emit(Event)
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(Event)

// Emit calls f(e).
func (f EmitterFunc) Emit(e Event) { f(e) }

// Discard is an Emitter that drops everything (tests, tools).
type Discard struct{}

// Emit drops e.
func (Discard) Emit(Event) {}

// LinkEvent is an interface of the router changing state, as the agent
// sees it through netlink: Up is true when the interface is admin up AND
// has carrier.
type LinkEvent struct {
	Index int
	Name  string
	Up    bool
}
