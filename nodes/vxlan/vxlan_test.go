package vxlan

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/netemu/netemu/topo"
)

// splitLab is a chain n0–n1–…, node i on machine m(i%k).
func splitLab(name string, n, k int) *topo.Lab {
	l := &topo.Lab{Name: name}
	for i := 0; i < k; i++ {
		l.Machines = append(l.Machines, &topo.Machine{Name: fmt.Sprintf("m%d", i+1), Address: netip.AddrFrom4([4]byte{192, 0, 2, byte(11 + i)})})
	}
	for i := 0; i < n; i++ {
		l.Nodes = append(l.Nodes, &topo.Node{Name: fmt.Sprintf("n%d", i), Machine: fmt.Sprintf("m%d", i%k+1)})
	}
	for i := 0; i+1 < n; i++ {
		l.Links = append(l.Links, &topo.Link{
			A: topo.Endpoint{Node: fmt.Sprintf("n%d", i), Iface: "eth1"},
			B: topo.Endpoint{Node: fmt.Sprintf("n%d", i+1), Iface: "eth0"},
		})
	}
	return l
}

func TestVNIsDeterministicAndUnique(t *testing.T) {
	a, b := VNIs(splitLab("lab1", 300, 3)), VNIs(splitLab("lab1", 300, 3))
	if len(a) != 299 {
		t.Fatalf("cut links = %d, want 299", len(a))
	}
	seen := map[uint32]int{}
	for i, v := range a {
		if b[i] != v {
			t.Errorf("link %d: VNI %d then %d", i, v, b[i])
		}
		if v < 1 || v > MaxVNI {
			t.Errorf("link %d: VNI %d out of range", i, v)
		}
		if j, dup := seen[v]; dup {
			t.Errorf("links %d and %d share VNI %d", i, j, v)
		}
		seen[v] = i
	}
	if c := VNIs(splitLab("lab2", 300, 3)); c[0] == a[0] {
		t.Errorf("labs lab1 and lab2 got the same VNI %d for link 0", c[0])
	}
	if got := VNIs(splitLab("lab1", 10, 1)); len(got) != 0 {
		t.Errorf("one machine: %d tunnels, want 0", len(got))
	}
}

// TestVNICollision finds two link names whose hashes collide (a birthday
// search over the 24-bit space) and checks the later link moves.
func TestVNICollision(t *testing.T) {
	seen := map[uint32]string{}
	var first, second string
	for i := 0; first == ""; i++ {
		name := fmt.Sprintf("x%d", i)
		v := BaseVNI("c", &topo.Link{A: topo.Endpoint{Node: name, Iface: "eth0"}, B: topo.Endpoint{Node: "hub", Iface: "eth0"}})
		if prev, ok := seen[v]; ok {
			first, second = prev, name
		}
		seen[v] = name
	}
	l := &topo.Lab{Name: "c", Machines: []*topo.Machine{{Name: "m1"}, {Name: "m2"}}}
	l.Nodes = []*topo.Node{{Name: "hub", Machine: "m1"}, {Name: first, Machine: "m2"}, {Name: second, Machine: "m2"}}
	for _, n := range []string{first, second} {
		l.Links = append(l.Links, &topo.Link{A: topo.Endpoint{Node: n, Iface: "eth0"}, B: topo.Endpoint{Node: "hub", Iface: "eth0"}})
	}
	v := VNIs(l)
	base := BaseVNI("c", l.Links[0])
	if v[0] != base || v[1] != base%MaxVNI+1 {
		t.Errorf("VNIs = %v, want link 0 = %d and link 1 moved to %d", v, base, base%MaxVNI+1)
	}
	cs := CrossLinks(l, "m1")
	if len(cs) != 2 || cs[1].BaseVNI == cs[1].VNI {
		t.Errorf("CrossLinks = %+v, want the second marked as moved", cs)
	}
}

func TestCrossLinksSides(t *testing.T) {
	l := splitLab("s", 3, 2) // n0@m1 – n1@m2 – n2@m1
	l.VXLANPort = 4790
	for _, tc := range []struct {
		machine    string
		n          int
		local      string
		remoteAddr string
	}{
		{"m1", 2, "n0", "192.0.2.12"},
		{"m2", 2, "n1", "192.0.2.11"},
		{"", 2, "n0", "192.0.2.12"},
		{"m9", 0, "", ""},
	} {
		cs := CrossLinks(l, tc.machine)
		if len(cs) != tc.n {
			t.Fatalf("%s: %d cross links, want %d", tc.machine, len(cs), tc.n)
		}
		if tc.n == 0 {
			continue
		}
		c := cs[0]
		if c.Local.Node != tc.local || c.RemoteAddr.String() != tc.remoteAddr || c.Port != 4790 {
			t.Errorf("%s: first = %+v, want local %s remote %s port 4790", tc.machine, c, tc.local, tc.remoteAddr)
		}
		if c.LocalMachine == c.RemoteMachine {
			t.Errorf("%s: local and remote machine both %s", tc.machine, c.LocalMachine)
		}
	}
	if Port(&topo.Lab{}) != DefaultPort {
		t.Errorf("default port = %d", Port(&topo.Lab{}))
	}
}

func TestTempName(t *testing.T) {
	names := map[string]bool{}
	for _, m := range []string{"m1", "m2"} {
		for i := 0; i < 100; i++ {
			n := TempName("averyveryverylonglabname", m, i)
			if len(n) > 15 {
				t.Fatalf("%q is %d bytes, more than IFNAMSIZ-1", n, len(n))
			}
			if names[n] {
				t.Fatalf("%q twice", n)
			}
			names[n] = true
		}
	}
	if got := TunnelMTU(1500, netip.MustParseAddr("192.0.2.1")); got != 1450 {
		t.Errorf("TunnelMTU(1500, v4) = %d", got)
	}
	if got := TunnelMTU(1500, netip.MustParseAddr("2001:db8::1")); got != 1430 {
		t.Errorf("TunnelMTU(1500, v6) = %d", got)
	}
}
