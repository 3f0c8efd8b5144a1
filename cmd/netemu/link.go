package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
)

// injector is the fault injector of a running share.
func injector(g *globals, st *nodes.State) *fault.Injector {
	return &fault.Injector{Lab: st.Model, StateDir: st.Dir, Machine: st.Machine, Log: g.logger()}
}

// linkFlags are link down|up's flags. fannedOut is set on the commands
// --all-machines runs on each machine, which need not tell the user to
// run them elsewhere too.
type linkFlags struct {
	silent, allMachines, fannedOut bool
}

func newLinkCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "link down|up A B",
		Short: "Cut or restore a link (failure injection)",
		Long: "link down A B cuts the link between nodes A and B: both ends lose carrier.\n" +
			"link down A B --silent drops every packet on the link but keeps the carrier, so only\n" +
			"hold timers and route timeouts notice. link up A B removes either fault.\n" +
			"An end may be NODE:IFACE when two nodes share several links.\n\n" +
			"In a multi-host lab a link between two machines is a VXLAN tunnel: each machine changes\n" +
			"only its own end (a cut end's far side keeps its carrier; a silent end drops both what it\n" +
			"sends and what it receives). --all-machines runs the command over ssh on every machine\n" +
			"that holds an end.",
	}
	var f linkFlags
	down := &cobra.Command{
		Use:   "down A B",
		Short: "Cut the link between A and B (carrier lost on both ends, or --silent)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLink(cmd.Context(), g, cmd.OutOrStdout(), "down", args[0], args[1], f)
		},
	}
	down.Flags().BoolVar(&f.silent, "silent", false, "drop every packet but keep the carrier")
	up := &cobra.Command{
		Use:   "up A B",
		Short: "Restore the link between A and B",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLink(cmd.Context(), g, cmd.OutOrStdout(), "up", args[0], args[1], f)
		},
	}
	for _, c := range []*cobra.Command{down, up} {
		c.Flags().BoolVar(&f.allMachines, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) on every machine that holds an end of the link, in parallel")
		c.Flags().BoolVar(&f.fannedOut, "fanned-out", false, "set by --all-machines on the remote commands")
		c.Flags().MarkHidden("fanned-out")
	}
	cmd.AddCommand(down, up)
	return cmd
}

// runLink is `link down|up A B` on this machine's share, or with
// --all-machines on every machine holding an end.
func runLink(ctx context.Context, g *globals, w io.Writer, verb, a, b string, f linkFlags) error {
	if f.allMachines {
		return linkAllMachines(ctx, g, w, verb, a, b, f.silent)
	}
	st, unlock, err := selectLockedShare(ctx, g)
	if err != nil {
		return err
	}
	defer unlock()
	sp, err := fault.SplitLink(st.Model, st.Machine, a, b)
	if err != nil {
		return err
	}
	in := injector(g, st)
	if verb == "down" {
		err = in.LinkDown(a, b, f.silent)
	} else {
		err = in.LinkUp(a, b)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(w, linkDone(verb, a, b, f.silent, sp, st.Machine))
	if sp.Cross() && !f.fannedOut {
		fmt.Fprintln(os.Stderr, "netemu: "+farEndHint(verb, f.silent, sp, st.Machine))
	}
	return nil
}

// linkDone is the one-line report of a link change on this machine.
func linkDone(verb, a, b string, silent bool, sp fault.Split, machine string) string {
	how := "carrier lost on both ends"
	switch {
	case verb == "up":
		how = ""
	case silent && sp.Cross():
		how = "silent: every packet dropped here in both directions, carrier kept"
	case silent:
		how = "silent: every packet dropped, carrier kept"
	case sp.Cross():
		how = "carrier lost on this machine's end"
	}
	where := ""
	if sp.Cross() {
		where = " on " + machine
	}
	if how != "" {
		how = " (" + how + ")"
	}
	return fmt.Sprintf("link %s–%s %s%s%s", a, b, verb, where, how)
}

// farEndHint tells the user what this machine could not do: the far end
// of a tunnel is another machine's, and its faults file (what `events`
// and `wait` read there) knows nothing of this change.
func farEndHint(verb string, silent bool, sp fault.Split, machine string) string {
	far := sp.Remote[0]
	l := sp.Link.A.Node + "–" + sp.Link.B.Node
	var what string
	switch {
	case verb == "up":
		what = fmt.Sprintf("repaired here on %s only; a fault injected on %s stays until it is repaired there, and %s's events still show it",
			machine, far.Machine, far.Machine)
	case silent:
		what = fmt.Sprintf("silenced here on %s in both directions; %s's end on %s still sends and its routers notice by hold timer, but %s's events do not show the fault",
			machine, far.Node, far.Machine, far.Machine)
	default:
		what = fmt.Sprintf("cut here on %s; %s's end on %s keeps its carrier (its routers notice by hold timer)",
			machine, far.Node, far.Machine)
	}
	return fmt.Sprintf("%s is a tunnel to %s: %s — run the same command on %s, or use --all-machines", l, far.Machine, what, far.Machine)
}

// linkAllMachines runs `link down|up` over ssh on each machine that holds
// an end of the link, each acting on its own end and recording the fault
// in its own faults file.
func linkAllMachines(ctx context.Context, g *globals, w io.Writer, verb, a, b string, silent bool) error {
	lab, err := multiHostLab(g)
	if err != nil {
		return err
	}
	l, err := fault.FindLink(lab, a, b)
	if err != nil {
		return err
	}
	args := []string{"link", verb, "--fanned-out", a, b}
	if silent {
		args = append(args, "--silent")
	}
	machines := fault.Split{Link: l}.Machines(lab)
	return onMachines(ctx, w, lab, machines, fmt.Sprintf("link %s %s %s", verb, a, b), nil, func(m string) string {
		return shareCommand(lab.Name, m, args)
	})
}

// machineList is "m1, m2 and m3".
func machineList(ms []string) string {
	if len(ms) <= 1 {
		return strings.Join(ms, "")
	}
	return strings.Join(ms[:len(ms)-1], ", ") + " and " + ms[len(ms)-1]
}
