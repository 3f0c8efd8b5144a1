package lab

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/netemu/netemu/nodes"
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
	st, err := routerShare(labFlag, node)
	if err != nil {
		return nil, nil, nil, err
	}
	if lab := st.Model; lab != nil && lab.Daemons == topo.DaemonsFRR {
		return nil, nil, nil, fmt.Errorf("lab %s runs FRR (daemons = %q), not netemu's agent: ask FRR with `netemu exec %s -- vtysh` (`netemu bgp %s` and `netemu rip %s` show its sessions); `netemu routes %s` shows the kernel table",
			st.Lab, lab.Daemons, node, node, node, node)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, agentQueryTimeout)
	return agent.Dial(filepath.Join(st.NodeDir(node), agent.SocketName)), ctx, cancel, nil
}

// routerShare finds the share running router node: what a routing query
// asks. Say why there is nothing to ask rather than show a socket error.
func routerShare(labFlag, node string) (*nodes.State, error) {
	st, err := Share(Query{Lab: labFlag, Node: node})
	if err != nil {
		return nil, err
	}
	if lab := st.Model; lab != nil {
		if n := lab.Node(node); n != nil && n.Kind != topo.KindRouter {
			return nil, fmt.Errorf("%s is %s %s, not a router: only routers run routing daemons", node, Article(string(n.Kind)), n.Kind)
		}
		if lab.Daemons == topo.DaemonsNone {
			return nil, fmt.Errorf("lab %s runs no routing daemons (daemons = %q): its routes are static; see `netemu routes %s`", st.Lab, lab.Daemons, node)
		}
	}
	return st, nil
}

// BGPSummary is router node's BGP sessions as `bgp NODE` shows them:
// from netemu's agent, or from FRR's bgpd in an FRR lab.
func BGPSummary(ctx context.Context, labFlag, node string) (*BGPReport, error) {
	st, err := routerShare(labFlag, node)
	if err != nil {
		return nil, err
	}
	if runsFRR(st, node) {
		return frrBGP(ctx, st, node)
	}
	s, err := BGP(ctx, labFlag, node)
	if err != nil {
		return nil, err
	}
	r := BGPReportOf(s, st.Model, time.Now())
	return &r, nil
}

// RIPSummary is router node's RIP neighbours and table as `rip NODE`
// shows them: from netemu's agent, or from FRR's ripd in an FRR lab.
func RIPSummary(ctx context.Context, labFlag, node string) (*RIPReport, error) {
	st, err := routerShare(labFlag, node)
	if err != nil {
		return nil, err
	}
	if runsFRR(st, node) {
		return frrRIP(ctx, st, node)
	}
	s, err := RIP(ctx, labFlag, node)
	if err != nil {
		return nil, err
	}
	r := RIPReportOf(node, s)
	return &r, nil
}

// askFor is ask for a query that returns its answer.
func askFor[T any](ctx context.Context, labFlag, node, daemon string, q func(*agent.Client, context.Context) (T, error)) (T, error) {
	var v T
	err := ask(ctx, labFlag, node, daemon, func(ctx context.Context, c *agent.Client) (err error) {
		v, err = q(c, ctx)
		return err
	})
	return v, err
}

// askGet is ask for GET path, its JSON answer decoded into a T.
func askGet[T any](ctx context.Context, labFlag, node, daemon, path string) (*T, error) {
	var v T
	err := ask(ctx, labFlag, node, daemon, func(ctx context.Context, c *agent.Client) error { return c.Get(ctx, path, &v) })
	return &v, err
}

// ask runs one query against router node's agent; daemon names what was
// asked for ("BGP", "RIP") when the agent does not run it. The errors
// are about the lab, not the socket: the raw HTTP or socket text stays
// in the wrapped error for -log-level debug only.
func ask(ctx context.Context, labFlag, node, daemon string, q func(ctx context.Context, c *agent.Client) error) error {
	c, ctx, cancel, err := agentFor(ctx, labFlag, node)
	if err != nil {
		return err
	}
	defer cancel()
	if err := q(ctx, c); err != nil {
		return agentError(node, daemon, err)
	}
	return nil
}

// AgentError is a failed question to a router's agent, said in the lab's
// terms; Err keeps the cause.
type AgentError struct {
	Msg string
	Err error
}

func (e *AgentError) Error() string { return e.Msg }
func (e *AgentError) Unwrap() error { return e.Err }

func agentError(node, daemon string, err error) error {
	switch {
	case errors.Is(err, agent.ErrNoDaemon):
		return &AgentError{fmt.Sprintf("router %s does not run %s (no %s session or neighbour is configured for it in the lab file)", node, daemon, daemon), err}
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		return &AgentError{fmt.Sprintf("router %s: its routing agent is not running (stopped by `netemu node stop %s`? `netemu node start %s` starts it again)", node, node, node), err}
	case errors.Is(err, context.DeadlineExceeded):
		return &AgentError{fmt.Sprintf("router %s: its routing agent did not answer within %s (is the machine overloaded?)", node, agentQueryTimeout), err}
	case errors.Is(err, context.Canceled):
		return &AgentError{"interrupted", err}
	}
	return &AgentError{fmt.Sprintf("router %s: its routing agent gave no usable answer (see `netemu logs %s agent`)", node, node), err}
}

// Article is "a" or "an" before word, as "an instance", "a router".
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// BGP is router node's BGP speaker: its sessions, like `show bgp summary`.
func BGP(ctx context.Context, labFlag, node string) (*bgp.Status, error) {
	return askGet[bgp.Status](ctx, labFlag, node, "BGP", "/bgp")
}

// BGPRoutes is every path router node's BGP speaker holds (for one
// prefix or address, when prefix is not ""), the best marked.
func BGPRoutes(ctx context.Context, labFlag, node, prefix string) ([]bgp.RouteStatus, error) {
	path := "/bgp/routes"
	if prefix != "" {
		path += "?prefix=" + url.QueryEscape(prefix)
	}
	rs, err := askGet[[]bgp.RouteStatus](ctx, labFlag, node, "BGP", path)
	return *rs, err
}

// BGPRefresh re-applies router node's import policies and asks every
// peer to resend its routes (ROUTE-REFRESH).
func BGPRefresh(ctx context.Context, labFlag, node string) error {
	_, err := askGet[map[string]string](ctx, labFlag, node, "BGP", "/bgp/refresh")
	return err
}

// RIP is router node's RIP neighbours and table.
func RIP(ctx context.Context, labFlag, node string) (*rip.Status, error) {
	return askFor(ctx, labFlag, node, "RIP", (*agent.Client).RIP)
}
