package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/topo"
)

// agentStallTimeout is how long Up waits without any agent starting to
// answer before it gives up: a busy machine slows agents down, which is
// no reason to fail, but an agent that never answers is.
const agentStallTimeout = 90 * time.Second

// agentsInFlight is how many started agents may be still starting (not
// yet answering) at once, per CPU: starting a thousand Go processes at
// once drives the load past what the scheduler shares fairly, and every
// agent then looks dead.
const agentsInFlight = 8

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
			var starts []agentStart
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
				starts = append(starts, agentStart{node: name, sock: filepath.Join(cfg.NodeDir, agent.SocketName), spec: nodes.ProcessSpec{
					Name:    "agent",
					Command: []string{r.self, "agent", "--config", path, "--log-level", level},
					Restart: true,
				}})
			}
			return startAgents(ctx, starts, agentsInFlight*runtime.NumCPU(), agentStallTimeout,
				func(s agentStart) error {
					if _, err := nodes.StartProcess(r.state, s.node, s.spec); err != nil {
						return fmt.Errorf("router %s: start agent: %w", s.node, err)
					}
					return nil
				},
				func(ctx context.Context, sock string) error {
					_, err := agent.Dial(sock).Status(ctx)
					return err
				},
				func(done, total int, detail string) { r.progress(StageRouting, "agents", done, total, detail) })
		},
	}
}

// agentStart is one agent to start.
type agentStart struct {
	node, sock string
	spec       nodes.ProcessSpec
}

// startAgents starts the agents, at most inFlight of them starting at
// once: the next starts when one answers on its control socket, so the
// pace is what the machine manages. It fails only when no agent came up
// for stall (naming those still awaited), never because the whole takes
// long. progress sees the count of answering agents when it changes and
// at least every 2 s.
func startAgents(ctx context.Context, all []agentStart, inFlight int, stall time.Duration,
	start func(agentStart) error, ask func(context.Context, string) error, progress func(done, total int, detail string)) error {
	inFlight = max(inFlight, 1)
	var pending []agentStart
	next, done, reported := 0, 0, -1
	lastUp, lastReport := time.Now(), time.Time{}
	for done < len(all) {
		for next < len(all) && len(pending) < inFlight {
			if err := start(all[next]); err != nil {
				return err
			}
			pending = append(pending, all[next])
			next++
		}
		still := pending[:0]
		var lastErr error
		for _, p := range pending {
			// One busy agent must not hold up the others' checks.
			actx, cancel := context.WithTimeout(ctx, time.Second)
			err := ask(actx, p.sock)
			cancel()
			if err == nil {
				done++
				lastUp = time.Now()
				continue
			}
			lastErr = err
			still = append(still, p)
		}
		pending = still
		if done != reported || time.Since(lastReport) >= 2*time.Second {
			detail := ""
			if len(pending) > 0 {
				detail = "waiting for " + pending[0].node
			}
			progress(done, len(all), detail)
			reported, lastReport = done, time.Now()
		}
		if done == len(all) {
			break
		}
		if time.Since(lastUp) > stall {
			var names []string
			for _, p := range pending {
				names = append(names, p.node)
			}
			return fmt.Errorf("no agent answered for %v (%d of %d up; waiting for %s; see agent.log in %s): %w",
				stall, done, len(all), strings.Join(names, ", "), filepath.Dir(pending[0].sock), lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
