// Command netemu builds a real network out of Linux namespaces from one HCL
// file and runs real routing daemons and programs inside it.
package main

import (
	"errors"
	"fmt"
	"io"
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
func (g *globals) logger() hclog.Logger { return g.loggerNamed("netemu") }

// loggerNamed is logger for a program of its own (agent, delay line).
func (g *globals) loggerNamed(name string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.LevelFromString(g.logLevel), Output: os.Stderr})
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "netemu",
		Short:         "A packet-level network emulator on Linux namespaces",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = g.versionLine()
	root.SetVersionTemplate("{{.Version}}\n")
	// A flag cobra cannot parse is a usage error (exit 2).
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: trace, debug, info, warn, error")
	root.PersistentFlags().StringVar(&g.lab, "lab", "", "the running lab to act on (default: the only one)")

	for _, c := range commandConstructors {
		root.AddCommand(c(g))
	}
	addK8s(root, g) // k8s.go: the k8s command and --kubeconfig
	usageArgs(root)
	addCompletions(root)
	return root
}

// usageArgs makes every command's argument check a usage error (exit 2).
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error { return usage(check(cmd, args)) }
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
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
	newBFDCmd,
	newBGPCmd,
	newLinkCmd,
	newNodeCmd,
	newWaitCmd,
	newEventsCmd,
	newTraceCmd,
	newPlacementCmd,
	newRouteWatchCmd,
	newUICmd,
	newVersionCmd,
	newExamplesCmd,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run runs one command line and returns the exit status (README "Exit
// codes"), having printed the error, if any, to stderr.
func run(args []string, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	// Diagnostics already start with file:line:col; a prefix would hide it.
	var diags *topo.DiagError
	switch {
	case errors.Is(err, errReported):
	case errors.As(err, &diags):
		fmt.Fprintln(stderr, diags.Error())
	default:
		fmt.Fprintln(stderr, "netemu:", friendly(err))
		if exitCode(err) == exitUsage && !errors.Is(err, errInterrupted) {
			fmt.Fprintln(stderr, "(see `netemu help` or `netemu COMMAND --help`)")
		}
	}
	return exitCode(err)
}
