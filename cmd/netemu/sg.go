package main

import (
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
)

func newSGCmd(g *globals) *cobra.Command {
	var output outputFormat
	return withOutput(&cobra.Command{
		Use:   "sg INSTANCE",
		Short: "An instance's effective security group and network ACL rules with packet/byte counters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			st, err := selectNodeShare(g, name)
			if err != nil {
				return err
			}
			v, err := lab.SecurityGroups(cmd.Context(), st, name)
			if err != nil {
				return err
			}
			if output == outputJSON {
				return printJSON(os.Stdout, v)
			}
			n := v.Node
			fmt.Printf("%s: private %s, public %s, groups %v\n", name, n.Instance.PrivateIP, lab.PublicText(v.AWS, name), n.Instance.SecurityGroups)
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DIRECTION\tSOURCE\t#\tRULE\tPACKETS\tBYTES")
			for _, r := range v.Rules {
				src, num := r.Group, "-"
				switch r.Kind {
				case "drop":
					src = "(instance)"
				case "check":
					src, r.Rule = "(instance)", "source check: drop "+r.Rule
				case "acl":
					src = "acl " + r.Group
				}
				if r.Number > 0 {
					num = strconv.Itoa(r.Number)
				}
				text := r.Rule
				if r.Inactive {
					text += " [inactive]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", r.Direction, src, num, text, r.Packets, r.Bytes)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Println("(security group counters add up all members of the group; replies pass by conntrack and are not counted here)")
			return nil
		},
	}, &output)
}
