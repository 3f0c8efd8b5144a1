package converge

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/netemu/netemu/topo"
)

// chainLab is a — r1 — r2 — b plus a spare link r1 — r3 — r2.
func chainLab() *topo.Lab {
	pfx := netip.MustParsePrefix
	l := &topo.Lab{Name: "t"}
	add := func(name string, kind topo.NodeKind) *topo.Node {
		n := &topo.Node{Name: name, Kind: kind}
		l.Nodes = append(l.Nodes, n)
		return n
	}
	a, r1, r2, r3, b := add("a", topo.KindHost), add("r1", topo.KindRouter), add("r2", topo.KindRouter), add("r3", topo.KindRouter), add("b", topo.KindHost)
	r2.Loopback = pfx("100.127.0.2/32")
	link := func(x *topo.Node, xa string, y *topo.Node, ya string) {
		xi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(x.Interfaces)), Addr: pfx(xa), Peer: y.Name}
		yi := &topo.Interface{Name: fmt.Sprintf("eth%d", len(y.Interfaces)), Addr: pfx(ya), Peer: x.Name}
		xi.PeerIface, yi.PeerIface = yi.Name, xi.Name
		x.Interfaces = append(x.Interfaces, xi)
		y.Interfaces = append(y.Interfaces, yi)
	}
	link(a, "10.0.0.2/30", r1, "10.0.0.1/30")  // a eth0, r1 eth0
	link(r1, "10.0.1.1/30", r2, "10.0.1.2/30") // r1 eth1, r2 eth0
	link(r2, "10.0.2.1/30", b, "10.0.2.2/30")  // r2 eth1, b eth0
	link(r1, "10.0.3.1/30", r3, "10.0.3.2/30") // r1 eth2, r3 eth0
	link(r3, "10.0.4.1/30", r2, "10.0.4.2/30") // r3 eth1, r2 eth2
	return l
}

// fakeTables maps node → answer (the same for every destination).
type fakeTables map[string]Lookup

func (f fakeTables) RouteGet(node string, dst netip.Addr, iif string, src netip.Addr) (Lookup, error) {
	lk, ok := f[node]
	if !ok {
		return Lookup{}, fmt.Errorf("no table for %s", node)
	}
	if iif == "" {
		lk.Src = netip.MustParseAddr("10.0.0.2")
	}
	return lk, nil
}

func gw(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestTrace(t *testing.T) {
	dst := netip.MustParseAddr("10.0.2.2")
	tests := []struct {
		name   string
		tables fakeTables
		result string
		nodes  []string
	}{
		{"direct", fakeTables{
			"a":  {OutIface: "eth0", Gateway: gw("10.0.0.1")},
			"r1": {OutIface: "eth1", Gateway: gw("10.0.1.2")},
			"r2": {OutIface: "eth1"},
			"b":  {Local: true},
		}, Reached, []string{"a", "r1", "r2", "b"}},
		{"detour", fakeTables{
			"a":  {OutIface: "eth0", Gateway: gw("10.0.0.1")},
			"r1": {OutIface: "eth2", Gateway: gw("10.0.3.2")},
			"r3": {OutIface: "eth1", Gateway: gw("10.0.4.2")},
			"r2": {OutIface: "eth1"},
			"b":  {Local: true},
		}, Reached, []string{"a", "r1", "r3", "r2", "b"}},
		{"blackhole", fakeTables{
			"a":  {OutIface: "eth0", Gateway: gw("10.0.0.1")},
			"r1": {Drop: "no route"},
		}, Blackhole, []string{"a", "r1"}},
		{"loop", fakeTables{
			"a":  {OutIface: "eth0", Gateway: gw("10.0.0.1")},
			"r1": {OutIface: "eth2", Gateway: gw("10.0.3.2")},
			"r3": {OutIface: "eth1", Gateway: gw("10.0.4.2")},
			"r2": {OutIface: "eth0", Gateway: gw("10.0.1.1")},
		}, Loop, []string{"a", "r1", "r3", "r2", "r1", "r3"}},
		{"left", fakeTables{
			"a": {OutIface: "eth7", Gateway: gw("10.9.9.9")},
		}, LeftLab, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Trace(chainLab(), tt.tables, "a", dst, TraceOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range p.Hops {
				got = append(got, h.Node)
			}
			if p.Result != tt.result || fmt.Sprint(got) != fmt.Sprint(tt.nodes) {
				t.Fatalf("got %s %v, want %s %v\n%s", p.Result, got, tt.result, tt.nodes, p.Format())
			}
			if p.Src != gw("10.0.0.2") {
				t.Errorf("src = %s", p.Src)
			}
		})
	}
}

func TestTraceLoopNeedsSameInterface(t *testing.T) {
	// r1 is entered twice but through different interfaces before the loop
	// closes: a → r1(eth0) → r3 → r2 → r1(eth1) → r3(eth0) again.
	tables := fakeTables{
		"a":  {OutIface: "eth0"},
		"r1": {OutIface: "eth2"},
		"r3": {OutIface: "eth1"},
		"r2": {OutIface: "eth0"},
	}
	p, err := Trace(chainLab(), tables, "a", gw("10.0.2.2"), TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result != Loop || p.Hops[len(p.Hops)-1].Node != "r3" || p.Hops[len(p.Hops)-1].InIface != "eth0" {
		t.Fatalf("unexpected:\n%s", p.Format())
	}
}

func TestTraceTranslate(t *testing.T) {
	pub, priv := gw("203.0.113.129"), gw("10.0.2.2")
	tables := fakeTables{
		"a":  {OutIface: "eth0"},
		"r1": {OutIface: "eth1"},
		"r2": {OutIface: "eth1"},
		"b":  {Local: true},
	}
	nat := func(node string, d netip.Addr) netip.Addr {
		if node == "r2" && d == pub {
			return priv
		}
		return d
	}
	p, err := Trace(chainLab(), tables, "a", pub, TraceOptions{Translate: nat})
	if err != nil {
		t.Fatal(err)
	}
	if p.Result != Reached || p.Hops[2].Dst != priv || p.Hops[1].Dst != pub {
		t.Fatalf("unexpected:\n%s", p.Format())
	}
}

func TestOwnerAndAddress(t *testing.T) {
	l := chainLab()
	if o := Owner(l, gw("10.0.4.2")); o != "r2" {
		t.Errorf("owner = %q", o)
	}
	if o := Owner(l, gw("100.127.0.2")); o != "r2" {
		t.Errorf("loopback owner = %q", o)
	}
	if o := Owner(l, gw("192.0.2.1")); o != "" {
		t.Errorf("owner of stranger = %q", o)
	}
	for to, want := range map[string]string{"r2": "100.127.0.2", "b": "10.0.2.2", "r1": "10.0.0.1"} {
		a, err := Address(l, "a", to, nil)
		if err != nil || a.String() != want {
			t.Errorf("Address(%s) = %s, %v; want %s", to, a, err, want)
		}
	}
	if _, err := Address(l, "a", "nope", nil); err == nil {
		t.Error("Address of unknown node succeeded")
	}
}
