package fw

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/topo"
)

// Up gives every instance of the lab's VPCs in this share its public IP
// and applies every VPC's routes and rules. local says whether a node is
// built by this share; VPCs whose router is elsewhere are skipped.
func Up(ctx context.Context, lab *topo.Lab, st *State, local func(node string) bool, ns Namespaces, log hclog.Logger) error {
	for _, vpc := range lab.VPCs {
		if !local(vpc.Router) || !local(vpc.IGW) {
			continue
		}
		if err := st.Init(lab, vpc); err != nil {
			return err
		}
		if err := ApplyVPC(ctx, lab, vpc, st, ns, log); err != nil {
			return err
		}
	}
	return nil
}

// StopInstance takes an instance off the network: its link goes down at
// both ends, its auto public IP is released, and the gateway's NAT and
// every security group that references its groups are rewritten. The
// caller stops its processes and saves the state.
func StopInstance(ctx context.Context, lab *topo.Lab, st *State, name string, ns Namespaces, log hclog.Logger) error {
	vpc, err := instanceVPC(lab, name)
	if err != nil {
		return err
	}
	old := st.PublicIP(name)
	if err := st.Stop(lab, name); err != nil {
		return err
	}
	if err := SetInstanceLink(lab, vpc, name, false, ns); err != nil {
		return fmt.Errorf("stop instance %q: %w", name, err)
	}
	if err := ApplyVPC(ctx, lab, vpc, st, ns, log); err != nil {
		return fmt.Errorf("stop instance %q: %w", name, err)
	}
	if old.IsValid() && !st.PublicIP(name).IsValid() {
		FlushConntrack(ctx, ns(vpc.IGW), old.String(), log)
	}
	return nil
}

// StartInstance puts an instance back: link up at both ends with its
// routes, a new auto public IP (an Elastic IP is kept), NAT and security
// groups rewritten. It returns the public IP (invalid when none). The
// caller starts its processes and saves the state.
func StartInstance(ctx context.Context, lab *topo.Lab, st *State, name string, ns Namespaces, log hclog.Logger) (netip.Addr, error) {
	vpc, err := instanceVPC(lab, name)
	if err != nil {
		return netip.Addr{}, err
	}
	pub, err := st.Start(lab, name)
	if err != nil {
		return netip.Addr{}, err
	}
	if err := SetInstanceLink(lab, vpc, name, true, ns); err != nil {
		return netip.Addr{}, fmt.Errorf("start instance %q: %w", name, err)
	}
	if err := ApplyVPC(ctx, lab, vpc, st, ns, log); err != nil {
		return netip.Addr{}, fmt.Errorf("start instance %q: %w", name, err)
	}
	return pub, nil
}

func instanceVPC(lab *topo.Lab, name string) (*topo.VPC, error) {
	n := lab.Node(name)
	if n == nil || n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, fmt.Errorf("%q is not an instance of lab %s", name, lab.Name)
	}
	vpc := lab.VPC(n.VPC)
	if vpc == nil {
		return nil, fmt.Errorf("instance %q: unknown VPC %q", name, n.VPC)
	}
	return vpc, nil
}
