package lab

import (
	"context"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/ospf"
)

// OSPF is router node's OSPF state from its agent: interfaces,
// neighbours, the link-state database and the routing table.
func OSPF(ctx context.Context, labFlag, node string) (*ospf.Status, error) {
	if st, err := routerShare(labFlag, node); err == nil && runsFRR(st, node) {
		return frrOSPF(ctx, st, node) // FRR's ospfd, in the same status
	}
	var s ospf.Status
	err := ask(ctx, labFlag, node, "OSPF", func(ctx context.Context, c *agent.Client) error {
		return c.Get(ctx, "/ospf", &s)
	})
	return &s, err
}
