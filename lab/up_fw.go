package lab

import (
	"context"
	"fmt"
	"slices"

	"github.com/netemu/netemu/fw"
)

// fwStage is the AWS half: public IPs, the internet gateways' 1:1 NAT, the
// subnets' route tables, security groups and network ACLs for every VPC
// built by this share.
func fwStage() stage {
	return stage{
		name: StageFirewall,
		check: func(r *upRun) error {
			if len(r.lab.VPCs) == 0 {
				return nil
			}
			return fw.Preflight()
		},
		run: func(ctx context.Context, r *upRun) error {
			if len(r.lab.VPCs) == 0 {
				return nil
			}
			st, err := fw.LoadState(r.state.Dir)
			if err != nil {
				return err
			}
			local := func(node string) bool { return slices.Contains(r.state.Nodes, node) }
			if err := fw.Up(ctx, r.lab, st, local, Netns(r.lab.Name), r.log); err != nil {
				return err
			}
			if err := st.Save(r.state.Dir); err != nil {
				return fmt.Errorf("lab %s: %w", r.lab.Name, err)
			}
			return nil
		},
	}
}
