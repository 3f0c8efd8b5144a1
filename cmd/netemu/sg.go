package main

import (
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/topo"
)

// sgJSON is `netemu sg NODE -o json`.
type sgJSON struct {
	Lab       string             `json:"lab"`
	Instance  string             `json:"instance"`
	PrivateIP string             `json:"private_ip"`
	PublicIP  string             `json:"public_ip,omitempty"`
	Rules     []fw.EffectiveRule `json:"rules"`
}

func newSGCmd(g *globals) *cobra.Command {
	output := outputTable
	cmd := &cobra.Command{
		Use:   "sg INSTANCE",
		Short: "An instance's effective security group and network ACL rules with packet/byte counters",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			st, err := selectNodeShare(g, name)
			if err != nil {
				return err
			}
			lab := st.Model
			n := lab.Node(name)
			if n == nil || n.Kind != topo.KindInstance {
				return fmt.Errorf("%s is not an instance of lab %s (security groups belong to instances)", name, lab.Name)
			}
			vpc := lab.VPC(n.VPC)
			if vpc == nil {
				return fmt.Errorf("instance %s: unknown VPC %q", name, n.VPC)
			}
			aws, err := fw.LoadState(st.Dir)
			if err != nil {
				return err
			}
			if aws.Backend == "" {
				return fmt.Errorf("lab %s has no security group rules yet (the firewall stage of `up` did not run)", lab.Name)
			}
			save, err := fw.Save(cmd.Context(), aws.Backend, labNetns(lab.Name)(vpc.Router), "filter")
			if err != nil {
				return err
			}
			counters, err := fw.ParseCounters(save, "filter")
			if err != nil {
				return fmt.Errorf("read counters of %s: %w", vpc.Router, err)
			}
			rules, err := fw.Effective(lab, aws, name, counters)
			if err != nil {
				return err
			}
			if output == "json" {
				out := sgJSON{Lab: lab.Name, Instance: name, PrivateIP: n.Instance.PrivateIP.String(), Rules: rules}
				if pub := aws.PublicIP(name); pub.IsValid() {
					out.PublicIP = pub.String()
				}
				return printJSON(os.Stdout, out)
			}
			fmt.Printf("%s: private %s, public %s, groups %v\n", name, n.Instance.PrivateIP, publicText(aws, name), n.Instance.SecurityGroups)
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DIRECTION\tSOURCE\t#\tRULE\tPACKETS\tBYTES")
			for _, r := range rules {
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
	}
	cmd.Flags().VarP(&output, "output", "o", outputUsage)
	return cmd
}
