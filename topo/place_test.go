package topo

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// genLab writes a lab of routers r0..r(n-1) in one AS, linked as edges
// says, with the given machines and pins.
func genLab(n int, edges [][2]int, machines []string, pins map[int]string) string {
	var b strings.Builder
	b.WriteString("lab \"gen\" {\n  link_pool = \"100.64.0.0/14\"\n}\nautonomous_system \"a\" { asn = 65000 }\n")
	for i, m := range machines {
		fmt.Fprintf(&b, "machine %q { address = \"192.0.2.%d\" }\n", m, i+1)
	}
	for i := 0; i < n; i++ {
		if m, ok := pins[i]; ok {
			fmt.Fprintf(&b, "router \"r%d\" {\n  as = \"a\"\n  machine = %q\n}\n", i, m)
		} else {
			fmt.Fprintf(&b, "router \"r%d\" { as = \"a\" }\n", i)
		}
	}
	for _, e := range edges {
		fmt.Fprintf(&b, "link \"r%d\" \"r%d\" {}\n", e[0], e[1])
	}
	return b.String()
}

func chain(n int) [][2]int {
	var e [][2]int
	for i := 0; i+1 < n; i++ {
		e = append(e, [2]int{i, i + 1})
	}
	return e
}

func grid(w, h int) [][2]int {
	var e [][2]int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if x+1 < w {
				e = append(e, [2]int{i, i + 1})
			}
			if y+1 < h {
				e = append(e, [2]int{i, i + w})
			}
		}
	}
	return e
}

func loads(l *Lab) map[string]int {
	out := map[string]int{}
	for _, n := range l.Nodes {
		out[n.Machine]++
	}
	return out
}

func TestPlacePartitions(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		edges     [][2]int
		machines  []string
		pins      map[int]string
		wantLoads map[string]int
		maxCut    int
	}{
		{"chain of 10 on 2", 10, chain(10), []string{"m1", "m2"}, nil, map[string]int{"m1": 5, "m2": 5}, 1},
		{"chain of 12 on 3", 12, chain(12), []string{"m1", "m2", "m3"}, nil, map[string]int{"m1": 4, "m2": 4, "m3": 4}, 2},
		{"grid 6x6 on 2", 36, grid(6, 6), []string{"m1", "m2"}, nil, map[string]int{"m1": 18, "m2": 18}, 6},
		{"grid 4x4 on 4", 16, grid(4, 4), []string{"a", "b", "c", "d"}, nil, map[string]int{"a": 4, "b": 4, "c": 4, "d": 4}, 8},
		{"chain, ends pinned crosswise", 10, chain(10), []string{"m1", "m2"}, map[int]string{0: "m2", 9: "m1"}, map[string]int{"m1": 5, "m2": 5}, 1},
		{"two components", 8, append(chain(4), [][2]int{{4, 5}, {5, 6}, {6, 7}}...), []string{"m1", "m2"}, nil, map[string]int{"m1": 4, "m2": 4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := genLab(tt.n, tt.edges, tt.machines, tt.pins)
			l := mustParse(t, src)
			for _, n := range l.Nodes {
				if n.Machine == "" {
					t.Fatalf("node %s not placed", n.Name)
				}
			}
			for i, m := range tt.pins {
				n := l.Node(fmt.Sprintf("r%d", i))
				if n.Machine != m || n.Placed {
					t.Errorf("pinned %s on %s (placed=%v), want %s", n.Name, n.Machine, n.Placed, m)
				}
			}
			if got := loads(l); !reflect.DeepEqual(got, tt.wantLoads) {
				t.Errorf("loads = %v, want %v", got, tt.wantLoads)
			}
			cut := CutLinks(l)
			t.Logf("cut %d of %d links", cut, len(l.Links))
			if cut > tt.maxCut {
				t.Errorf("cut %d links, want at most %d", cut, tt.maxCut)
			}
			// Deterministic: the same file gives the same placement.
			l2 := mustParse(t, src)
			for i, n := range l.Nodes {
				if l2.Nodes[i].Machine != n.Machine {
					t.Fatalf("placement differs between two parses at %s: %s vs %s", n.Name, n.Machine, l2.Nodes[i].Machine)
				}
			}
		})
	}
}

