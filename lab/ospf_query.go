package lab

import (
	"context"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/ospf"
)

// OSPF is router node's OSPF state from its agent: interfaces,
// neighbours, the link-state database and the routing table.
func OSPF(ctx context.Context, labFlag, node string) (*ospf.Status, error) {
	var s ospf.Status
	err := ask(ctx, labFlag, node, "OSPF", func(ctx context.Context, c *agent.Client) error {
		return c.Get(ctx, "/ospf", &s)
	})
	return &s, err
}
