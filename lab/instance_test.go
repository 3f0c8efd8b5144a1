package lab

import (
	"testing"

	"github.com/netemu/netemu/topo"
)

func TestInstanceHint(t *testing.T) {
	lab := &topo.Lab{Name: "l",
		Nodes: []*topo.Node{{Name: "web", Kind: topo.KindInstance, VPC: "prod", Machine: "m2"},
			{Name: "prod-router", Machine: "m3"}},
		VPCs:     []*topo.VPC{{Name: "prod", Router: "prod-router"}},
		Machines: []*topo.Machine{{Name: "m1"}, {Name: "m2"}, {Name: "m3"}},
	}
	others := instanceOthers(lab, "m2")
	got := instanceHint(lab, "web", "stop", "m2", others)
	want := "instance stop web done on m2 only (web runs on m2, its VPC prod on m3; every machine keeps each instance's public IP): run the same command on m1 and m3 too, or use --all-machines"
	if got != want {
		t.Errorf("hint:\n%s\nwant:\n%s", got, want)
	}
}
