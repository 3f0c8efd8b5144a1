package main

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

// instanceFlags are instance stop|start's flags (see linkFlags).
type instanceFlags struct {
	allMachines, fannedOut bool
}

func newInstanceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Stop or start an EC2-like instance (its auto public IP changes, an Elastic IP stays)",
		Long: "Stop or start an EC2-like instance (its auto public IP changes, an Elastic IP stays).\n\n" +
			"In a multi-host lab every machine keeps the public IPs of all instances, and each machine\n" +
			"changes only what it runs (the instance, or its VPC's router and gateway): run the command\n" +
			"on every machine, or once with --all-machines (over ssh, in parallel).",
	}
	var f instanceFlags
	for _, v := range []struct {
		use, short string
		start      bool
	}{
		{"stop NAME", "Stop an instance: its programs, its link, its auto public IP", false},
		{"start NAME", "Start a stopped instance; prints its new public IP", true},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return runInstance(cmd.Context(), g, args[0], v.start, f)
			},
		}
		c.Flags().BoolVar(&f.allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on every machine of the lab, in parallel")
		c.Flags().BoolVar(&f.fannedOut, "fanned-out", false, "set by --all-machines on the remote commands")
		c.Flags().MarkHidden("fanned-out")
		cmd.AddCommand(c)
	}
	return cmd
}

// instanceShare is the share instance stop|start acts on: the one --lab
// LAB@MACHINE names, else the one running the instance, else the only
// share of the lab here (which may run just the instance's VPC, or
// neither and keep only the bookkeeping).
func instanceShare(g *globals, name string) (*nodes.State, error) {
	if _, machine := labpath.SplitShareName(g.lab); machine == "" {
		if st, err := selectNodeShare(g, name); err == nil {
			return st, nil
		}
	}
	st, err := selectShare(g, "")
	if err != nil {
		return nil, err
	}
	if n := st.Model.Node(name); n == nil || n.Kind != topo.KindInstance {
		return nil, fmt.Errorf("%s is not an instance of lab %s", name, st.Model.Name)
	}
	return st, nil
}

func runInstance(ctx context.Context, g *globals, name string, start bool, f instanceFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	verb := map[bool]string{false: "stop", true: "start"}[start]
	if f.allMachines {
		lab, err := multiHostLab(g)
		if err != nil {
			return err
		}
		if n := lab.Node(name); n == nil || n.Kind != topo.KindInstance {
			return fmt.Errorf("%s is not an instance of lab %s", name, lab.Name)
		}
		// Every machine, not only those running a part of the instance:
		// each keeps every instance's public IP.
		return onMachines(ctx, os.Stdout, lab, machineNames(lab), "instance "+verb+" "+name, nil, func(m string) string {
			return shareCommand(lab.Name, m, []string{"instance", verb, "--fanned-out", name})
		})
	}
	log := g.logger()
	st, err := instanceShare(g, name)
	if err != nil {
		return err
	}
	st, unlock, err := lockShare(ctx, st)
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
	local := func(node string) bool { return slices.Contains(st.Nodes, node) }
	ns := labNetns(lab.Name)
	priv := lab.Node(name).Instance.PrivateIP
	if !f.fannedOut {
		if others := instanceOthers(lab, st.Machine); len(others) > 0 {
			defer fmt.Fprintf(os.Stderr, "netemu: %s\n", instanceHint(lab, name, verb, st.Machine, others))
		}
	}
	if !start {
		if !aws.Running(name) {
			fmt.Printf("%s is already stopped\n", name)
			return nil
		}
		old := aws.PublicIP(name)
		elastic := aws.Instances[name] != nil && aws.Instances[name].Elastic
		if local(name) {
			if err := svc.StopInstance(st, svc.NodesRunner{}, name); err != nil {
				return fmt.Errorf("stop %s: services: %w", name, err)
			}
			if err := nodes.StopNodeProcesses(st, name); err != nil {
				return fmt.Errorf("stop %s: processes: %w", name, err)
			}
		}
		if err := fw.StopInstanceHere(ctx, lab, aws, name, ns, local, log); err != nil {
			return err
		}
		if err := aws.Save(st.Dir); err != nil {
			return err
		}
		switch pub := aws.PublicIP(name); {
		case old.IsValid() && elastic:
			// As on AWS, an Elastic IP stays with the stopped instance.
			fmt.Printf("%s stopped (private %s; Elastic IP %s kept for its next start)\n", name, priv, old)
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
	if _, err := fw.StartInstanceHere(ctx, lab, aws, name, ns, local, log); err != nil {
		return err
	}
	if err := aws.Save(st.Dir); err != nil {
		return err
	}
	if local(name) {
		if err := svc.StartInstance(ctx, st, svc.NodesRunner{}, name, log); err != nil {
			fmt.Fprintf(os.Stderr, "netemu: %s is on the network but its services did not start\n", name)
			return fmt.Errorf("start %s: services: %w", name, err)
		}
	}
	fmt.Printf("%s started: private %s, public %s\n", name, priv, publicText(aws, name))
	return nil
}

// instanceOthers lists the lab's machines other than this one.
func instanceOthers(lab *topo.Lab, machine string) []string {
	var out []string
	for _, m := range machineNames(lab) {
		if m != machine {
			out = append(out, m)
		}
	}
	return out
}

// instanceHint tells the user which machines must run the same command:
// all of them keep the public IP bookkeeping, and the instance and its
// VPC's router may each be on another one.
func instanceHint(lab *topo.Lab, name, verb, machine string, others []string) string {
	inst := lab.Node(name)
	where := fmt.Sprintf("%s runs on %s", name, inst.Machine)
	if vpc := lab.VPC(inst.VPC); vpc != nil {
		if r := lab.Node(vpc.Router); r != nil {
			where += fmt.Sprintf(", its VPC %s on %s", vpc.Name, r.Machine)
		}
	}
	return fmt.Sprintf("instance %s %s done on %s only (%s; every machine keeps each instance's public IP): run the same command on %s too, or use --all-machines",
		verb, name, machine, where, machineList(others))
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
