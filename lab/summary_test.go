package lab

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// fabric is ases ASes of routers routers each in a chain, the first
// router of each AS linked to the next AS's, plus hosts hosts on the
// first AS's last router; rr names the first AS's route_reflectors.
func fabric(t *testing.T, ases, routers, hosts int, rr string) *topo.Lab {
	t.Helper()
	var b strings.Builder
	b.WriteString("lab \"big\" {}\n")
	for a := range ases {
		extra := ""
		if a == 0 && rr != "" {
			extra = "  route_reflectors = [" + rr + "]\n"
		}
		fmt.Fprintf(&b, "autonomous_system \"as%d\" {\n  asn = %d\n%s}\n", a, 65001+a, extra)
		for r := range routers {
			fmt.Fprintf(&b, "router \"a%dr%d\" { as = \"as%d\" }\n", a, r, a)
			if r > 0 {
				fmt.Fprintf(&b, "link \"a%dr%d\" \"a%dr%d\" {}\n", a, r-1, a, r)
			}
		}
		if a > 0 {
			fmt.Fprintf(&b, "link \"a%dr0\" \"a%dr0\" {}\n", a-1, a)
		}
	}
	for h := range hosts {
		fmt.Fprintf(&b, "host \"h%d\" {}\nlink \"h%d\" \"a0r%d\" {}\n", h, h, routers-1)
	}
	l, err := topo.Parse([]byte(b.String()), "big.hcl")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b.String())
	}
	return l
}

func share(l *topo.Lab) *nodes.State {
	st := &nodes.State{Lab: l.Name, Model: l}
	for _, n := range l.Nodes {
		st.Nodes = append(st.Nodes, n.Name)
	}
	return st
}

func TestReflectors(t *testing.T) {
	cases := []struct {
		name    string
		routers int
		rr      string
		want    []string
	}{
		{"full mesh everywhere", topo.FullMeshMax, "", nil},
		{"picked above the full mesh max", topo.FullMeshMax + 2, "",
			[]string{"AS as0: route reflectors a0r1, a0r10 (picked: 12 routers > full mesh max 10)",
				"AS as1: route reflectors a1r1, a1r10 (picked: 12 routers > full mesh max 10)"}},
		{"named in the file", 4, `"a0r2"`, []string{"AS as0: route reflectors a0r2 (route_reflectors, 4 routers)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			rs := Reflectors(fabric(t, 2, c.routers, 0, c.rr))
			WriteReflectors(&b, rs)
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if b.Len() == 0 {
				got = nil
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestUpSummary(t *testing.T) {
	cases := []struct {
		name       string
		ases, rtrs int
		hosts      int
		took       time.Duration
		want       string
	}{
		{"routers only", 3, 20, 0, 12*time.Second + 340*time.Millisecond,
			"lab big: 60 nodes (60 routers), 59 links, 3 ASes; up in 12.3s\n" +
				"AS as0: route reflectors a0r1, a0r10 (picked: 20 routers > full mesh max 10)\n" +
				"AS as1: route reflectors a1r1, a1r10 (picked: 20 routers > full mesh max 10)\n" +
				"AS as2: route reflectors a2r1, a2r10 (picked: 20 routers > full mesh max 10)\n" +
				"the full table: netemu status big\n"},
		{"hosts, one router, no reflectors", 1, 1, 60, 0,
			"lab big: 61 nodes (1 router, 60 hosts), 60 links, 1 AS\nthe full table: netemu status big\n"},
		{"many ASes: ten reflector lines, then a count", 12, 11, 0, time.Minute,
			"lab big: 132 nodes (132 routers), 131 links, 12 ASes; up in 1m0s\n" +
				strings.Repeat("AS\n", 10) + "… and 2 more ASes with route reflectors\nthe full table: netemu status big\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			WriteUpSummary(&b, Summarise(share(fabric(t, c.ases, c.rtrs, c.hosts, "")), c.took))
			got := b.String()
			if strings.HasPrefix(c.want, "lab big: 132") {
				// Reflector lines abbreviated to "AS" in want.
				lines := strings.Split(got, "\n")
				for i := 1; i <= 10 && i < len(lines); i++ {
					if strings.HasPrefix(lines[i], "AS as") {
						lines[i] = "AS"
					}
				}
				got = strings.Join(lines, "\n")
			}
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestSummariseCountsOnlyTheShare(t *testing.T) {
	l := fabric(t, 2, 3, 2, "")
	st := share(l)
	st.Nodes = []string{"a0r0", "a0r1", "a0r2", "h0", "h1"} // as0's routers and the hosts
	s := Summarise(st, 0)
	if s.Nodes != 5 || s.ByKind[topo.KindRouter] != 3 || s.ByKind[topo.KindHost] != 2 || s.ASes != 1 {
		t.Errorf("summary %+v: want 5 nodes, 3 routers, 2 hosts, 1 AS", s)
	}
	// as0's chain (2), the hosts' links (2) and the link to as1 (1).
	if s.Links != 5 {
		t.Errorf("links %d, want 5", s.Links)
	}
}
