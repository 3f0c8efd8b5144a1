package rip

import (
	"net/netip"
	"time"

	"github.com/netemu/netemu/routing"
)

// ReasonBFDDown counts responses ignored from a neighbour whose BFD
// session is down.
const ReasonBFDDown Reason = "bfd-down"

// BFDDown drops every route learned from peer at once, BFD having seen
// the path to it fail, instead of waiting out the route timeout; until
// BFDUp, peer's responses are ignored (on a one-way failure they would
// bring the routes straight back). It implements bfd.Client.
func (d *Daemon) BFDDown(peer netip.Addr, why string) {
	d.mu.Lock()
	now := d.now()
	d.e.neighbourDown(now, peer, why)
	d.e.afterInput(now)
	d.mu.Unlock()
	d.wake()
}

// BFDUp takes peer's responses again and asks it for its table.
func (d *Daemon) BFDUp(peer netip.Addr) {
	d.mu.Lock()
	d.e.neighbourUp(peer)
	d.mu.Unlock()
	d.wake()
}

func (d *Daemon) wake() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (e *engine) neighbourDown(now time.Time, a netip.Addr, why string) {
	n := e.neigh[a]
	if n == nil {
		if len(e.neigh) >= maxNeighbours {
			return
		}
		n = e.neighbour(now, a, "")
	}
	n.bfdDown = true
	if n.up {
		n.up = false
		e.events.Emit(routing.Event{Daemon: "rip", Kind: routing.EventNeighbourDown, Peer: a, Iface: n.iface, Detail: why})
	}
	lost := false
	for _, r := range e.routes {
		if !r.local && r.from == a && r.metric < Infinity {
			e.expire(now, r, why)
			lost = true
		}
	}
	if !lost {
		return
	}
	// Ask the other neighbours for their tables: an alternative path
	// arrives now rather than at their next periodic update.
	for _, name := range e.order {
		if s := e.ifaces[name]; s.rip && s.up && name != n.iface {
			e.sendRequest(s)
		}
	}
}

func (e *engine) neighbourUp(a netip.Addr) {
	n := e.neigh[a]
	if n == nil || !n.bfdDown {
		return
	}
	n.bfdDown = false
	if s := e.ifaces[n.iface]; s != nil && s.rip && s.up {
		e.sendRequest(s)
	}
}
