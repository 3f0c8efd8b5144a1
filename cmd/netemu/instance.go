package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

func newInstanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Stop or start an EC2-like instance (its auto public IP changes, an Elastic IP stays)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "stop NAME",
		Short: "Stop an instance: its programs, its link, its auto public IP",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstance(cmd.Context(), g, args[0], false)
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "start NAME",
		Short: "Start a stopped instance; prints its new public IP",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInstance(cmd.Context(), g, args[0], true)
		},
	})
	return cmd
}

func runInstance(ctx context.Context, g *globals, name string, start bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	log := g.logger()
	st, err := selectNodeShare(g, name)
	if err != nil {
		return err
	}
	if n := st.Model.Node(name); n == nil || n.Kind != topo.KindInstance {
		return fmt.Errorf("%s is not an instance of lab %s", name, st.Model.Name)
	}
	st, unlock, err := lockNodeShare(ctx, st, name)
	if err != nil {
		return err
	}
	defer unlock()
	lab := st.Model
	if n := lab.Node(name); n == nil || n.Kind != topo.KindInstance {
		return fmt.Errorf("%s is not an instance of lab %s", name, lab.Name)
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return err
	}
	ns := labNetns(lab.Name)
	priv := lab.Node(name).Instance.PrivateIP
	if !start {
		if !aws.Running(name) {
			fmt.Printf("%s is already stopped\n", name)
			return nil
		}
		old := aws.PublicIP(name)
		if err := svc.StopInstance(st, svc.NodesRunner{}, name); err != nil {
			return fmt.Errorf("stop %s: services: %w", name, err)
		}
		if err := nodes.StopNodeProcesses(st, name); err != nil {
			return fmt.Errorf("stop %s: processes: %w", name, err)
		}
		if err := fw.StopInstance(ctx, lab, aws, name, ns, log); err != nil {
			return err
		}
		if err := aws.Save(st.Dir); err != nil {
			return err
		}
		switch pub := aws.PublicIP(name); {
		case old.IsValid() && !pub.IsValid():
			fmt.Printf("%s stopped (private %s; public IP %s released)\n", name, priv, old)
		default:
			fmt.Printf("%s stopped (private %s)\n", name, priv)
		}
		return nil
	}
	if aws.Running(name) {
		fmt.Printf("%s is already running (private %s, public %s)\n", name, priv, publicText(aws, name))
		return nil
	}
	if _, err := fw.StartInstance(ctx, lab, aws, name, ns, log); err != nil {
		return err
	}
	if err := aws.Save(st.Dir); err != nil {
		return err
	}
	if err := svc.StartInstance(ctx, st, svc.NodesRunner{}, name, log); err != nil {
		fmt.Fprintf(os.Stderr, "netemu: %s is on the network but its services did not start\n", name)
		return fmt.Errorf("start %s: services: %w", name, err)
	}
	fmt.Printf("%s started: private %s, public %s\n", name, priv, publicText(aws, name))
	return nil
}

// publicText is an instance's public IP as the tables show it.
func publicText(aws *fw.State, name string) string {
	is := aws.Instances[name]
	switch {
	case is == nil:
		return "-"
	case !is.Running:
		return "stopped"
	case !is.PublicIP.IsValid():
		return "-"
	case is.Elastic:
		return is.PublicIP.String() + " (elastic)"
	}
	return is.PublicIP.String()
}

// awsPublicIP is the PUBLIC IP column of the nodes table ("" for nodes
// that are not instances).
func awsPublicIP(st *nodes.State, node string) string {
	if st.Model == nil {
		return ""
	}
	if n := st.Model.Node(node); n == nil || n.Kind != topo.KindInstance {
		return ""
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return "?"
	}
	return publicText(aws, node)
}
