package topo

import (
	"encoding/json"
	"os"
	"testing"
)

// noLookPath makes process checks independent of the machine.
func fakeLookPath(file string) (string, error) { return "/usr/bin/" + file, nil }

func TestExamplesValidate(t *testing.T) {
	names := Examples()
	if len(names) < 4 {
		t.Fatalf("Examples() = %v, want at least the seed, its static variant, rip-ring and bgp-chain", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			l, err := LoadExampleWith(name, Options{LookPath: fakeLookPath})
			if err != nil {
				t.Fatalf("LoadExample(%q): %v", name, err)
			}
			if l.Source != "embedded:"+name {
				t.Errorf("Source = %q, want %q", l.Source, "embedded:"+name)
			}
			if os.Getenv("TOPO_DUMP") == name {
				b, _ := json.MarshalIndent(l, "", "  ")
				t.Logf("%s", b)
			}
		})
	}
}

// TestSeedStaticMatchesSeed: the static variant has the seed's nodes and
// links, no routing daemons, and only static IGPs.
func TestSeedStaticMatchesSeed(t *testing.T) {
	seed, err := LoadExampleWith(Seed, Options{LookPath: fakeLookPath})
	if err != nil {
		t.Fatal(err)
	}
	st, err := LoadExampleWith(SeedStatic, Options{LookPath: fakeLookPath})
	if err != nil {
		t.Fatal(err)
	}
	if st.Daemons != DaemonsNone || st.ClientHost != "mac" {
		t.Errorf("static: daemons %q client %q", st.Daemons, st.ClientHost)
	}
	for _, as := range st.ASes {
		if as.IGP != IGPStatic {
			t.Errorf("static: AS %s igp %q", as.Name, as.IGP)
		}
	}
	if len(seed.Nodes) != len(st.Nodes) || len(seed.Links) != len(st.Links) {
		t.Fatalf("seed %d nodes %d links, static %d nodes %d links", len(seed.Nodes), len(seed.Links), len(st.Nodes), len(st.Links))
	}
	for i, n := range seed.Nodes {
		m := st.Nodes[i]
		if n.Name != m.Name || n.Kind != m.Kind || n.Hostname != m.Hostname || n.Loopback != m.Loopback {
			t.Errorf("node %d: seed %s/%s/%s/%s, static %s/%s/%s/%s", i, n.Name, n.Kind, n.Hostname, n.Loopback, m.Name, m.Kind, m.Hostname, m.Loopback)
		}
	}
	for i, k := range seed.Links {
		m := st.Links[i]
		if k.A.Node != m.A.Node || k.B.Node != m.B.Node || k.A.Iface != m.A.Iface || k.B.Iface != m.B.Iface {
			t.Errorf("link %d: seed %s:%s–%s:%s, static %s:%s–%s:%s", i, k.A.Node, k.A.Iface, k.B.Node, k.B.Iface, m.A.Node, m.A.Iface, m.B.Node, m.B.Iface)
		}
	}
}