func TestPlaceVPCFollowsEdge(t *testing.T) {
	src, err := ExampleSource(Seed)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src) + `
machine "m1" { address = "192.0.2.11" }
machine "m2" { address = "192.0.2.12" }
`
	// Pin the laptop to m1 and db to m1: db stays, the VPC's other nodes
	// follow aws-edge.
	s = strings.Replace(s, `host "mac" {}`, "host \"mac\" {\n  machine = \"m1\"\n}", 1)
	s = strings.Replace(s, `  elastic_ip      = "db-eip"`, "  elastic_ip      = \"db-eip\"\n  machine         = \"m1\"", 1)
	l := mustParse(t, s)
	edge := l.Node("aws-edge").Machine
	for _, n := range []string{"prod-igw", "prod-router", "web"} {
		if got := l.Node(n).Machine; got != edge {
			t.Errorf("%s on %s, want aws-edge's machine %s", n, got, edge)
		}
	}
	if l.Node("mac").Machine != "m1" || l.Node("db").Machine != "m1" || l.Node("db").Placed {
		t.Errorf("pinned nodes moved: mac %s db %s", l.Node("mac").Machine, l.Node("db").Machine)
	}
	if edge != "m2" {
		t.Errorf("aws-edge on %s; with mac pinned to m1 the AWS side should land on m2", edge)
	}
	t.Logf("loads %v, cut %d", loads(l), CutLinks(l))
}

func TestPlaceWithoutMachines(t *testing.T) {
	l, err := LoadExampleWith(Seed, Options{LookPath: testLookPath})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range l.Nodes {
		if n.Machine != "" || n.Placed {
			t.Errorf("%s placed on %q in a lab without machines", n.Name, n.Machine)
		}
	}
	if CutLinks(l) != 0 {
		t.Errorf("CutLinks = %d", CutLinks(l))
	}
}

func BenchmarkPlaceGrid1000(b *testing.B) {
	src := genLab(1024, grid(32, 32), []string{"m1", "m2", "m3"}, nil)
	l, err := ParseWith([]byte(src), "bench.hcl", Options{LookPath: testLookPath})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range l.Nodes {
			n.Machine, n.Placed = "", false
		}
		Place(l)
	}
	b.ReportMetric(float64(CutLinks(l)), "cut-links")
}

func BenchmarkParseGrid1000(b *testing.B) {
	src := []byte(genLab(1024, grid(32, 32), nil, nil))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseWith(src, "bench.hcl", Options{LookPath: testLookPath}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzPlace builds graphs from bytes and checks placement invariants:
// every node placed, pins kept, the same answer twice, and without pins
// no machine above its share.
func FuzzPlace(f *testing.F) {
	f.Add([]byte{10, 2, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9})
	f.Add([]byte{16, 4, 0, 1, 0, 4, 1, 2, 1, 5, 2, 3, 2, 6, 3, 7, 4, 5, 4, 8})
	f.Add([]byte{7, 3, 2, 0, 1, 5, 2, 1, 2, 2, 3, 4, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		n := int(data[0])%40 + 1
		nm := int(data[1])%5 + 1
		npins := int(data[2]) % 4
		rest := data[3:]
		build := func() *Lab {
			l := &Lab{Name: "fz"}
			for m := 0; m < nm; m++ {
				l.Machines = append(l.Machines, &Machine{Name: fmt.Sprintf("m%d", m)})
			}
			for i := 0; i < n; i++ {
				l.Nodes = append(l.Nodes, &Node{Name: fmt.Sprintf("r%d", i), Kind: KindRouter})
			}
			r := rest
			for p := 0; p < npins && len(r) >= 2; p++ {
				l.Nodes[int(r[0])%n].Machine = fmt.Sprintf("m%d", int(r[1])%nm)
				r = r[2:]
			}
			for ; len(r) >= 2; r = r[2:] {
				a, b := int(r[0])%n, int(r[1])%n
				if a != b {
					l.Links = append(l.Links, &Link{A: Endpoint{Node: l.Nodes[a].Name}, B: Endpoint{Node: l.Nodes[b].Name}})
				}
			}
			return l
		}
		l1, l2 := build(), build()
		pinned := map[string]string{}
		for _, x := range l1.Nodes {
			if x.Machine != "" {
				pinned[x.Name] = x.Machine
			}
		}
		Place(l1)
		Place(l2)
		load := map[string]int{}
		for i, x := range l1.Nodes {
			if x.Machine == "" {
				t.Fatalf("%s not placed", x.Name)
			}
			if m, ok := pinned[x.Name]; ok && (x.Machine != m || x.Placed) {
				t.Fatalf("%s pinned to %s, placed on %s", x.Name, m, x.Machine)
			}
			if l2.Nodes[i].Machine != x.Machine {
				t.Fatalf("%s: %s then %s", x.Name, x.Machine, l2.Nodes[i].Machine)
			}
			load[x.Machine]++
		}
		if len(pinned) == 0 {
			share := (n + nm - 1) / nm
			for m, c := range load {
				if c > share {
					t.Fatalf("%s holds %d nodes, share %d (loads %v)", m, c, share, load)
				}
			}
		}
	})
}
