package lab

import (
	"context"

	"github.com/netemu/netemu/routing/ospf"
)

// OSPF is router node's OSPF state from its agent: interfaces,
// neighbours, the link-state database and the routing table.
func OSPF(ctx context.Context, labFlag, node string) (*ospf.Status, error) {
	if st, err := routerShare(labFlag, node); err == nil && runsFRR(st, node) {
		return frrOSPF(ctx, st, node) // FRR's ospfd, in the same status
	}
	return askGet[ospf.Status](ctx, labFlag, node, "OSPF", "/ospf")
}
