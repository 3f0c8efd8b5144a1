package topo

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rrLab is one AS of n routers in a chain (r0 … r(n-1)), r0 linked to a
// router of a second AS; extra goes inside the first AS's block.
func rrLab(n int, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "lab \"rr\" {}\nautonomous_system \"a\" {\n  asn = 65001\n%s}\nautonomous_system \"b\" {\n  asn = 65002\n}\nrouter \"x\" { as = \"b\" }\n", extra)
	for i := range n {
		fmt.Fprintf(&b, "router \"r%d\" { as = \"a\" }\n", i)
	}
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "link \"r%d\" \"r%d\" {}\n", i-1, i)
	}
	// r3 gets the most links inside the AS: the default picks it first.
	if n > 6 {
		fmt.Fprintf(&b, "link \"r3\" \"r5\" {}\nlink \"r3\" \"r6\" {}\n")
	}
	b.WriteString("link \"r0\" \"x\" {}\n")
	return b.String()
}

func ibgpPeers(l *Lab, node string) (peers []string, clients []string) {
	for _, s := range l.BGPSessions(node) {
		if s.IBGP {
			peers = append(peers, s.Peer)
			if s.RRClient {
				clients = append(clients, s.Peer)
			}
		}
	}
	return
}

func TestRouteReflectors(t *testing.T) {
	cases := []struct {
		name       string
		routers    int
		extra      string
		wantRRs    []string
		picked     bool
		node       string
		wantPeers  int
		wantClient int
	}{
		{"small AS full mesh", FullMeshMax, "", nil, false, "r1", FullMeshMax - 1, 0},
		{"large AS picks by degree then name", FullMeshMax + 2, "", []string{"r3", "r5"}, true, "r3", FullMeshMax + 1, FullMeshMax},
		{"client of picked reflectors", FullMeshMax + 2, "", []string{"r3", "r5"}, true, "r7", 2, 0},
		{"explicit reflectors", 5, "  route_reflectors = [\"r4\"]\n", []string{"r4"}, false, "r4", 4, 4},
		{"explicit client", 5, "  route_reflectors = [\"r4\"]\n", []string{"r4"}, false, "r0", 1, 0},
		{"empty list forces full mesh", FullMeshMax + 2, "  route_reflectors = []\n", nil, false, "r7", FullMeshMax + 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := mustParse(t, rrLab(c.routers, c.extra))
			as := l.AS("a")
			if !slices.Equal(as.RouteReflectors, c.wantRRs) || as.ReflectorsPicked != c.picked {
				t.Fatalf("reflectors %v picked %v, want %v picked %v", as.RouteReflectors, as.ReflectorsPicked, c.wantRRs, c.picked)
			}
			peers, clients := ibgpPeers(l, c.node)
			if len(peers) != c.wantPeers || len(clients) != c.wantClient {
				t.Errorf("%s: iBGP peers %v (clients %v), want %d peers, %d clients", c.node, peers, clients, c.wantPeers, c.wantClient)
			}
			// Every session is seen from both ends, with the client flag
			// on the reflector's side only.
			for _, s := range l.BGPSessions(c.node) {
				if !s.IBGP {
					continue
				}
				back := false
				for _, r := range l.BGPSessions(s.Peer) {
					if r.Peer == c.node {
						back = true
						if r.RRClient && s.RRClient {
							t.Errorf("%s and %s are each other's clients", c.node, s.Peer)
						}
					}
				}
				if !back {
					t.Errorf("session %s→%s has no other end", c.node, s.Peer)
				}
			}
		})
	}
}

func TestRouteReflectorErrors(t *testing.T) {
	cases := []struct{ name, extra, want string }{
		{"unknown", "  route_reflectors = [\"nope\"]\n", "Unknown route reflector"},
		{"other AS", "  route_reflectors = [\"x\"]\n", "Route reflector in another AS"},
		{"twice", "  route_reflectors = [\"r1\", \"r1\"]\n", "Duplicate route reflector"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(rrLab(3, c.extra)), "rr.hcl")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}
