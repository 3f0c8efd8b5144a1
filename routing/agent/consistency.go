package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/netemu/netemu/routing/fib"
)

// ConsistencyPath is the agent's RIB/kernel/advertisement check.
const ConsistencyPath = "/consistency"

// Consistency is GET /consistency: the invariant of issue 16 — what the
// agent advertises is what it holds in its RIB, and what it holds as best
// is in the kernel, or the agent says why not (Refused).
type Consistency struct {
	Checked time.Time `json:"checked"`
	// Problems persisted over two checks a moment apart (a batch being
	// written is not a problem); empty when the invariant holds.
	Problems []string `json:"problems,omitempty"`
	// Refused are best routes the kernel refused, with its reason: not a
	// problem, the agent says why they are not there.
	Refused map[string]string `json:"refused,omitempty"`
}

// OK reports whether the invariant holds.
func (c *Consistency) OK() bool { return len(c.Problems) == 0 }

// Consistency asks the agent to check its invariant.
func (c *Client) Consistency(ctx context.Context) (*Consistency, error) {
	var v Consistency
	if err := c.Get(ctx, ConsistencyPath, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// compareHeld lists the disagreements between what a daemon holds and the
// kernel's routes of its protocol (main table), sorted.
func compareHeld(h fib.Held, kernel []fib.Route) []string {
	name := fmt.Sprintf("proto %d", h.Protocol)
	switch h.Protocol {
	case fib.ProtoRIP:
		name = "rip"
	case fib.ProtoBGP:
		name = "bgp"
	}
	k := make(map[netip.Prefix]fib.Route, len(kernel))
	for _, r := range kernel {
		k[r.Prefix] = r
	}
	var out []string
	held := make(map[netip.Prefix]bool, len(h.Routes))
	for _, r := range h.Routes {
		held[r.Prefix] = true
		kr, ok := k[r.Prefix]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s via %s is best in the RIB but not in the kernel", name, r.Prefix, r.Gateway))
		case kr.Gateway != r.Gateway || kr.Metric != r.Metric:
			out = append(out, fmt.Sprintf("%s: %s: RIB via %s metric %d, kernel via %s metric %d", name, r.Prefix, r.Gateway, r.Metric, kr.Gateway, kr.Metric))
		}
	}
	for _, kr := range kernel {
		if _, refused := h.Refused[kr.Prefix]; !held[kr.Prefix] && !refused {
			out = append(out, fmt.Sprintf("%s: kernel has %s via %s that the RIB does not hold", name, kr.Prefix, kr.Gateway))
		}
	}
	for _, a := range h.Advertised {
		out = append(out, name+": advertised: "+a)
	}
	slices.Sort(out)
	return out
}
