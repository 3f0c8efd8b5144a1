package routewatch

import (
	"net/netip"
	"testing"

	"github.com/netemu/netemu/routing"
)

func TestEventFor(t *testing.T) {
	pfx, addr := netip.MustParsePrefix, netip.MustParseAddr
	bgp := Route{Table: 254, Protocol: 186, ProtoName: "bgp", Dst: pfx("10.3.0.0/16"), Gateway: addr("100.64.0.2"), Iface: "eth1", Metric: 20}
	tests := []struct {
		name  string
		added bool
		r     Route
		ok    bool
		want  routing.Event
	}{
		{"bgp route installed", true, bgp, true, routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall,
			Prefix: pfx("10.3.0.0/16"), Peer: addr("100.64.0.2"), Iface: "eth1", Detail: "proto bgp metric 20"}},
		{"bgp route removed", false, bgp, true, routing.Event{Daemon: "kernel", Kind: routing.EventFIBRemove,
			Prefix: pfx("10.3.0.0/16"), Peer: addr("100.64.0.2"), Iface: "eth1", Detail: "proto bgp metric 20"}},
		{"unnamed protocol, default route, no gateway", true, Route{Table: 254, Protocol: 250, Dst: pfx("0.0.0.0/0"), Metric: 0}, true,
			routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall, Prefix: pfx("0.0.0.0/0"), Detail: "proto 250 metric 0"}},
		{"host bits masked", true, Route{Table: 254, Protocol: 189, ProtoName: "rip", Dst: pfx("10.1.2.3/24")}, true,
			routing.Event{Daemon: "kernel", Kind: routing.EventFIBInstall, Prefix: pfx("10.1.2.0/24"), Detail: "proto rip metric 0"}},
		{"connected route: the interface's own", true, Route{Table: 254, Protocol: 2, ProtoName: "kernel", Dst: pfx("100.64.0.0/30")}, false, routing.Event{}},
		{"local table", true, Route{Table: 255, Protocol: 2, Dst: pfx("100.64.0.1/32")}, false, routing.Event{}},
		{"other table", true, Route{Table: 100, Protocol: 186, Dst: pfx("10.3.0.0/16")}, false, routing.Event{}},
		{"IPv6", true, Route{Table: 254, Protocol: 186, Dst: pfx("2001:db8::/32")}, false, routing.Event{}},
		{"no destination", true, Route{Table: 254, Protocol: 186}, false, routing.Event{}},
	}
	for _, tt := range tests {
		got, ok := EventFor(tt.added, tt.r)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: EventFor = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
		if ok && !got.Kind.IsRoutingChange() {
			t.Errorf("%s: %s does not move the convergence clock", tt.name, got.Kind)
		}
	}
}
