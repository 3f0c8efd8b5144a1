package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/topo"
)

// agentQueryTimeout bounds every view a command asks a router's agent for.
const agentQueryTimeout = 10 * time.Second

// Agent finds the share running router node (labFlag is --lab) and dials
// its agent. The returned context carries the query budget; call cancel
// when done.
func Agent(ctx context.Context, labFlag, node string) (*agent.Client, context.Context, context.CancelFunc, error) {
	st, err := Share(Query{Lab: labFlag, Node: node})
	if err != nil {
		return nil, nil, nil, err
	}
	// Say why there is nothing to ask rather than show a socket error.
	if lab := st.Model; lab != nil {
		if n := lab.Node(node); n != nil && n.Kind != topo.KindRouter {
			return nil, nil, nil, fmt.Errorf("%s is a %s: only routers run routing daemons", node, n.Kind)
		}
		if lab.Daemons == topo.DaemonsNone {
			return nil, nil, nil, fmt.Errorf("lab %s runs no routing daemons (daemons = %q): its routes are static; see `netemu routes %s`", st.Lab, lab.Daemons, node)
		}
		if lab.Daemons == topo.DaemonsFRR {
			return nil, nil, nil, fmt.Errorf("lab %s runs FRR (daemons = %q), not netemu's agent: ask FRR with `netemu exec %s -- vtysh --vty_socket %s -c 'show bgp summary'` (or 'show ip rip'); `netemu routes %s` shows the kernel table",
				st.Lab, lab.Daemons, node, filepath.Join(st.NodeDir(node), "frr"), node)
		}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, agentQueryTimeout)
	return agent.Dial(filepath.Join(st.NodeDir(node), agent.SocketName)), ctx, cancel, nil
}
