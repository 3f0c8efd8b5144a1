package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/netemu/netemu/routing/agent"
)

// agentQueryTimeout bounds every view a command asks a router's agent for.
const agentQueryTimeout = 10 * time.Second

// nodeAgent finds the share running router node and dials its agent. The
// returned context carries the query budget; call cancel when done.
func nodeAgent(ctx context.Context, g *globals, node string) (*agent.Client, context.Context, context.CancelFunc, error) {
	st, err := selectNodeShare(g, node)
	if err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, agentQueryTimeout)
	return agent.Dial(filepath.Join(st.NodeDir(node), agent.SocketName)), ctx, cancel, nil
}
