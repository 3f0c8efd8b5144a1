package lab

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/netemu/netemu/routing/ospf"
)

// TestParseFRROSPF reads what FRR 8.4's ospfd answered on an ABR with a
// switch (area 0, DR) and a point-to-point link into stub area 1.
func TestParseFRROSPF(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	s, err := ParseFRROSPF(read("frr-ospf-interface.json"), read("frr-ospf-neighbor.json"), read("frr-ospf-route.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.RouterID != "100.127.0.2" {
		t.Errorf("router ID %q", s.RouterID)
	}
	ifs := map[string]ospf.InterfaceStatus{}
	for _, i := range s.Interfaces {
		ifs[i.Name] = i
	}
	if e := ifs["eth0"]; e.Type != ospf.Broadcast || e.State != "DR" || e.DR != "10.1.0.2" || e.BDR != "10.1.0.1" || e.Area != "0.0.0.0" || e.Addr.String() != "10.1.0.2/24" {
		t.Errorf("eth0 = %+v", e)
	}
	if e := ifs["eth1"]; e.Type != ospf.PointToPoint || e.Area != "0.0.0.1" {
		t.Errorf("eth1 = %+v", e)
	}
	if len(s.Neighbours) != 2 || s.Neighbours[0].State != "Full" || s.Neighbours[0].Iface != "eth0" || s.Neighbours[0].Role != "Backup" {
		t.Errorf("neighbours = %+v", s.Neighbours)
	}
	if s.Neighbours[1].Iface != "eth1" || s.Neighbours[1].Role != "" {
		t.Errorf("a point-to-point neighbour has no role: %+v", s.Neighbours[1])
	}
	var text bytes.Buffer
	s.WriteText(&text)
	for _, want := range []string{"100.64.0.4/30", "via 100.64.0.2 eth1", "Full/Backup"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if _, err := ParseFRROSPF([]byte("garbage"), nil, nil); err == nil {
		t.Error("garbage parsed")
	}
}
