package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/netemu/netemu/lab"
	"github.com/spf13/cobra"
)

// newCaptureCmd is `netemu capture A B`: tcpdump on A's end of the link
// to B, written as a pcap file (or to stdout, for `| wireshark -k -i -`).
func newCaptureCmd(g *globals) *cobra.Command {
	var (
		file  string
		count int
	)
	cmd := &cobra.Command{
		Use:   "capture A B [-- FILTER…]",
		Short: "Capture a link's packets with tcpdump, to a pcap file (Ctrl-C stops)",
		Long: "Runs tcpdump inside node A on its interface towards B and writes the packets as pcap,\n" +
			"by default to A-B.pcap in the current directory; -w - writes them to stdout.\n" +
			"An end may be NODE:IFACE when two nodes share several links. Words after -- are a\n" +
			"tcpdump filter, e.g. `netemu capture home-core transit-a -- tcp port 179`.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, b := args[0], args[1]
			p, err := lab.PlanCapture(g.lab, a, b, count, args[2:])
			if err != nil {
				return err
			}
			if file == "" {
				file = p.CaptureFile(b)
			}
			// Ctrl-C reaches tcpdump too (same process group); let it close
			// the capture and wait for it instead of dying first.
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			err = p.RunTo(file, b, os.Stdout, os.Stderr)
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				return &exitError{code: ee.ExitCode(), err: err}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "write", "w", "", "pcap file (default A-B.pcap; - for stdout)")
	cmd.Flags().IntVarP(&count, "count", "c", 0, "stop after this many packets")
	return cmd
}
