package agent

import (
	"encoding/json"
	"testing"

	"github.com/netemu/netemu/topo"
)

// TestBGPPoliciesJSON: the speaker's policy types encode exactly as the
// model's, so agent.json keeps its shape.
func TestBGPPoliciesJSON(t *testing.T) {
	lab, err := topo.Load("../frr/testdata/valley.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(lab.Policies) == 0 || len(lab.PrefixLists) == 0 {
		t.Fatal("valley.hcl: no policies or prefix lists to compare")
	}
	pols, lists := BGPPolicies(lab)
	for _, c := range []struct {
		name      string
		got, want any
	}{{"policies", pols, lab.Policies}, {"prefix lists", lists, lab.PrefixLists}} {
		g, err := json.Marshal(c.got)
		if err != nil {
			t.Fatal(err)
		}
		w, err := json.Marshal(c.want)
		if err != nil {
			t.Fatal(err)
		}
		if string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, g, w)
		}
	}
}

func TestBGPConfigFor(t *testing.T) {
	lab, err := topo.LoadExample("bgp-chain")
	if err != nil {
		t.Fatal(err)
	}
	sawBGP := false
	for _, n := range lab.Nodes {
		c, err := BGPConfigFor(lab, n.Name)
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		sessions := lab.BGPSessions(n.Name)
		if (c == nil) != (len(sessions) == 0) {
			t.Fatalf("%s: config %v with %d sessions", n.Name, c, len(sessions))
		}
		if c == nil {
			continue
		}
		sawBGP = true
		if len(c.Peers) != len(sessions) || c.ASN != sessions[0].LocalAS || !c.RouterID.IsValid() {
			t.Errorf("%s: %d peers for %d sessions, ASN %d, router id %v", n.Name, len(c.Peers), len(sessions), c.ASN, c.RouterID)
		}
	}
	if !sawBGP {
		t.Fatal("bgp-chain: no router with a BGP session")
	}
	if _, err := BGPConfigFor(lab, "nope"); err == nil {
		t.Error("BGPConfigFor an unknown node: no error")
	}
}
