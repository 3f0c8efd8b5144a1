package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/topo"
)

// agentStartTimeout bounds how long Up waits for a started agent to
// answer on its control socket.
const agentStartTimeout = 20 * time.Second

// routingStage starts netemu's agent in every local router (lab.Daemons
// "netemu", the default). "none" runs no routing; "frr" is started by its
// own stage.
func routingStage() stage {
	return stage{
		name: StageRouting,
		run: func(ctx context.Context, r *upRun) error {
			if r.lab.Daemons != "" && r.lab.Daemons != topo.DaemonsNetemu {
				return nil
			}
			// The agents log at info unless the caller asked for more.
			level := "info"
			if r.log.GetLevel() <= hclog.Debug && r.log.GetLevel() != hclog.NoLevel {
				level = r.log.GetLevel().String()
			}
			var socks []string
			for _, name := range r.state.Nodes {
				n := r.lab.Node(name)
				if n == nil || n.Kind != topo.KindRouter {
					continue
				}
				cfg, err := agent.ConfigFor(r.lab, name)
				if err != nil {
					return err
				}
				cfg.NodeDir = r.state.NodeDir(name)
				if err := os.MkdirAll(cfg.NodeDir, 0o755); err != nil {
					return fmt.Errorf("router %s: %w", name, err)
				}
				path := filepath.Join(cfg.NodeDir, agent.ConfigName)
				if err := agent.WriteConfig(path, cfg); err != nil {
					return fmt.Errorf("router %s: %w", name, err)
				}
				spec := nodes.ProcessSpec{
					Name:    "agent",
					Command: []string{r.self, "agent", "--config", path, "--log-level", level},
					Restart: true,
				}
				if _, err := nodes.StartProcess(r.state, name, spec); err != nil {
					return fmt.Errorf("router %s: start agent: %w", name, err)
				}
				socks = append(socks, filepath.Join(cfg.NodeDir, agent.SocketName))
			}
			return waitAgents(ctx, socks)
		},
	}
}

// waitAgents polls every agent's control socket until it answers, so a
// router whose agent cannot start fails Up with its reason.
func waitAgents(ctx context.Context, socks []string) error {
	ctx, cancel := context.WithTimeout(ctx, agentStartTimeout)
	defer cancel()
	for _, s := range socks {
		c := agent.Dial(s)
		for {
			_, err := c.Status(ctx)
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("agent %s did not answer within %v (see agent.log beside it): %w",
					filepath.Dir(s), agentStartTimeout, errors.Join(err, ctx.Err()))
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
