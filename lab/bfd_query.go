package lab

import (
	"context"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bfd"
)

// BFD is router node's BFD sessions, from its agent.
func BFD(ctx context.Context, labFlag, node string) (*bfd.Status, error) {
	return askFor(ctx, labFlag, node, "BFD", (*agent.Client).BFD)
}
