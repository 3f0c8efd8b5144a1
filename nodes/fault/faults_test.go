package fault

import (
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

func TestFileApply(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	var f File
	if _, ok := f.LastChange(); ok {
		t.Fatal("empty file has a last change")
	}
	f.apply(Record{Time: at(1), Kind: KindLinkDown, A: "r1", B: "r2"})
	f.apply(Record{Time: at(2), Kind: KindLinkSilent, A: "r2", B: "r1"}) // replaces the cut
	specs := []nodes.ProcessSpec{{Name: "frr-zebra", Command: []string{"zebra"}}, {Name: "frr-bgpd", Command: []string{"bgpd"}}}
	f.applyWith(Record{Time: at(3), Kind: KindNodeStop, Node: "r3"}, specs)
	if len(f.Active) != 2 {
		t.Fatalf("active = %+v", f.Active)
	}
	if lf := f.LinkFault("r1", "r2"); lf == nil || lf.Kind != KindLinkSilent || !lf.Since.Equal(at(2)) {
		t.Errorf("link fault = %+v", lf)
	}
	if !f.NodeStopped("r3") || !reflect.DeepEqual(f.StoppedSpecs("r3"), specs) || f.NodeStopped("r1") {
		t.Errorf("node stop not recorded: %+v", f.Active)
	}
	// A faults file of an older version holds one spec.
	old := File{Active: []Fault{{Kind: KindNodeStop, Node: "r9", Spec: &specs[1]}}}
	if got := old.StoppedSpecs("r9"); len(got) != 1 || got[0].Name != "frr-bgpd" {
		t.Errorf("old file's specs = %+v", got)
	}
	f.apply(Record{Time: at(4), Kind: KindLinkUp, A: "r1", B: "r2"})
	f.apply(Record{Time: at(5), Kind: KindNodeStart, Node: "r3"})
	if len(f.Active) != 0 || len(f.History) != 5 {
		t.Fatalf("after repairs: active %+v, history %d", f.Active, len(f.History))
	}
	if last, ok := f.LastChange(); !ok || last.Kind != KindNodeStart || last.String() != "node-start r3" {
		t.Errorf("last change = %+v", last)
	}
	if s := f.History[0].String(); s != "link-down r1–r2" {
		t.Errorf("record string = %q", s)
	}
	for i := 0; i < maxHistory+10; i++ {
		f.apply(Record{Time: at(10 + i), Kind: KindLinkUp, A: "r1", B: "r2"})
	}
	if len(f.History) != maxHistory {
		t.Errorf("history not bounded: %d", len(f.History))
	}
}

func TestLoadSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f, err := Load(dir)
	if err != nil || len(f.History) != 0 {
		t.Fatalf("missing file: %+v, %v", f, err)
	}
	when := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.apply(Record{Time: when, Kind: KindLinkDown, A: "a", B: "b"})
	if err := save(dir, f); err != nil {
		t.Fatal(err)
	}
	g, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Active) != 1 || !g.Active[0].Since.Equal(when) || g.History[0] != f.History[0] {
		t.Fatalf("round trip: %+v", g)
	}
	if err := os.WriteFile(Path(dir), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil {
		t.Error("corrupt file loaded")
	}
}

