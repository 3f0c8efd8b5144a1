// Package fib writes routes into the kernel's main routing table through
// netlink, in the network namespace of the calling process (the agent runs
// inside its router's namespace). RIP and BGP share one Writer.
package fib

import (
	"fmt"
	"net/netip"
)

// Protocol numbers as iproute2 names them (/etc/iproute2/rt_protos), so
// `ip route` prints "proto rip" / "proto bgp".
const (
	ProtoBGP = 186
	ProtoRIP = 189
)

// Route is one kernel route. Gateway is invalid for an on-link route;
// LinkIndex 0 lets the kernel pick the interface from the gateway. Metric is
// the kernel's priority (`ip route … metric N`).
type Route struct {
	Prefix    netip.Prefix `json:"prefix"`
	Gateway   netip.Addr   `json:"gateway,omitzero"`
	LinkIndex int          `json:"link_index,omitempty"`
	Metric    int          `json:"metric"`
	Protocol  int          `json:"protocol"`
}

func (r Route) String() string {
	return fmt.Sprintf("%s via %s dev#%d metric %d proto %d", r.Prefix, r.Gateway, r.LinkIndex, r.Metric, r.Protocol)
}

// key identifies a route the Writer owns: one route per protocol and
// prefix. It and entry hold no pointers and few bytes: the Writer keeps
// one of each per kernel route (hundreds of thousands with BGP), and a
// map of pointer-free entries costs the garbage collector nothing.
type key struct {
	addr  [16]byte
	bits  uint8
	is6   bool
	proto uint8
}

func keyOf(proto int, p netip.Prefix) key {
	return key{addr: p.Addr().As16(), bits: uint8(p.Bits()), is6: p.Addr().Is6(), proto: uint8(proto)}
}

// entry is what the Writer remembers of an installed route.
type entry struct {
	gw     [16]byte
	gwKind uint8 // 0: none, 4 or 6
	link   int32
	metric int32
}

func entryOf(r Route) entry {
	e := entry{link: int32(r.LinkIndex), metric: int32(r.Metric)}
	if r.Gateway.IsValid() {
		e.gw, e.gwKind = r.Gateway.As16(), 6
		if r.Gateway.Is4() {
			e.gwKind = 4
		}
	}
	return e
}

// route rebuilds the Route of k and e.
func (e entry) route(k key) Route {
	a := netip.AddrFrom16(k.addr)
	if !k.is6 {
		a = a.Unmap()
	}
	r := Route{Prefix: netip.PrefixFrom(a, int(k.bits)), LinkIndex: int(e.link), Metric: int(e.metric), Protocol: int(k.proto)}
	switch e.gwKind {
	case 4:
		r.Gateway = netip.AddrFrom16(e.gw).Unmap()
	case 6:
		r.Gateway = netip.AddrFrom16(e.gw)
	}
	return r
}

// RouteError is one route the kernel refused; Replace and Delete join
// one per failure, so a daemon can tell which routes it does not hold
// (errors.As on each of the joined errors).
type RouteError struct {
	Op    string // "replace", "delete", "remove old"
	Route Route
	Err   error
}

func (e *RouteError) Error() string { return fmt.Sprintf("fib: %s %s: %v", e.Op, e.Route, e.Err) }
func (e *RouteError) Unwrap() error { return e.Err }

// RouteErrors lists the RouteErrors joined in err.
func RouteErrors(err error) []*RouteError {
	var out []*RouteError
	var walk func(error)
	walk = func(err error) {
		switch x := err.(type) {
		case nil:
		case *RouteError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

// FIB is what a daemon needs from the kernel table. Replace installs or
// updates routes (one per protocol and prefix: a route whose metric
// changed replaces the old one, not beside it); Delete removes them (only
// Prefix and Protocol matter; absent routes are not an error). Both batch
// and return every failure joined.
type FIB interface {
	Replace(routes []Route) error
	Delete(routes []Route) error
}
