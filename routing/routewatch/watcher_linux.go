package routewatch

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/routing"
)

// WatcherOptions say which router's changes a watcher logs, and where.
type WatcherOptions struct {
	Node   string // the router's node name
	Events string // its event log (events.jsonl)
	// BGPLog, when set, is FRR bgpd's log, followed from its current end
	// for session changes.
	BGPLog string
	Log    hclog.Logger
}

// Watch is the hidden `netemu routewatch`: it writes the router's kernel
// route changes (Run) and, with a BGP log, its session changes
// (FollowBGPLog) to the router's event log until ctx ends or either
// stops.
func Watch(ctx context.Context, o WatcherOptions) error {
	events, err := routing.NewEventLog(o.Events, o.Node, 0)
	if err != nil {
		return fmt.Errorf("router %s: %w", o.Node, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logDone := make(chan error, 1)
	if o.BGPLog != "" {
		var offset int64
		if st, err := os.Stat(o.BGPLog); err == nil {
			offset = st.Size()
		}
		go func() {
			err := FollowBGPLog(ctx, o.BGPLog, offset, events)
			cancel()
			logDone <- err
		}()
	} else {
		logDone <- nil
	}
	err = Run(ctx, events, o.Log.Named("routewatch").With("node", o.Node))
	cancel()
	err = errors.Join(err, <-logDone)
	if err != nil {
		err = fmt.Errorf("router %s: %w", o.Node, err)
	}
	return errors.Join(err, events.Close())
}
