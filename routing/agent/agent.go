// Package agent is netemu's per-router process (`netemu agent`): it runs
// inside the router's network namespace, starts the router's routing
// daemons (RIP or OSPF, and BGP when configured), shares one kernel FIB writer and
// one event log between them, forwards link state changes to them and
// serves a control socket (HTTP over a unix socket) for the CLI.
package agent

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/ospf"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/topo"
)

// Config is everything an agent needs, derived from the model by ConfigFor
// and written by `netemu up` as <nodedir>/agent.json.
type Config struct {
	Lab  string `json:"lab"`
	Node string `json:"node"`
	// NodeDir holds the control socket (agent.sock) and the event log
	// (events.jsonl); set by the caller (ConfigFor leaves it empty).
	NodeDir    string       `json:"node_dir"`
	Timers     topo.Timers  `json:"timers"`
	Loopback   netip.Prefix `json:"loopback,omitzero"`
	Interfaces []Interface  `json:"interfaces"`
	// RIP is nil when the router runs no RIP.
	RIP *rip.Config `json:"rip,omitempty"`
	// BGP is nil when the router has no BGP session.
	BGP *bgp.Config `json:"bgp,omitempty"`
	// OSPF is nil when the router runs no OSPF.
	OSPF *ospf.Config `json:"ospf,omitempty"`
	// BFD lists the router's BFD sessions (empty without bfd blocks).
	BFD []BFDSession `json:"bfd,omitempty"`
}

// Interface is one of the router's interfaces as the model describes it.
type Interface struct {
	Name      string       `json:"name"`
	Addr      netip.Prefix `json:"addr"`
	Peer      string       `json:"peer"`
	PeerIface string       `json:"peer_iface"`
}

// Daemon is a routing protocol run by the agent.
type Daemon interface {
	// Name is the daemon's short name ("rip", "bgp"); its HTTP handler is
	// mounted at /NAME and /NAME/ on the control socket.
	Name() string
	// Run runs the daemon until ctx is done; an error stops the agent.
	Run(ctx context.Context) error
	// LinkChanged is called (from the agent's link watcher goroutine, must
	// not block long) when one of the router's interfaces goes up or down.
	LinkChanged(routing.LinkEvent)
	// ServeHTTP answers the control socket's GET /NAME[/...] with JSON.
	http.Handler
}
