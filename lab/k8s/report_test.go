package k8s

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/netemu/netemu/lab"
)

// TestLabReport: a Lab object becomes the documented report, and its
// JSON decodes back into lab.K8sLabReport with unknown fields refused.
func TestLabReport(t *testing.T) {
	l := &Lab{Name: "seed", Generation: 4,
		Spec: Spec{File: "seed.hcl", StoppedInstances: []string{"db"}, DownLinks: []LinkIntent{{A: "r1", B: "r2", Silent: true}}},
		Status: Status{Phase: PhaseReady, Converged: "2/2",
			Machines:  []Machine{{Name: "m1", Address: "192.168.56.11"}, {Name: "m2", Address: "192.168.56.12"}},
			Placement: map[string][]string{"m1": {"r1", "web"}, "m2": {"r2", "db", "bastion"}},
			Shares: map[string]Share{"m1": {Phase: PhaseReady, Converged: true, Applied: 4, Updated: "2026-12-06T02:00:00Z"},
				"m2": {Phase: PhaseReady, Converged: true, Applied: 4}},
			PublicIPs: map[string]string{"web": "54.0.0.10", "db": "stopped", "bastion": "54.0.0.11 (elastic)"}}}
	r := l.Report()
	want := []lab.K8sNodeReport{{Name: "bastion", Machine: "m2", PublicIP: "54.0.0.11", Elastic: true}, {Name: "db", Machine: "m2", Stopped: true},
		{Name: "r1", Machine: "m1"}, {Name: "r2", Machine: "m2"}, {Name: "web", Machine: "m1", PublicIP: "54.0.0.10"}}
	if !reflect.DeepEqual(r.Nodes, want) {
		t.Errorf("nodes\n got %+v\nwant %+v", r.Nodes, want)
	}
	if len(r.Machines) != 2 || r.Machines[0].UpdatedAt != "2026-12-06T02:00:00Z" || r.Machines[1].Nodes[2] != "bastion" ||
		len(r.Intent.DownLinks) != 1 || !r.Intent.DownLinks[0].Silent || r.Converged != "2/2" {
		t.Errorf("%+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var back lab.K8sLabReport
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, r)
	}
}
