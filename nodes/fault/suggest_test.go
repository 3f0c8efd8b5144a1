package fault

import (
	"strings"
	"testing"

	"github.com/netemu/netemu/topo"
)

// A misspelt end gets the nearest node; a link that does not exist names
// where the first end's links do go.
func TestFindLinkErrors(t *testing.T) {
	l := &topo.Lab{Name: "x", Nodes: []*topo.Node{{Name: "transit-a"}, {Name: "aws-edge"}, {Name: "home-core"}},
		Links: []*topo.Link{{A: topo.Endpoint{Node: "transit-a", Iface: "eth0"}, B: topo.Endpoint{Node: "aws-edge", Iface: "eth0"}}}}
	for _, tc := range []struct{ a, b, want string }{
		{"trnsit-a", "aws-edge", `lab "x" has no node "trnsit-a" (did you mean "transit-a"?)`},
		{"transit-a", "zzz", `lab "x" has no node "zzz"`},
		{"transit-a", "home-core", "has no link between transit-a and home-core (transit-a's links go to aws-edge)"},
	} {
		_, err := FindLink(l, tc.a, tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FindLink(%s, %s) = %v, want %q", tc.a, tc.b, err, tc.want)
		}
	}
	if _, err := FindLink(l, "aws-edge", "transit-a"); err != nil {
		t.Error(err)
	}
}
