package lab

import (
	"strings"
	"testing"

	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/topo"
)

// TestLinkMessages: what `link down|up` says on one machine about a
// tunnel whose far end is another machine's.
func TestLinkMessages(t *testing.T) {
	l := &topo.Link{A: topo.Endpoint{Node: "transit-a", Iface: "eth2"}, B: topo.Endpoint{Node: "aws-edge", Iface: "eth0"}}
	cross := fault.Split{Link: l, Local: []topo.Endpoint{l.A}, Remote: []fault.RemoteEnd{{Endpoint: l.B, Machine: "m3"}}}
	same := fault.Split{Link: l, Local: []topo.Endpoint{l.A, l.B}}
	for _, tc := range []struct {
		verb   string
		silent bool
		sp     fault.Split
		done   string
		hint   string
	}{
		{"down", false, same, "link transit-a aws-edge down (carrier lost on both ends)", ""},
		{"down", true, same, "link transit-a aws-edge down (silent: every packet dropped, carrier kept)", ""},
		{"down", false, cross, "link transit-a aws-edge down on m2 (carrier lost on this machine's end)",
			"transit-a–aws-edge is a tunnel to m3: cut here on m2; aws-edge's end on m3 keeps its carrier (its routers notice by hold timer) — run the same command on m3, or use --all-machines"},
		{"down", true, cross, "link transit-a aws-edge down on m2 (silent: every packet dropped here in both directions, carrier kept)",
			"silenced here on m2 in both directions"},
		{"up", false, cross, "link transit-a aws-edge up on m2", "repaired here on m2 only"},
	} {
		done := linkDone(tc.verb, "transit-a", "aws-edge", tc.silent, tc.sp, "m2")
		if strings.ReplaceAll(done, "–", " ") != tc.done {
			t.Errorf("%s silent=%v: done = %q, want %q", tc.verb, tc.silent, done, tc.done)
		}
		if tc.hint != "" && !strings.Contains(farEndHint(tc.verb, tc.silent, tc.sp, "m2"), tc.hint) {
			t.Errorf("%s silent=%v: hint = %q, want %q", tc.verb, tc.silent, farEndHint(tc.verb, tc.silent, tc.sp, "m2"), tc.hint)
		}
	}
	sw := &topo.Link{Kind: topo.LinkSwitch, A: topo.Endpoint{Node: "r1", Iface: "eth0"}, B: topo.Endpoint{Node: "lan1", Iface: "eth0"}}
	if got := linkDone("down", "r1", "lan1", false, fault.Split{Link: sw, Local: []topo.Endpoint{sw.A, sw.B}}, ""); got != "link r1–lan1 down (r1 unplugged from switch lan1: carrier lost)" {
		t.Errorf("switch: %q", got)
	}
	if got := machineList([]string{"m1", "m2", "m3"}); got != "m1, m2 and m3" {
		t.Errorf("machineList = %q", got)
	}
}
