package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
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
			node, iface := p.Node, p.Iface
			if file == "" {
				file = fmt.Sprintf("%s-%s.pcap", node, strings.ReplaceAll(b, ":", "-"))
			}
			var out io.Writer = os.Stdout
			if file != "-" {
				f, err := os.Create(file)
				if err != nil {
					return fmt.Errorf("capture: %w", err)
				}
				defer f.Close()
				out = f
				fmt.Fprintf(os.Stderr, "capturing on %s %s (link to %s) into %s; Ctrl-C stops\n", node, iface, b, file)
			}
			// Ctrl-C reaches tcpdump too (same process group); let it close
			// the capture and wait for it instead of dying first.
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			err = p.Run(out, os.Stderr)
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
