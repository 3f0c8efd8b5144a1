package converge

import (
	"net/netip"
	"sort"
	"testing"
)

func TestFRROSPFNeighbours(t *testing.T) {
	for name, out := range map[string]string{
		"frr8": `{"neighbors":{"100.127.0.1":[{"priority":1,"state":"Full\/Backup","address":"10.1.0.1","ifaceName":"eth0:10.1.0.2"}],
			"100.127.0.3":[{"state":"Full\/-","address":"100.64.0.2","ifaceName":"eth1:100.64.0.1"}],
			"100.127.0.4":[{"state":"Init\/DROther","address":"10.1.0.4","ifaceName":"eth0:10.1.0.2"}]}}`,
		"flat": `{"100.127.0.1":[{"state":"Full\/Backup","address":"10.1.0.1","ifaceName":"eth0:10.1.0.2"}],
			"100.127.0.3":[{"state":"Full\/-","address":"100.64.0.2","ifaceName":"eth1:100.64.0.1"}],
			"100.127.0.4":[{"state":"Init\/DROther","address":"10.1.0.4","ifaceName":"eth0:10.1.0.2"}]}`,
	} {
		got := FRROSPFNeighbours([]byte(out))
		sort.Slice(got, func(i, j int) bool { return got[i].RouterID < got[j].RouterID })
		want := []OSPFNeighbour{
			{Addr: netip.MustParseAddr("10.1.0.1"), Iface: "eth0", RouterID: "100.127.0.1", State: "Full"},
			{Addr: netip.MustParseAddr("100.64.0.2"), Iface: "eth1", RouterID: "100.127.0.3", State: "Full"},
			{Addr: netip.MustParseAddr("10.1.0.4"), Iface: "eth0", RouterID: "100.127.0.4", State: "Init"},
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %+v", name, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: %d = %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
	if got := FRROSPFNeighbours([]byte("% OSPF instance not found")); got != nil {
		t.Errorf("garbage: %+v", got)
	}
}
