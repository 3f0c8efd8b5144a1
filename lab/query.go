package lab

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/bgp"
	"github.com/netemu/netemu/routing/rip"
	"github.com/netemu/netemu/topo"
)

// agentQueryTimeout bounds every view a command asks a router's agent for.
const agentQueryTimeout = 10 * time.Second

// agentFor finds the share running router node (labFlag is --lab) and
// dials its agent. The returned context carries the query budget; call
// cancel when done.
func agentFor(ctx context.Context, labFlag, node string) (*agent.Client, context.Context, context.CancelFunc, error) {
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

// ask runs one query against router node's agent; what says what was
// asked for when it fails.
func ask(ctx context.Context, labFlag, node, what string, q func(ctx context.Context, c *agent.Client) error) error {
	c, ctx, cancel, err := agentFor(ctx, labFlag, node)
	if err != nil {
		return err
	}
	defer cancel()
	if err := q(ctx, c); err != nil {
		return fmt.Errorf("router %s: %w%s", node, err, what)
	}
	return nil
}

// BGP is router node's BGP speaker: its sessions, like `show bgp summary`.
func BGP(ctx context.Context, labFlag, node string) (*bgp.Status, error) {
	var s bgp.Status
	err := ask(ctx, labFlag, node, " (does it run BGP? is its agent up?)", func(ctx context.Context, c *agent.Client) error {
		return c.Get(ctx, "/bgp", &s)
	})
	return &s, err
}

// BGPRoutes is every path router node's BGP speaker holds (for one
// prefix or address, when prefix is not ""), the best marked.
func BGPRoutes(ctx context.Context, labFlag, node, prefix string) ([]bgp.RouteStatus, error) {
	path := "/bgp/routes"
	if prefix != "" {
		path += "?prefix=" + url.QueryEscape(prefix)
	}
	var rs []bgp.RouteStatus
	err := ask(ctx, labFlag, node, "", func(ctx context.Context, c *agent.Client) error { return c.Get(ctx, path, &rs) })
	return rs, err
}

// BGPRefresh re-applies router node's import policies and asks every
// peer to resend its routes (ROUTE-REFRESH).
func BGPRefresh(ctx context.Context, labFlag, node string) error {
	return ask(ctx, labFlag, node, "", func(ctx context.Context, c *agent.Client) error {
		var res map[string]string
		return c.Get(ctx, "/bgp/refresh", &res)
	})
}

// RIP is router node's RIP neighbours and table.
func RIP(ctx context.Context, labFlag, node string) (*rip.Status, error) {
	var s *rip.Status
	err := ask(ctx, labFlag, node, " (does it run RIP? is its agent up?)", func(ctx context.Context, c *agent.Client) (err error) {
		s, err = c.RIP(ctx)
		return err
	})
	return s, err
}
