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

// key identifies a route the Writer owns: one route per protocol and prefix.
type key struct {
	proto  int
	prefix netip.Prefix
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
