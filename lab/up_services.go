package lab

import (
	"context"

	"github.com/netemu/netemu/nodes/svc"
)

// servicesStage makes the lab's key pairs, gives instances their own view
// of /etc and /home, starts sshd, the MTA, MariaDB and every `process`
// block, and waits until the services listen. The key files and passwords
// it made are in UpResult.Services.
func servicesStage() stage {
	return stage{
		name: StageServices,
		check: func(r *upRun) error {
			// Only this machine's nodes need their programs here.
			return svc.Preflight(localShare(r.lab, r.machine), nil, nil)
		},
		run: func(ctx context.Context, r *upRun) error {
			res, err := svc.Up(ctx, r.state, svc.NodesRunner{}, r.log)
			if err != nil {
				return err
			}
			r.res.Services = res
			return nil
		},
	}
}
