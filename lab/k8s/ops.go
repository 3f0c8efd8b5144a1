package k8s

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/topo"
)

// Up validates file here (so its diagnostics print with the source, as
// for a local `up`), creates the Lab object and waits until every
// machine's share is up.
func (c *Client) Up(ctx context.Context, file string) (*Lab, error) {
	model, err := lab.Load(file)
	if err != nil {
		return nil, err
	}
	src, err := lab.Source(file)
	if err != nil {
		return nil, err
	}
	name := file
	if name == "" {
		name = topo.Seed
	}
	if _, err := c.Create(ctx, model.Name, Spec{Source: string(src), File: filepath.Base(name)}); err != nil {
		return nil, err
	}
	return c.WaitPhase(ctx, model.Name, PhaseReady)
}

// Down deletes the lab and waits until every machine removed its share.
func (c *Client) Down(ctx context.Context, name string) error {
	if err := c.Delete(ctx, name); err != nil {
		if IsNotFound(err) {
			return fmt.Errorf("lab %s is not in the cluster", name)
		}
		return err
	}
	return c.WaitGone(ctx, name)
}

// Resolve names the lab a command means: name, or the only lab in the
// cluster.
func (c *Client) Resolve(ctx context.Context, name string) (string, error) {
	if name != "" {
		return name, nil
	}
	labs, err := c.List(ctx)
	if err != nil {
		return "", err
	}
	switch len(labs) {
	case 0:
		return "", errors.New("no lab in the cluster (run `netemu --kubeconfig … up` first)")
	case 1:
		return labs[0].Name, nil
	}
	var names []string
	for _, l := range labs {
		names = append(names, l.Name)
	}
	return "", fmt.Errorf("several labs in the cluster (%v): say which with --lab", names)
}

// model is the lab's file as placed.
func (l *Lab) model() (*topo.Lab, error) { return Model(l.Spec, l.Status.Machines) }

// SetInstance records that instance should be stopped (or running) and
// waits until every machine applied it; the lab returned holds the
// public IPs every machine now agrees on.
func (c *Client) SetInstance(ctx context.Context, name, instance string, stop bool) (*Lab, error) {
	return c.change(ctx, name, func(m *topo.Lab, s *Spec) error {
		if n := m.Node(instance); n == nil || n.Kind != topo.KindInstance {
			return fmt.Errorf("%s is not an instance of lab %s", instance, name)
		}
		s.StoppedInstances = toggle(s.StoppedInstances, instance, stop)
		return nil
	})
}

// SetLink records a link down (silent or not) or up.
func (c *Client) SetLink(ctx context.Context, name, a, b string, down, silent bool) (*Lab, error) {
	return c.change(ctx, name, func(m *topo.Lab, s *Spec) error {
		k, err := fault.FindLink(m, a, b)
		if err != nil {
			return err
		}
		s.DownLinks = slices.DeleteFunc(s.DownLinks, func(in LinkIntent) bool {
			x, err := fault.FindLink(m, in.A, in.B)
			return err == nil && x == k
		})
		if down {
			s.DownLinks = append(s.DownLinks, LinkIntent{A: a, B: b, Silent: silent})
		}
		return nil
	})
}

// SetNode records a router's routing daemons stopped or started.
func (c *Client) SetNode(ctx context.Context, name, node string, stop bool) (*Lab, error) {
	return c.change(ctx, name, func(m *topo.Lab, s *Spec) error {
		if n := m.Node(node); n == nil || n.Kind != topo.KindRouter {
			return fmt.Errorf("%s is not a router of lab %s", node, name)
		}
		if m.Daemons == "none" {
			return fmt.Errorf("lab %s runs no routing daemons (daemons = \"none\"): nothing to stop or start on %s", name, node)
		}
		s.StoppedNodes = toggle(s.StoppedNodes, node, stop)
		return nil
	})
}

func toggle(list []string, name string, on bool) []string {
	list = slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == name })
	if on {
		list = append(list, name)
	}
	return list
}

// change updates the spec (fn gets the lab's file as placed) and waits
// until every machine applied it.
func (c *Client) change(ctx context.Context, name string, fn func(m *topo.Lab, s *Spec) error) (*Lab, error) {
	l, err := c.UpdateSpec(ctx, name, func(l *Lab, s *Spec) error {
		m, err := l.model()
		if err != nil {
			return err
		}
		return fn(m, s)
	})
	if err != nil {
		return nil, err
	}
	return c.WaitApplied(ctx, name, l.Generation)
}

// WaitApplied waits until the share of every machine still in the
// cluster reconciled to generation gen (or one failed to).
func (c *Client) WaitApplied(ctx context.Context, name string, gen int64) (*Lab, error) {
	var last *Lab
	for {
		l, err := c.Get(ctx, name)
		if err == nil {
			last = l
			behind, failed := l.Behind(gen)
			if len(failed) > 0 {
				return l, fmt.Errorf("lab %s: machine(s) %v failed to apply the change: %s", name, failed, l.failures(failed))
			}
			if len(behind) == 0 {
				return l, nil
			}
		}
		if ctx.Err() != nil {
			if last == nil {
				return nil, fmt.Errorf("lab %s: %w", name, err)
			}
			behind, _ := last.Behind(gen)
			return last, fmt.Errorf("lab %s: machine(s) %v have not applied the change (is their agent running?): %w", name, behind, ctx.Err())
		}
		waitTick(ctx)
	}
}

// Behind lists the machines (not lost) whose share has not applied gen,
// and those that failed to.
func (l *Lab) Behind(gen int64) (behind, failed []string) {
	lost := map[string]bool{}
	for _, x := range l.Status.Lost {
		lost[x.Machine] = true
	}
	for _, m := range l.Status.Machines {
		if lost[m.Name] {
			continue
		}
		sh := l.Status.Shares[m.Name]
		switch {
		case sh.Phase == PhaseFailed:
			failed = append(failed, m.Name)
		case sh.Phase != PhaseReady || sh.Applied < gen:
			behind = append(behind, m.Name)
		}
	}
	return behind, failed
}

func (l *Lab) failures(ms []string) string {
	var s string
	for _, m := range ms {
		s += fmt.Sprintf("[%s: %s] ", m, l.Status.Shares[m].Message)
	}
	return s
}
