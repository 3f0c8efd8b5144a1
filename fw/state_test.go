package fw_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/fw/fwtest"
	"github.com/netemu/netemu/topo"
)

func a(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestPoolBounds(t *testing.T) {
	for _, tc := range []struct{ pool, first, last string }{
		{"203.0.113.128/25", "203.0.113.129", "203.0.113.254"},
		{"203.0.113.128/29", "203.0.113.129", "203.0.113.134"},
		{"203.0.113.128/30", "203.0.113.129", "203.0.113.130"},
		{"203.0.113.128/31", "203.0.113.128", "203.0.113.129"},
		{"203.0.113.7/32", "203.0.113.7", "203.0.113.7"},
		{"10.0.0.0/8", "10.0.0.1", "10.255.255.254"},
	} {
		f, l := fw.PoolBounds(netip.MustParsePrefix(tc.pool))
		if f != a(tc.first) || l != a(tc.last) {
			t.Errorf("PoolBounds(%s) = %s, %s; want %s, %s", tc.pool, f, l, tc.first, tc.last)
		}
	}
}

func initState(t *testing.T, lab *topo.Lab) *fw.State {
	t.Helper()
	st := fw.NewState()
	if err := st.Init(lab, lab.VPCs[0]); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestInitAssignsFromBottomSkippingElasticIPs(t *testing.T) {
	lab := fwtest.Lab("t")
	// The Elastic IP sits at the bottom: auto addresses must skip it.
	lab.ElasticIPs[0].Address = a("203.0.113.129")
	st := initState(t, lab)
	for name, want := range map[string]string{"web": "203.0.113.130", "db": "203.0.113.129"} {
		if got := st.PublicIP(name); got != a(want) {
			t.Errorf("%s: public IP %s, want %s", name, got, want)
		}
	}
	if got := st.PublicIP("app"); got.IsValid() {
		t.Errorf("app (public_ip none): public IP %s, want none", got)
	}
	// Deterministic: the same lab gives the same first assignment.
	if again := initState(t, lab); again.PublicIP("web") != st.PublicIP("web") {
		t.Errorf("second Init gave web %s, first %s", again.PublicIP("web"), st.PublicIP("web"))
	}
}

func TestStopStartChangesAutoKeepsElastic(t *testing.T) {
	lab := fwtest.Lab("t")
	st := initState(t, lab)
	seen := map[netip.Addr]bool{}
	prev := st.PublicIP("web")
	if prev != a("203.0.113.129") {
		t.Fatalf("web starts with %s, want the bottom of the pool", prev)
	}
	seen[prev] = true
	// Pool /29 has 6 usable addresses, one is db's EIP: 5 for auto. Five
	// restarts visit every one of them, never the same twice in a row.
	for i := 0; i < 8; i++ {
		if err := st.Stop(lab, "web"); err != nil {
			t.Fatal(err)
		}
		if got := st.PublicIP("web"); got.IsValid() {
			t.Fatalf("stopped web still holds %s", got)
		}
		if err := st.Stop(lab, "db"); err != nil {
			t.Fatal(err)
		}
		got, err := st.Start(lab, "web")
		if err != nil {
			t.Fatal(err)
		}
		if got == prev {
			t.Fatalf("restart %d: web got %s again", i, got)
		}
		if got == a("203.0.113.134") {
			t.Fatalf("restart %d: web got db's Elastic IP", i)
		}
		seen[got] = true
		prev = got
		eip, err := st.Start(lab, "db")
		if err != nil {
			t.Fatal(err)
		}
		if eip != a("203.0.113.134") {
			t.Fatalf("db's Elastic IP changed to %s", eip)
		}
	}
	if len(seen) != 5 {
		t.Errorf("web cycled through %d addresses, want all 5 auto addresses: %v", len(seen), seen)
	}
}

func TestStartReusesOnlyFreeAddress(t *testing.T) {
	lab := fwtest.Lab("t")
	lab.VPCs[0].PublicIPPool = netip.MustParsePrefix("203.0.113.132/30") // .133, .134
	st := initState(t, lab)                                              // web .133, db EIP .134
	if got := st.PublicIP("web"); got != a("203.0.113.133") {
		t.Fatalf("web got %s", got)
	}
	if err := st.Stop(lab, "web"); err != nil {
		t.Fatal(err)
	}
	// The pool allows nothing else: the same address comes back.
	got, err := st.Start(lab, "web")
	if err != nil || got != a("203.0.113.133") {
		t.Fatalf("Start = %s, %v; want 203.0.113.133", got, err)
	}
}

func TestPoolExhausted(t *testing.T) {
	lab := fwtest.Lab("t")
	lab.VPCs[0].PublicIPPool = netip.MustParsePrefix("203.0.113.134/32") // only the EIP
	st := fw.NewState()
	err := st.Init(lab, lab.VPCs[0])
	if !errors.Is(err, fw.ErrPoolExhausted) {
		t.Fatalf("Init = %v, want ErrPoolExhausted", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	lab := fwtest.Lab("t")
	st := initState(t, lab)
	st.Backend = "nft"
	if err := st.Stop(lab, "web"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := st.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := fw.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Backend != "nft" || back.Running("web") || !back.Running("db") || back.PublicIP("db") != a("203.0.113.134") {
		t.Errorf("round trip lost data: %+v", back)
	}
	// The cursor survives: the next start differs from the released one.
	got, err := back.Start(lab, "web")
	if err != nil || got == a("203.0.113.129") {
		t.Errorf("Start after reload = %s, %v", got, err)
	}
	empty, err := fw.LoadState(t.TempDir())
	if err != nil || len(empty.Instances) != 0 {
		t.Errorf("LoadState of a dir without aws.json = %+v, %v", empty, err)
	}
}
