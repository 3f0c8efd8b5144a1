package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/tests/labtest"
)

// checkAgentInvariant is issue 16's invariant for one agent: what it
// advertises is what its RIB holds, and what it holds as best is in the
// kernel, or it says why not (GET /consistency). Routing test helpers
// call it once their lab has converged.
func checkAgentInvariant(t testing.TB, l *ripLab, node string, c *agent.Client) {
	t.Helper()
	labtest.Eventually(t, 20*time.Second, labtest.Named(node+": RIB, kernel and advertisements agree", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := c.Consistency(ctx)
		if err != nil {
			return err
		}
		if !st.OK() {
			return fmt.Errorf("%s", strings.Join(st.Problems, "; "))
		}
		return nil
	}))
}
