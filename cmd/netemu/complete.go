package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// What a command's positional arguments are, for shell completion
// (`netemu completion bash|zsh|fish`): names come from the labs running
// here and the embedded examples, at the moment of the <TAB>.
const (
	argLab   = "lab"
	argNode  = "node"
	argFile  = "file" // a lab file or an embedded example
	argLink  = "link" // A then B, B among A's neighbours
	argInst  = "instance"
	argRoute = "router"
)

// completions maps a command path (without "netemu ") to what its
// arguments are. Commands not listed keep cobra's default.
var completions = map[string]string{
	"up": argFile, "validate": argFile, "graph": argFile, "placement": argFile,
	"down": argLab, "status": argLab, "wait": argLab, "events": argLab,
	"exec": argNode, "logs": argNode, "routes": argNode, "trace": argNode,
	"bgp": argRoute, "rip": argRoute, "node stop": argRoute, "node start": argRoute,
	"sg": argInst, "ssh": argInst, "instance stop": argInst, "instance start": argInst,
	"link down": argLink, "link up": argLink, "capture": argLink,
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
		states, _ := nodes.ListStates()
		return lab.LabNames(states), cobra.ShellCompDirectiveNoFileComp
	})
}

func completeArgs(kind string) func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		states, _ := nodes.ListStates()
		if l, _ := cmd.Flags().GetString("lab"); l != "" {
			states = slices.DeleteFunc(states, func(st *nodes.State) bool { return st.Lab != strings.Split(l, "@")[0] })
		}
		none := cobra.ShellCompDirectiveNoFileComp
		switch kind {
		case argFile:
			if len(args) > 0 {
				return nil, none
			}
			return topo.Examples(), cobra.ShellCompDirectiveDefault // files too
		case argLab:
			if len(args) > 0 {
				return nil, none
			}
			return lab.LabNames(states), none
		case argLink:
			if len(args) > 1 {
				return nil, none
			}
			return linkEnds(states, args), none
		}
		if len(args) > 0 && kind != argNode {
			return nil, none
		}
		if len(args) > 0 && cmd.Name() != "trace" {
			return nil, cobra.ShellCompDirectiveDefault // exec's command
		}
		return nodesOfKind(states, kind), none
	}
}

// nodesOfKind lists the running nodes a command takes.
func nodesOfKind(states []*nodes.State, kind string) []string {
	var out []string
	for _, st := range states {
		for _, name := range st.Nodes {
			n := st.Model.Node(name)
			switch {
			case n == nil:
			case kind == argRoute && n.Kind != topo.KindRouter:
			case kind == argInst && n.Kind != topo.KindInstance:
			default:
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// linkEnds is the first end of a link (any node with a link), or with
// one argument given the nodes linked to it.
func linkEnds(states []*nodes.State, args []string) []string {
	var out []string
	for _, st := range states {
		if st.Model == nil {
			continue
		}
		for _, ends := range lab.LinkNames(st.Model) {
			switch {
			case len(args) == 0:
				out = append(out, ends[0], ends[1])
			case ends[0] == args[0]:
				out = append(out, ends[1])
			case ends[1] == args[0]:
				out = append(out, ends[0])
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