// TestFileApplyParallelLinks: two links between r1 and r2 fail and are
// repaired one by one; repairing one leaves the other's fault in force.
func TestFileApplyParallelLinks(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var f File
	f.apply(Record{Time: at, Kind: KindLinkDown, A: "r1", AIface: "eth0", B: "r2", BIface: "eth0"})
	f.apply(Record{Time: at, Kind: KindLinkSilent, A: "r2", AIface: "eth1", B: "r1", BIface: "eth1"})
	if len(f.Active) != 2 {
		t.Fatalf("active = %+v", f.Active)
	}
	f.apply(Record{Time: at, Kind: KindLinkUp, A: "r1", AIface: "eth0", B: "r2", BIface: "eth0"})
	tests := []struct {
		a, b string
		want string // the fault's kind, "" for none
	}{
		{"r1:eth0", "r2:eth0", ""},
		{"r1:eth1", "r2:eth1", KindLinkSilent},
		{"r2:eth1", "r1:eth1", KindLinkSilent},
		{"r1", "r2", KindLinkSilent}, // node names alone: any of the links
		{"r1:eth1", "r3", ""},
	}
	for _, tt := range tests {
		got := ""
		if x := f.LinkFault(tt.a, tt.b); x != nil {
			got = x.Kind
		}
		if got != tt.want {
			t.Errorf("LinkFault(%s, %s) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
	// A record of an older version names nodes only: it repairs any of them.
	f.apply(Record{Time: at, Kind: KindLinkUp, A: "r1", B: "r2"})
	if len(f.Active) != 0 {
		t.Errorf("after a node-named repair: %+v", f.Active)
	}
}

func TestFindLink(t *testing.T) {
	p := netip.MustParsePrefix
	l := &topo.Lab{Name: "t", Nodes: []*topo.Node{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	l.Links = []*topo.Link{
		{A: topo.Endpoint{Node: "a", Iface: "eth0"}, B: topo.Endpoint{Node: "b", Iface: "eth0"}, Subnet: p("10.0.0.0/30")},
		{A: topo.Endpoint{Node: "a", Iface: "eth1"}, B: topo.Endpoint{Node: "b", Iface: "eth1"}, Subnet: p("10.0.0.4/30")},
	}
	tests := []struct {
		a, b   string
		subnet string
		err    bool
	}{
		{"a", "b", "", true}, // two parallel links: ambiguous
		{"b", "a", "", true},
		{"a:eth0", "b", "10.0.0.0/30", false},
		{"a:eth1", "b", "10.0.0.4/30", false},
		{"b", "a:eth0", "10.0.0.0/30", false},
		{"b:eth1", "a:eth1", "10.0.0.4/30", false},
		{"a:eth1", "b:eth0", "", true},
		{"a", "c", "", true},
		{"a", "zz", "", true},
	}
	for _, tt := range tests {
		got, err := FindLink(l, tt.a, tt.b)
		if (err != nil) != tt.err || (err == nil && got.Subnet.String() != tt.subnet) {
			t.Errorf("FindLink(%s, %s) = %v, %v", tt.a, tt.b, got, err)
		}
	}
}

func TestSplitLink(t *testing.T) {
	p := netip.MustParsePrefix
	l := &topo.Lab{Name: "t",
		Nodes:    []*topo.Node{{Name: "a", Machine: "m1"}, {Name: "b", Machine: "m2"}, {Name: "c", Machine: "m2"}, {Name: "d", Machine: "m3"}},
		Machines: []*topo.Machine{{Name: "m1"}, {Name: "m2"}, {Name: "m3"}},
	}
	l.Links = []*topo.Link{
		{A: topo.Endpoint{Node: "a", Iface: "eth0"}, B: topo.Endpoint{Node: "b", Iface: "eth0"}, Subnet: p("10.0.0.0/30")},
		{A: topo.Endpoint{Node: "b", Iface: "eth1"}, B: topo.Endpoint{Node: "c", Iface: "eth0"}, Subnet: p("10.0.0.4/30")},
		{A: topo.Endpoint{Node: "c", Iface: "eth1"}, B: topo.Endpoint{Node: "d", Iface: "eth0"}, Subnet: p("10.0.0.8/30")},
	}
	tests := []struct {
		machine, a, b string
		local, remote string // node names, remote as node@machine
		machines      string
		err           string
	}{
		{"m1", "a", "b", "a", "b@m2", "m1 m2", ""},
		{"m2", "b", "a", "b", "a@m1", "m1 m2", ""},
		{"m2", "b", "c", "b c", "", "m2", ""},
		{"m1", "c", "d", "", "", "", "link c–d has no end on machine m1 (c on m2, d on m3)"},
		{"m1", "a", "d", "", "", "", "no link between a and d"},
	}
	for _, tt := range tests {
		sp, err := SplitLink(l, tt.machine, tt.a, tt.b)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: SplitLink(%s, %s) err = %v, want %q", tt.machine, tt.a, tt.b, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: SplitLink(%s, %s): %v", tt.machine, tt.a, tt.b, err)
		}
		var local, remote []string
		for _, e := range sp.Local {
			local = append(local, e.Node)
		}
		for _, e := range sp.Remote {
			remote = append(remote, e.Node+"@"+e.Machine)
		}
		if strings.Join(local, " ") != tt.local || strings.Join(remote, " ") != tt.remote ||
			strings.Join(sp.Machines(l), " ") != tt.machines || sp.Cross() != (tt.remote != "") {
			t.Errorf("%s: SplitLink(%s, %s) = local %v remote %v machines %v", tt.machine, tt.a, tt.b, local, remote, sp.Machines(l))
		}
	}
	// Without machine blocks every end is local.
	plain := &topo.Lab{Name: "p", Nodes: []*topo.Node{{Name: "a"}, {Name: "b"}}, Links: l.Links[:1]}
	if sp, err := SplitLink(plain, "", "a", "b"); err != nil || len(sp.Local) != 2 || sp.Cross() {
		t.Errorf("plain lab: %+v, %v", sp, err)
	}
}

func TestIngressScripts(t *testing.T) {
	drop := ingressDropScript("eth2")
	want := "add table netdev netemu_fault_eth2\ndelete table netdev netemu_fault_eth2\n" +
		"table netdev netemu_fault_eth2 {\n\tchain ingress {\n\t\ttype filter hook ingress device \"eth2\" priority -500; policy drop;\n\t\tcounter\n\t}\n}\n"
	if drop != want {
		t.Errorf("drop script:\n%s\nwant:\n%s", drop, want)
	}
	if got := ingressClearScript("eth2"); got != "add table netdev netemu_fault_eth2\ndelete table netdev netemu_fault_eth2\n" {
		t.Errorf("clear script:\n%s", got)
	}
	for in, want := range map[string]string{"eth0": "netemu_fault_eth0", "v-x.1": "netemu_fault_v_x_1"} {
		if got := ingressTable(in); got != want {
			t.Errorf("ingressTable(%q) = %q, want %q", in, got, want)
		}
	}
}
