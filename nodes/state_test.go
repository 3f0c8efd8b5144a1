package nodes

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/topo"
)

func TestStateRoundTrip(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", t.TempDir())
	lab := &topo.Lab{
		Name: "rt",
		Nodes: []*topo.Node{{
			Name: "r1", Kind: topo.KindRouter, Hostname: "r1", Forwarding: true,
			Loopback:   netip.MustParsePrefix("100.127.0.1/32"),
			Interfaces: []*topo.Interface{{Name: "eth0", Addr: netip.MustParsePrefix("10.0.0.1/30"), Peer: "h1", PeerIface: "eth0"}},
			Routes:     []topo.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.0.2")}},
		}},
	}
	st := &State{
		Lab: "rt", Machine: "m1", Dir: labpath.StateDir("rt", "m1"), Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Model: lab, Nodes: []string{"r1"}, Phase: PhaseBuilding, Supervisor: "/bin/netemu",
		Processes: []ProcessState{{Node: "r1", Spec: ProcessSpec{Name: "agent", Command: []string{"netemu", "agent"}, Restart: true, Env: map[string]string{"A": "b"}}, PID: 42, Started: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), LogFile: "/x/agent.log"}},
	}
	if err := SaveState(st); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState("rt", "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != st.Dir || got.Phase != st.Phase || got.Supervisor != st.Supervisor || !got.Created.Equal(st.Created) ||
		!reflect.DeepEqual(got.Nodes, st.Nodes) || !reflect.DeepEqual(got.Processes, st.Processes) ||
		!reflect.DeepEqual(got.Model.Nodes[0], st.Model.Nodes[0]) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, st)
	}
	if err := MarkUp(got); err != nil {
		t.Fatal(err)
	}
	if again, _ := LoadState("rt", "m1"); again.Phase != PhaseUp {
		t.Errorf("phase after MarkUp = %q", again.Phase)
	}

	if _, err := LoadState("nope", ""); !errors.Is(err, ErrNotUp) {
		t.Errorf("missing lab: %v, want ErrNotUp", err)
	}
	if err := SaveState(&State{Lab: "a", Dir: labpath.StateDir("a", "")}); err != nil {
		t.Fatal(err)
	}
	all, err := ListStates()
	if err != nil || len(all) != 2 || all[0].Lab != "a" || all[1].Lab != "rt" {
		t.Errorf("ListStates = %v, %v", all, err)
	}
}

func TestNaming(t *testing.T) {
	t.Setenv("NETEMU_RUN_DIR", "/run/x")
	for _, tc := range []struct{ lab, machine, share, dir string }{
		{"seed", "", "seed", "/run/x/seed"},
		{"seed", "m1", "seed@m1", "/run/x/seed@m1"},
	} {
		if got := labpath.ShareName(tc.lab, tc.machine); got != tc.share {
			t.Errorf("labpath.ShareName(%q,%q) = %q", tc.lab, tc.machine, got)
		}
		if l, m := labpath.SplitShareName(tc.share); l != tc.lab || m != tc.machine {
			t.Errorf("labpath.SplitShareName(%q) = %q,%q", tc.share, l, m)
		}
		if got := labpath.StateDir(tc.lab, tc.machine); got != tc.dir {
			t.Errorf("labpath.StateDir = %q, want %q", got, tc.dir)
		}
	}
	if got := labpath.NetnsName("seed", "web"); got != "ne.seed.web" {
		t.Errorf("labpath.NetnsName = %q", got)
	}
	if got := labpath.NetnsPath("seed", "web"); got != "/run/netns/ne.seed.web" {
		t.Errorf("labpath.NetnsPath = %q", got)
	}
	if got := labpath.UTSPath("/run/x/seed", "web"); got != "/run/x/seed/ns/web.uts" {
		t.Errorf("labpath.UTSPath = %q", got)
	}
	if got := labpath.LockPath("seed", "m1"); got != "/run/x/seed@m1.lock" {
		t.Errorf("labpath.LockPath = %q", got)
	}
}

func TestPlanShare(t *testing.T) {
	mk := func(machines ...string) *topo.Lab {
		l := &topo.Lab{Name: "p"}
		for _, m := range machines {
			l.Machines = append(l.Machines, &topo.Machine{Name: m})
		}
		return l
	}
	single := mk()
	single.Nodes = []*topo.Node{{Name: "a"}, {Name: "b"}}
	single.Links = []*topo.Link{{A: topo.Endpoint{Node: "a"}, B: topo.Endpoint{Node: "b"}}}

	multi := mk("m1", "m2")
	multi.Nodes = []*topo.Node{{Name: "a", Machine: "m1"}, {Name: "b", Machine: "m1"}, {Name: "c", Machine: "m2"}}
	multi.Links = []*topo.Link{
		{A: topo.Endpoint{Node: "a"}, B: topo.Endpoint{Node: "b"}},
		{A: topo.Endpoint{Node: "b"}, B: topo.Endpoint{Node: "c"}},
	}
	for _, tc := range []struct {
		name      string
		lab       *topo.Lab
		machine   string
		nodes     []string
		local     []int
		cross     []int
		wantError bool
	}{
		{"single", single, "", []string{"a", "b"}, []int{0}, nil, false},
		{"single with machine", single, "m1", nil, nil, nil, true},
		{"multi m1", multi, "m1", []string{"a", "b"}, []int{0}, []int{1}, false},
		{"multi m2", multi, "m2", []string{"c"}, nil, []int{1}, false},
		{"multi without machine", multi, "", nil, nil, nil, true},
		{"multi unknown machine", multi, "m3", nil, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := planShare(tc.lab, tc.machine)
			if tc.wantError {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, n := range s.nodes {
				names = append(names, n.Name)
			}
			if !reflect.DeepEqual(names, tc.nodes) || !reflect.DeepEqual(s.local, tc.local) || !reflect.DeepEqual(s.cross, tc.cross) {
				t.Errorf("got nodes %v local %v cross %v", names, s.local, s.cross)
			}
		})
	}
}

func TestNextBackoff(t *testing.T) {
	s := time.Second
	for _, tc := range []struct{ prev, uptime, want time.Duration }{
		{0, 0, s},           // first failure
		{s, 0, 2 * s},       // crashed at once: double
		{2 * s, s, 4 * s},   // still short-lived
		{16 * s, 0, 30 * s}, // capped
		{30 * s, 0, 30 * s}, // stays capped
		{30 * s, 30 * s, s}, // a stable run resets it
		{8 * s, 29 * s, 16 * s},
	} {
		if got := nextBackoff(tc.prev, tc.uptime); got != tc.want {
			t.Errorf("nextBackoff(%s, %s) = %s, want %s", tc.prev, tc.uptime, got, tc.want)
		}
	}
}
