package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/labpath"
)

func newNodeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node stop|start ROUTER",
		Short: "Crash and restore a router's routing agent (failure injection)",
		Long: "Crash and restore a router's routing agent (failure injection): netemu's agent, or\n" +
			"FRR's daemons in a lab with daemons = \"frr\".\n\n" +
			"In a multi-host lab it runs on the router's machine; --all-machines runs it there over ssh.",
	}
	var allMachines bool
	for _, v := range []struct {
		verb, use, short, done string
		do                     func(in *fault.Injector, st *nodes.State, node string) error
	}{
		{"stop", "stop ROUTER", "Kill the router's agent (SIGKILL, no restart); its kernel table stays", "stopped", (*fault.Injector).NodeStop},
		{"start", "start ROUTER", "Start the router's agent again", "started", (*fault.Injector).NodeStart},
	} {
		c := &cobra.Command{
			Use:   v.use,
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if allMachines {
					return nodeOnItsMachine(cmd, g, v.verb, args[0])
				}
				st, err := selectNodeShare(g, args[0])
				if err != nil {
					return elsewhere(g, args[0], err)
				}
				st, unlock, err := lockNodeShare(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				defer unlock()
				if err := v.do(injector(g, st), st, args[0]); err != nil {
					return err
				}
				what := "agent"
				if st.Model != nil && st.Model.Daemons == "frr" {
					what = "FRR daemons"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "node %s: %s %s\n", args[0], what, v.done)
				return nil
			},
		}
		c.Flags().BoolVar(&allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on the machine that runs the router")
		cmd.AddCommand(c)
	}
	return cmd
}

// nodeOnItsMachine runs `node stop|start` over ssh on the router's machine.
func nodeOnItsMachine(cmd *cobra.Command, g *globals, verb, node string) error {
	lab, err := multiHostLab(g)
	if err != nil {
		return err
	}
	n := lab.Node(node)
	if n == nil {
		return fmt.Errorf("lab %s has no node %q", lab.Name, node)
	}
	return onMachines(cmd.Context(), cmd.OutOrStdout(), lab, []string{n.Machine}, "node "+verb+" "+node, nil, func(m string) string {
		return shareCommand(lab.Name, m, []string{"node", verb, node})
	})
}

// elsewhere turns "no share here has the node" into where it runs, when
// a share of the lab here knows it is on another machine.
func elsewhere(g *globals, node string, err error) error {
	st, lerr := labShare(g)
	if lerr != nil || st.Model == nil {
		return err
	}
	n := st.Model.Node(node)
	if n == nil || n.Machine == "" || n.Machine == st.Machine {
		return err
	}
	return fmt.Errorf("node %s runs on machine %s, not here: run the command there (--lab %s), or add --all-machines",
		node, n.Machine, labpath.ShareName(st.Lab, n.Machine))
}
