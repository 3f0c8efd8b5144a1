package fw

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/topo"
)

// Up gives every instance of the lab its public IP and applies the routes
// and rules of every VPC this share runs. local says whether a node is
// built by this share. The bookkeeping covers all the lab's VPCs, also
// those whose router is on another machine: it is deterministic (file
// order), so every machine of a multi-host lab knows every instance's
// public IP — `ssh` from a client on one machine to an instance whose
// VPC runs on another needs it — without asking the others.
func Up(ctx context.Context, lab *topo.Lab, st *State, local func(node string) bool, ns Namespaces, log hclog.Logger) error {
	for _, vpc := range lab.VPCs {
		if err := st.Init(lab, vpc); err != nil {
			return err
		}
	}
	for _, vpc := range lab.VPCs {
		if !runsVPC(vpc, local) {
			continue
		}
		if err := ApplyVPC(ctx, lab, vpc, st, ns, log); err != nil {
			return err
		}
	}
	return nil
}

// runsVPC reports whether this share builds the VPC's router and gateway,
// where its routes, security groups and NAT live.
func runsVPC(vpc *topo.VPC, local func(node string) bool) bool {
	return local(vpc.Router) && local(vpc.IGW)
}

// everywhere is the local of a lab on one machine.
func everywhere(string) bool { return true }

// StopInstance takes an instance off the network: its link goes down at
// both ends, its auto public IP is released, and the gateway's NAT and
// every security group that references its groups are rewritten. The
// caller stops its processes and saves the state.
func StopInstance(ctx context.Context, lab *topo.Lab, st *State, name string, ns Namespaces, log hclog.Logger) error {
	return StopInstanceHere(ctx, lab, st, name, ns, everywhere, log)
}

// StopInstanceHere is StopInstance on one machine of a multi-host lab:
// the state changes (every machine keeps the same bookkeeping), the kernel
// only where local says the node is built here — the instance's end of
// its link, and the VPC router's end, routes, rules and NAT.
func StopInstanceHere(ctx context.Context, lab *topo.Lab, st *State, name string, ns Namespaces, local func(node string) bool, log hclog.Logger) error {
	vpc, err := instanceVPC(lab, name)
	if err != nil {
		return err
	}
	old := st.PublicIP(name)
	if err := st.Stop(lab, name); err != nil {
		return err
	}
	if err := SetInstanceLink(lab, vpc, name, false, ns, local); err != nil {
		return fmt.Errorf("stop instance %q: %w", name, err)
	}
	if !runsVPC(vpc, local) {
		return nil
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
	return StartInstanceHere(ctx, lab, st, name, ns, everywhere, log)
}

// StartInstanceHere is StartInstance on one machine (see
// StopInstanceHere): the new public IP is the same on every machine,
// since each draws it from the same state.
func StartInstanceHere(ctx context.Context, lab *topo.Lab, st *State, name string, ns Namespaces, local func(node string) bool, log hclog.Logger) (netip.Addr, error) {
	vpc, err := instanceVPC(lab, name)
	if err != nil {
		return netip.Addr{}, err
	}
	pub, err := st.Start(lab, name)
	if err != nil {
		return netip.Addr{}, err
	}
	if err := SetInstanceLink(lab, vpc, name, true, ns, local); err != nil {
		return netip.Addr{}, fmt.Errorf("start instance %q: %w", name, err)
	}
	if !runsVPC(vpc, local) {
		return pub, nil
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
