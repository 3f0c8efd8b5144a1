package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// printJSON writes v as indented JSON, the shape scripts read with -o json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// outputFormat is the -o flag of the read commands. It checks its value
// when the flag is parsed, so no command can forget to.
type outputFormat string

const (
	outputTable outputFormat = "table"
	outputJSON  outputFormat = "json"
	outputUsage              = "output format: table or json"
)

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "format" }

func (o *outputFormat) Set(v string) error {
	switch outputFormat(v) {
	case outputTable, outputJSON:
		*o = outputFormat(v)
		return nil
	}
	return fmt.Errorf("unknown output %q (table or json)", v)
}

// withOutput adds the -o flag to cmd, writing to o.
func withOutput(cmd *cobra.Command, o *outputFormat) *cobra.Command {
	*o = outputTable
	cmd.Flags().VarP(o, "output", "o", outputUsage)
	return cmd
}

// show writes v as JSON with -o json, else calls table.
func show(w io.Writer, o outputFormat, v any, table func() error) error {
	if o == outputJSON {
		return printJSON(w, v)
	}
	return table()
}

// fanOut runs f over ssh and prints each machine's output under its name.
func fanOut(ctx context.Context, w io.Writer, f lab.FanOut, err error) error {
	if err != nil {
		return err
	}
	rs, err := lab.OnMachines(ctx, f)
	lab.WriteMachineResults(w, rs)
	return err
}

// addFanOutFlags adds --all-machines (run the command over ssh where
// usage says) and the hidden --fanned-out the remote commands get, which
// need not tell the user to run them elsewhere too.
func addFanOutFlags(c *cobra.Command, all, fannedOut *bool, usage string) {
	c.Flags().BoolVar(all, "all-machines", false, "run it over ssh ($NETEMU_SSH, default ssh) "+usage)
	c.Flags().BoolVar(fannedOut, "fanned-out", false, "set by --all-machines on the remote commands")
	c.Flags().MarkHidden("fanned-out")
}

// dash is s, or "-" for nothing, as the tables show an empty cell.
func dash(s string) string { return lab.Dash(s) }
