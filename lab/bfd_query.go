package lab

import (
	"context"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bfd"
)

// BFD is router node's BFD sessions, from its agent.
func BFD(ctx context.Context, labFlag, node string) (*bfd.Status, error) {
	var s *bfd.Status
	err := ask(ctx, labFlag, node, "BFD", func(ctx context.Context, c *agent.Client) (err error) {
		s, err = c.BFD(ctx)
		return err
	})
	return s, err
}
