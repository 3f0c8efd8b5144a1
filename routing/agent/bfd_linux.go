package agent

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/netemu/netemu/routing"
	"github.com/netemu/netemu/routing/bfd"
)

// newBFD starts the router's BFD sessions (nil when it has none) and
// binds each to the daemons that follow it, before any packet flows.
func newBFD(cfg *Config, log hclog.Logger, events routing.Emitter, ds []Daemon) (Daemon, error) {
	if len(cfg.BFD) == 0 {
		return nil, nil
	}
	d, err := bfd.New(log, events)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	for _, s := range cfg.BFD {
		for _, c := range bfdClients(s, ds) {
			d.Bind(s.Key, c)
		}
		if _, err := d.Add(s.SessionConfig); err != nil {
			return nil, fmt.Errorf("agent: bfd session %s: %w", s.Key, err)
		}
	}
	return d, nil
}
