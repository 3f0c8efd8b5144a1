package fw

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/netemu/netemu/topo"
)

// Counter is a rule's packet and byte counters.
type Counter struct {
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
}

// ParseCounters reads `iptables-save -c` output and returns, per chain of
// the given table, the counters of its rules in order.
func ParseCounters(save, table string) (map[string][]Counter, error) {
	out := map[string][]Counter{}
	in := false
	sc := bufio.NewScanner(strings.NewReader(save))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "*"):
			in = line[1:] == table
			continue
		case line == "COMMIT":
			in = false
			continue
		case !in:
			continue
		case strings.HasPrefix(line, ":"):
			f := strings.Fields(line[1:])
			if len(f) > 0 {
				if _, ok := out[f[0]]; !ok {
					out[f[0]] = nil
				}
			}
			continue
		}
		// "[pkts:bytes] -A CHAIN ..."
		if !strings.HasPrefix(line, "[") {
			return nil, fmt.Errorf("line %d: rule without counters (was it saved with -c?): %q", n, line)
		}
		end := strings.IndexByte(line, ']')
		if end < 0 {
			return nil, fmt.Errorf("line %d: unterminated counters: %q", n, line)
		}
		pk, by, ok := strings.Cut(line[1:end], ":")
		if !ok {
			return nil, fmt.Errorf("line %d: bad counters %q", n, line[:end+1])
		}
		var c Counter
		var err error
		if c.Packets, err = strconv.ParseUint(pk, 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: packets: %w", n, err)
		}
		if c.Bytes, err = strconv.ParseUint(by, 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: bytes: %w", n, err)
		}
		f := strings.Fields(line[end+1:])
		if len(f) < 2 || f[0] != "-A" {
			return nil, fmt.Errorf("line %d: expected -A CHAIN: %q", n, line)
		}
		out[f[1]] = append(out[f[1]], c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// EffectiveRule is one line of `netemu sg NODE`.
type EffectiveRule struct {
	// Kind is "sg" (a security group rule), "acl" (a network ACL rule),
	// "drop" (the instance's final drop) or "check" (source/destination
	// check).
	Kind      string `json:"kind"`
	Group     string `json:"group,omitempty"`
	Direction string `json:"direction"`
	Number    int    `json:"number,omitempty"`
	// Rule is the rule in words, with the member address for a group
	// reference.
	Rule string `json:"rule"`
	// Inactive is set on a group reference with no running member.
	Inactive bool   `json:"inactive,omitempty"`
	Chain    string `json:"chain"`
	Counter
}

// Effective lists the rules that decide an instance's traffic, in
// evaluation order per direction, with the counters read from the kernel
// (nil counters: all zero). Security group chains are shared by the
// group's members, so their counters add up every member's traffic; the
// final drop and the source check are the instance's own.
func Effective(lab *topo.Lab, st *State, instance string, counters map[string][]Counter) ([]EffectiveRule, error) {
	n := lab.Node(instance)
	if n == nil || n.Kind != topo.KindInstance || n.Instance == nil {
		return nil, fmt.Errorf("%q is not an instance of lab %s", instance, lab.Name)
	}
	vpc := lab.VPC(n.VPC)
	if vpc == nil {
		return nil, fmt.Errorf("instance %q: unknown VPC %q", instance, n.VPC)
	}
	filter, err := VPCRouterFilter(lab, vpc, st)
	if err != nil {
		return nil, err
	}
	// Map each generated rule to its counter; the kernel's chain must
	// hold exactly the enabled rules we generated.
	count := func(c *Chain) ([]Counter, error) {
		enabled := 0
		for _, r := range c.Rules {
			if !r.Disabled {
				enabled++
			}
		}
		if counters == nil {
			return make([]Counter, enabled), nil
		}
		got, ok := counters[c.Name]
		if !ok || len(got) != enabled {
			return nil, fmt.Errorf("chain %s in the VPC router has %d rules, the lab's model %d: the rules were changed outside netemu (restart the instance or the lab to re-apply)", c.Name, len(got), enabled)
		}
		return got, nil
	}
	var out []EffectiveRule
	emit := func(chainName string, keep func(Rule) bool) error {
		c := filter.Chain(chainName)
		if c == nil {
			return fmt.Errorf("no chain %s in the generated ruleset", chainName)
		}
		cs, err := count(c)
		if err != nil {
			return err
		}
		i := 0
		for _, r := range c.Rules {
			var ctr Counter
			if !r.Disabled {
				ctr = cs[i]
				i++
			}
			if !keep(r) {
				continue
			}
			text := r.Ref.Text
			if _, after, ok := strings.Cut(r.Comment, ": "); ok && r.Ref.Kind == "sg" {
				text = after
			}
			out = append(out, EffectiveRule{
				Kind: r.Ref.Kind, Group: r.Ref.Group, Direction: r.Ref.Direction, Number: r.Ref.Number,
				Rule: text, Inactive: r.Disabled, Chain: c.Name, Counter: ctr,
			})
		}
		return nil
	}
	port := ""
	var subnet *topo.Subnet
	ports, err := Ports(lab, vpc)
	if err != nil {
		return nil, err
	}
	for _, p := range ports {
		if p.Instance.Name == instance {
			port, subnet = p.Iface, p.Subnet
		}
	}
	isMine := func(r Rule) bool {
		return r.Ref.Kind == "check" && len(r.Match) > 1 && r.Match[1] == port
	}
	for _, dir := range []string{"ingress", "egress"} {
		if dir == "egress" {
			if err := emit("FORWARD", isMine); err != nil {
				return nil, err
			}
		}
		if subnet != nil && subnet.NetworkACL != "" {
			aclDir := "inbound"
			if dir == "egress" {
				aclDir = "outbound"
			}
			if err := emit(ACLChain(subnet.NetworkACL, aclDir), func(Rule) bool { return true }); err != nil {
				return nil, err
			}
		}
		for _, g := range n.Instance.SecurityGroups {
			if err := emit(SGChain(g, dir), func(Rule) bool { return true }); err != nil {
				return nil, err
			}
		}
		if err := emit(InstanceChain(instance, dir), func(r Rule) bool { return r.Ref.Kind != "" }); err != nil {
			return nil, err
		}
	}
	return out, nil
}
