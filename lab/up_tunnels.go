package lab

import (
	"context"
	"slices"
	"time"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/nodes/vxlan"
)

// DefaultPeerTimeout is how long Up waits for the other machines' shares:
// long enough to start `up` on the other machines by hand.
const DefaultPeerTimeout = 5 * time.Minute

// PeersResult says when the other machines of a multi-host lab answered.
type PeersResult struct {
	// Machines are the machines this share has tunnels to, in link order.
	Machines []string
	// After is how long the wait took.
	After time.Duration
}

// Tunnels are a share's VXLAN tunnels, none when it has none.
func Tunnels(st *nodes.State) ([]vxlan.Record, error) {
	return vxlan.Load(st.Dir)
}

// tunnelsStage records what each cut link became: VNI, port and the MTU
// chosen for the underlay (also in `status`).
func tunnelsStage() stage {
	return stage{
		name: StageTunnels,
		run: func(ctx context.Context, r *upRun) error {
			rs, err := Tunnels(r.state)
			r.res.Tunnels = rs
			return err
		},
	}
}

// peersStage waits, before convergence, until every machine this share has
// tunnels to answers on one of them, so `up` on one machine does not wait
// forever for the others: on the deadline it fails naming the machines
// not heard from. Then local instances whose VPC router is on another
// machine get their DHCP lease (svc.AwaitLeases).
func peersStage() stage {
	return stage{
		name: StagePeers,
		run: func(ctx context.Context, r *upRun) error {
			cs := vxlan.CrossLinks(r.lab, r.machine)
			if len(cs) == 0 {
				return nil
			}
			timeout := r.opts.PeerTimeout
			if timeout <= 0 {
				timeout = DefaultPeerTimeout
			}
			var others []string
			for _, c := range cs {
				if !slices.Contains(others, c.RemoteMachine) {
					others = append(others, c.RemoteMachine)
				}
			}
			r.log.Info("waiting for the other machines", "machines", others, "timeout", timeout)
			wctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			if err := vxlan.WaitPeers(wctx, r.lab, r.machine, 200*time.Millisecond); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return err
			}
			// An instance whose VPC router is on another machine booted
			// before that router's DHCP server answered through the tunnel;
			// its dhclient may be backing off for minutes: `up` returns
			// once it has its address.
			r.res.Peers = &PeersResult{Machines: others, After: time.Since(start)}
			return svc.AwaitLeases(ctx, r.state, svc.NodesRunner{}, r.log)
		},
	}
}
