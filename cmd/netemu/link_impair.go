package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes/impair"
)

// addImpairCmds adds `link set`, `link show` and the hidden `link
// delay-line` (the delay line a lab runs in a node) to the link command.
func addImpairCmds(g *globals, link *cobra.Command) {
	link.AddCommand(newLinkSetCmd(g), newLinkShowCmd(g), newDelayLineCmd(g))
}

func newLinkSetCmd(g *globals) *cobra.Command {
	var clear bool
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "set A B [--delay D] [--jitter D] [--loss P] [--duplicate P] [--reorder P] [--corrupt P] [--rate R] | --clear",
		Short: "Change a link's delay, jitter, loss, duplication, reordering, corruption or rate while the lab runs",
		Long: "link set A B changes the impairments of the link between A and B, each direction (as Mininet's\n" +
			"TCLink: --delay 40ms on a link gives a ping across it about 80 ms). Settings not given keep\n" +
			"their value; --clear makes the link a plain wire. netem does the work where the kernel has it,\n" +
			"else netemu's own path (see `link show`). Percentages are like 1% or 0.1; rates like 10mbit.",
		Example: "  netemu link set home-core transit-a --delay 40ms --jitter 5ms --loss 1% --rate 10mbit\n" +
			"  netemu link set home-core transit-a --clear",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			ch, err := impair.ParseChange(func(name string) (string, bool) {
				v, _ := f.GetString(name)
				return v, f.Changed(name)
			})
			if err != nil {
				return err
			}
			if clear == !ch.IsZero() {
				return fmt.Errorf("give --clear or at least one of --delay, --jitter, --loss, --duplicate, --reorder, --corrupt, --rate (not both)")
			}
			li, err := lab.SetImpair(cmd.Context(), lab.ImpairOptions{Lab: g.lab, A: args[0], B: args[1], Change: ch, Clear: clear, Log: g.logger()})
			if err != nil {
				return err
			}
			return show(cmd.OutOrStdout(), out, li.Report(), func() error {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), li)
				return err
			})
		},
	}
	withOutput(cmd, &out)
	f := cmd.Flags()
	f.String("delay", "", "added delay, each direction (e.g. 40ms)")
	f.String("jitter", "", "delay varies uniformly by up to this, around --delay (e.g. 5ms)")
	f.String("loss", "", "packets dropped, percent (e.g. 1%)")
	f.String("duplicate", "", "packets sent twice, percent")
	f.String("reorder", "", "packets sent at once, ahead of the delayed ones, percent (needs a delay)")
	f.String("corrupt", "", "packets with one bit flipped, percent")
	f.String("rate", "", "rate limit (e.g. 10mbit, 1gbit)")
	f.String("bandwidth", "", "another name for --rate")
	f.BoolVar(&clear, "clear", false, "remove every impairment of the link")
	return cmd
}

func newLinkShowCmd(g *globals) *cobra.Command {
	var out outputFormat
	cmd := &cobra.Command{
		Use:   "show",
		Short: "List the links with impairments: what is set, and which mechanism does it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := lab.ShowImpair(lab.Query{Lab: g.lab})
			if err != nil {
				return err
			}
			return show(cmd.OutOrStdout(), out, s.Report(), func() error { return s.WriteText(cmd.OutOrStdout()) })
		},
	}
	return withOutput(cmd, &out)
}

// newDelayLineCmd is the hidden `netemu link delay-line`, run supervised
// inside a node by `link set` and `up`: netemu's own delay line for one
// link end on a kernel without netem.
func newDelayLineCmd(g *globals) *cobra.Command {
	var o impair.LineOptions
	var reorder, dup, corrupt string
	cmd := &cobra.Command{
		Use:    "delay-line --iface IFACE --tap TAP [--delay D --jitter D --reorder P --duplicate P --corrupt P]",
		Short:  "Run the delay line of one link end (started by `netemu up` and `link set`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = g.loggerNamed("delay-line")
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return lab.DelayLine(ctx, o, reorder, dup, corrupt)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Iface, "iface", "", "the link end")
	f.StringVar(&o.Tap, "tap", "", "the TAP its egress program redirects to")
	f.DurationVar(&o.Config.Delay, "delay", 0, "delay")
	f.DurationVar(&o.Config.Jitter, "jitter", 0, "jitter")
	f.StringVar(&reorder, "reorder", "0", "percent sent at once")
	f.StringVar(&dup, "duplicate", "0", "percent duplicated")
	f.StringVar(&corrupt, "corrupt", "0", "percent corrupted")
	_ = cmd.MarkFlagRequired("iface")
	_ = cmd.MarkFlagRequired("tap")
	return cmd
}
