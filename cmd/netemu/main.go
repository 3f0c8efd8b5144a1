// Command netemu builds a real network out of Linux namespaces from one HCL
// file and runs real routing daemons and programs inside it.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/netemu/netemu/topo"
)

// globals are the flags every command shares. They are passed to each
// command's constructor instead of living in package variables.
type globals struct {
	logLevel string
	lab      string // which running lab a command acts on ("" = the only one)
}

// logger returns the CLI's logger at the chosen level, writing to stderr.
func (g *globals) logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   "netemu",
		Level:  hclog.LevelFromString(g.logLevel),
		Output: os.Stderr,
	})
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "netemu",
		Short:         "A packet-level network emulator on Linux namespaces",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: trace, debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.lab, "lab", "", "the running lab to act on (default: the only one)")

	for _, c := range commandConstructors {
		root.AddCommand(c(g))
	}
	addK8s(root, g) // k8s.go: the k8s command and --kubeconfig
	return root
}

// commandConstructors lists every subcommand, one line each; the one
// registry of commands.
var commandConstructors = []func(*globals) *cobra.Command{
	newUpCmd,
	newDownCmd,
	newStatusCmd,
	newValidateCmd,
	newExecCmd,
	newSuperviseCmd,
	newSSHCmd,
	newLogsCmd,
	newRoutesCmd,
	newCaptureCmd,
	newGraphCmd,
	newSGCmd,
	newInstanceCmd,
	newAgentCmd,
	newRIPCmd,
	newOSPFCmd,
	newBGPCmd,
	newLinkCmd,
	newNodeCmd,
	newWaitCmd,
	newEventsCmd,
	newTraceCmd,
	newPlacementCmd,
	newRouteWatchCmd,
	newUICmd,
}

func main() {
	if err := newRootCmd().Execute(); err != nil {
		// Diagnostics already start with file:line:col; a prefix would hide it.
		var diags *topo.DiagError
		if errors.As(err, &diags) {
			fmt.Fprintln(os.Stderr, diags.Error())
		} else {
			fmt.Fprintln(os.Stderr, "netemu:", err)
		}
		os.Exit(exitCode(err))
	}
}
