package ui

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/nodes"
)

// ServeShare serves the live view of one running share of a lab on this
// machine until ctx ends: its kernel and files watched, its actions those
// of the lab package (Local).
func ServeShare(ctx context.Context, st *nodes.State, log hclog.Logger, o ServeOptions) error {
	watch := &KernelWatch{Lab: st.Model, StateDir: st.Dir, Nodes: st.Nodes, Log: log}
	cfg := Config{
		Lab:     st.Model,
		Machine: st.Machine,
		Local:   func(n string) bool { _, err := st.Node(n); return err == nil },
		Backend: &Local{State: st, Log: log},
		Watcher: watch.Watch,
		Log:     log,
	}
	return Serve(ctx, cfg, o)
}
