package converge

import (
	"context"
	"errors"

	"github.com/netemu/netemu/routing/agent"
)

// askConsistency adds the agent's RIB/kernel/advertisement disagreements
// to v (issue 16's invariant); an agent without the check is no error.
func askConsistency(ctx context.Context, c *agent.Client, v *View) error {
	var st agent.Consistency
	err := c.Get(ctx, agent.ConsistencyPath+"?once", &st)
	switch {
	case errors.Is(err, agent.ErrNoDaemon):
		return nil
	case err != nil:
		return err
	}
	v.Inconsistent = st.Problems
	return nil
}

// checkConsistency: a lab whose routers disagree with their own kernels
// or tell their peers something else has not converged, whatever the
// sessions say.
func checkConsistency(v View) []Problem {
	var out []Problem
	for _, p := range v.Inconsistent {
		out = append(out, Problem{Node: v.Node, What: "rib/kernel", State: p})
	}
	return out
}
