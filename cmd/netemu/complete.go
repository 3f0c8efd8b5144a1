package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

// completions maps a command path (without "netemu ") to what its
// positional arguments are, for shell completion (`netemu completion
// bash|zsh|fish`); names come from the labs running here and the embedded
// examples at the moment of the <TAB>. Commands not listed keep cobra's
// default.
var completions = map[string]string{
	"up": lab.ArgFile, "validate": lab.ArgFile, "graph": lab.ArgFile, "placement": lab.ArgFile,
	"down": lab.ArgLab, "status": lab.ArgLab, "wait": lab.ArgLab, "events": lab.ArgLab,
	"exec": lab.ArgNode, "logs": lab.ArgNode, "routes": lab.ArgNode, "trace": lab.ArgNode,
	"bgp": lab.ArgRouter, "rip": lab.ArgRouter, "node stop": lab.ArgRouter, "node start": lab.ArgRouter,
	"sg": lab.ArgInstance, "ssh": lab.ArgInstance, "instance stop": lab.ArgInstance, "instance start": lab.ArgInstance,
	"link down": lab.ArgLinkEnd, "link up": lab.ArgLinkEnd, "capture": lab.ArgLinkEnd,
	"link set": lab.ArgLinkEnd, "ospf": lab.ArgRouter, "bfd": lab.ArgRouter, "ui": lab.ArgLab,
}

// addCompletions sets the completion of every command in completions and
// of --lab.
func addCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
		if kind, ok := completions[path]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeArgs(kind)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	_ = root.RegisterFlagCompletionFunc("lab", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return lab.Candidates(lab.ArgLab, "", nil), cobra.ShellCompDirectiveNoFileComp
	})
}

func completeArgs(kind string) func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		none := cobra.ShellCompDirectiveNoFileComp
		max := 1 // trace A B: B is a node too; a link's two ends
		switch kind {
		case lab.ArgLinkEnd:
			max = 2
		case lab.ArgNode:
			if cmd.Name() == "trace" {
				max = 2
			} else if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveDefault // exec's, logs' own arguments
			}
		}
		if len(args) >= max {
			return nil, none
		}
		flag, _ := cmd.Flags().GetString("lab")
		dir := none
		if kind == lab.ArgFile {
			dir = cobra.ShellCompDirectiveDefault // files too
		}
		return lab.Candidates(kind, flag, args), dir
	}
}
