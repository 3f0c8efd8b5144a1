package converge

import (
	"strings"
	"testing"
	"time"
)

// A router whose RIB and kernel disagree has not converged, whatever its
// sessions say.
func TestCheckInconsistentAgent(t *testing.T) {
	v := healthy()
	v[2].Inconsistent = []string{"rip: 10.1.0.0/24 via 10.0.0.2 is best in the RIB but not in the kernel"}
	res := Check(seedLike(), v, Faults{}, 2*time.Second, t0.Add(10*time.Second))
	if res.Converged {
		t.Fatal("converged with a RIB/kernel disagreement")
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].String(), "transit-b: rib/kernel: rip: 10.1.0.0/24") {
		t.Fatalf("problems %v", res.Problems)
	}
	if res := Check(seedLike(), healthy(), Faults{}, 2*time.Second, t0.Add(10*time.Second)); !res.Converged {
		t.Fatalf("healthy: %v", res.Problems)
	}
}
