package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

func TestSuggest(t *testing.T) {
	names := []string{"home-gw", "home-core", "transit-a", "transit-b", "aws-edge", "web"}
	for _, tc := range []struct{ in, want string }{
		{"home-gwy", "home-gw"},
		{"trnsit-a", "transit-a"},
		{"Web", "web"},
		{"aws", "aws-edge"}, // a prefix
		{"database", ""},    // nothing close
		{"home-gw", ""},     // itself is no suggestion
	} {
		if got := Suggest(tc.in, names); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if s := DidYouMean("bgp-chian", topo.Examples()); s != ` (did you mean "bgp-chain"?)` {
		t.Errorf("DidYouMean = %q", s)
	}
}

func TestTableNameAndArticle(t *testing.T) {
	for in, want := range map[int]string{254: "main", 255: "local", 253: "default", 101: "101"} {
		if got := TableName(in); got != want {
			t.Errorf("TableName(%d) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"instance": "an", "router": "a", "host": "a", "": "a"} {
		if got := Article(in); got != want {
			t.Errorf("Article(%q) = %q", in, got)
		}
	}
}

// FRR's `show bgp summary json` (8.4) becomes the same report as netemu's.
func TestParseFRRBGPSummary(t *testing.T) {
	out := []byte(`{"ipv4Unicast":{"routerId":"100.127.0.1","as":64501,"ribCount":4,"peers":{
	  "10.88.0.2":{"remoteAs":65100,"localAs":64501,"state":"Active","pfxRcd":0,"pfxSnt":0,"connectionsDropped":0},
	  "100.64.0.2":{"hostname":"r2","remoteAs":64501,"localAs":64501,"state":"Established","peerUptimeMsec":61000,"pfxRcd":2,"pfxSnt":3,"connectionsDropped":1}}}}`)
	l := &topo.Lab{Nodes: []*topo.Node{
		{Name: "r1", Kind: topo.KindRouter, BGPNeighbors: []*topo.BGPNeighbor{{Address: netip.MustParseAddr("10.88.0.2"), ASN: 65100}}},
		{Name: "r2", Kind: topo.KindRouter, Interfaces: []*topo.Interface{{Name: "eth0", Addr: netip.MustParsePrefix("100.64.0.2/30")}}},
	}}
	r, err := ParseFRRBGPSummary(out, l, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Daemon != "frr" || r.ASN != 64501 || r.RouterID != "100.127.0.1" || len(r.Peers) != 2 {
		t.Fatalf("%+v", r)
	}
	ext, r2 := r.Peers[0], r.Peers[1]
	if !ext.External || ext.State != "Active" || ext.Type != "ebgp" || ext.UptimeMS != 0 {
		t.Errorf("external peer %+v", ext)
	}
	if r2.Name != "r2" || r2.Type != "ibgp" || r2.UptimeMS != 61000 || r2.PrefixesReceived != 2 || r2.Flaps != 1 {
		t.Errorf("r2 %+v", r2)
	}
	if _, err := ParseFRRBGPSummary([]byte("% bgpd is not running"), l, "r1"); err == nil {
		t.Error("garbage parsed")
	}
	if r, err := ParseFRRBGPSummary([]byte("{}\n"), l, "r1"); err != nil || len(r.Peers) != 0 {
		t.Errorf("empty summary: %v %+v", err, r)
	}
}

func TestParseFRRRIP(t *testing.T) {
	status := []byte(`Routing Protocol is "rip"
  Routing Information Sources:
    Gateway          BadPackets BadRoutes  Distance Last Update
    100.64.0.1               0         0       120   00:00:03
  Distance: (default is 120)
`)
	table := []byte(`Codes: R - RIP, C - connected, S - Static, O - OSPF, B - BGP
Sub-codes:
      (n) - normal, (s) - static, (d) - default, (r) - redistribute,
      (i) - interface

     Network            Next Hop         Metric From            Tag Time
C(i) 100.64.0.0/30      0.0.0.0               1 self              0
R(n) 100.127.0.1/32     100.64.0.1            2 100.64.0.1        0 00:25
R(n) 10.9.0.0/24        100.64.0.1           16 100.64.0.1        0 00:10
`)
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	r := ParseFRRRIP("r2", status, table, 30*time.Second, now)
	if len(r.Neighbours) != 1 || r.Neighbours[0].Address != "100.64.0.1" || !r.Neighbours[0].LastHeardAt.Equal(now.Add(-3*time.Second)) {
		t.Errorf("neighbours %+v", r.Neighbours)
	}
	want := []RIPRouteReport{
		{Prefix: "100.64.0.0/30", Metric: 1, State: "local"},
		{Prefix: "100.127.0.1/32", Metric: 2, NextHop: "100.64.0.1", AgeMS: 5000, State: "active"},
		{Prefix: "10.9.0.0/24", Metric: 16, NextHop: "100.64.0.1", AgeMS: 20000, State: "garbage"},
	}
	if len(r.Routes) != len(want) {
		t.Fatalf("routes %+v", r.Routes)
	}
	for i, w := range want {
		if r.Routes[i] != w {
			t.Errorf("route %d = %+v, want %+v", i, r.Routes[i], w)
		}
	}
}

// A bare vtysh in an FRR router gets the router's socket directory; other
// commands, nodes and labs are left alone.
func TestExecArgv(t *testing.T) {
	l := &topo.Lab{Daemons: topo.DaemonsFRR, Nodes: []*topo.Node{{Name: "r1", Kind: topo.KindRouter}, {Name: "h1", Kind: topo.KindHost}}}
	st := &nodes.State{Lab: "x", Dir: "/run/netemu/x", Model: l, Nodes: []string{"r1", "h1"}}
	dir := FRRSocketDir(st, "r1")
	for _, tc := range []struct {
		node string
		in   []string
		want string
	}{
		{"r1", []string{"vtysh"}, "vtysh --vty_socket " + dir},
		{"r1", []string{"/usr/bin/vtysh", "-c", "show ip route"}, "/usr/bin/vtysh --vty_socket " + dir + " -c show ip route"},
		{"r1", []string{"vtysh", "--vty_socket", "/elsewhere"}, "vtysh --vty_socket /elsewhere"},
		{"r1", []string{"ip", "route"}, "ip route"},
		{"h1", []string{"vtysh"}, "vtysh"},
	} {
		if got := strings.Join(ExecArgv(st, tc.node, tc.in), " "); got != tc.want {
			t.Errorf("%s %v = %q, want %q", tc.node, tc.in, got, tc.want)
		}
	}
	l.Daemons = topo.DaemonsNetemu
	if got := ExecArgv(st, "r1", []string{"vtysh"}); len(got) != 1 {
		t.Errorf("netemu lab: %v", got)
	}
}
