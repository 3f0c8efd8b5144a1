// Package routewatch writes a router's kernel route changes into its event
// log, for routers whose routes a program other than netemu's agent
// installs (FRR's zebra, lab daemons = "frr"). netemu's agent logs what it
// installs itself (routing/fib); with FRR the kernel is the one place every
// change shows, so `netemu events` and the convergence time read the same
// timeline either way.
//
// This file is pure: which kernel changes become which events.
package routewatch

import (
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/routing"
)

// Daemon is the Daemon of the events the watcher writes.
const Daemon = "kernel"

// Kernel constants (linux/rtnetlink.h), spelled out so the pure part
// builds anywhere.
const (
	tableMain   = 254
	protoKernel = 2
)

// Route is the part of a kernel route the timeline shows.
type Route struct {
	Table    int
	Protocol int
	// ProtoName is the protocol's name ("bgp", "rip", "zebra" …), "" to
	// print its number.
	ProtoName string
	Dst       netip.Prefix // 0.0.0.0/0 for the default route
	Gateway   netip.Addr   // invalid when none (the first of a multipath route)
	Iface     string
	Metric    int
}

// EventFor turns a route added (or replaced) or removed in the kernel into
// a timeline event. Only the main table's IPv4 routes some program put
// there count: the kernel's own connected routes come and go with the
// interfaces, which the timeline already shows as the failure itself.
func EventFor(added bool, r Route) (routing.Event, bool) {
	if r.Table != tableMain || !r.Dst.IsValid() || !r.Dst.Addr().Is4() || r.Protocol == protoKernel {
		return routing.Event{}, false
	}
	kind := routing.EventFIBRemove
	if added {
		kind = routing.EventFIBInstall
	}
	proto := r.ProtoName
	if proto == "" {
		proto = fmt.Sprint(r.Protocol)
	}
	return routing.Event{Daemon: Daemon, Kind: kind, Prefix: r.Dst.Masked(), Peer: r.Gateway, Iface: r.Iface,
		Detail: fmt.Sprintf("proto %s metric %d", proto, r.Metric)}, true
}
