package fw

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"

	"github.com/netemu/netemu/topo"
)

// Chain names on the VPC router. Security groups get one chain per group and
// direction, instances one per direction, ACLs one per ACL and direction.
const (
	// chainToDest is entered once a packet may leave its source: it checks
	// the destination instance's ingress rules, or accepts traffic towards
	// the internet gateway.
	chainToDest = "to-dest"
)

// SGChain is the chain holding a security group's rules for one direction
// ("ingress" or "egress").
func SGChain(group, direction string) string {
	return chainName("sg-", group, dirSuffix(direction))
}

// InstanceChain is the chain an instance's port jumps to for one direction:
// it tries each of the instance's groups, then drops.
func InstanceChain(instance, direction string) string {
	return chainName("i-", instance, dirSuffix(direction))
}

// ACLChain is the chain of a network ACL for "inbound" or "outbound".
func ACLChain(acl, direction string) string {
	return chainName("acl-", acl, dirSuffix(direction))
}

func dirSuffix(direction string) string {
	switch direction {
	case "ingress", "inbound":
		return "-in"
	default:
		return "-out"
	}
}

// Port is an instance's port on its VPC router.
type Port struct {
	Instance *topo.Node
	// Iface is the VPC router's interface towards the instance.
	Iface string
	// InstanceIface is the instance's own interface.
	InstanceIface string
	Subnet        *topo.Subnet
}

// Ports returns the VPC's instance ports in file order.
func Ports(lab *topo.Lab, vpc *topo.VPC) ([]Port, error) {
	router := lab.Node(vpc.Router)
	if router == nil {
		return nil, fmt.Errorf("vpc %q: no VPC router node %q in the model", vpc.Name, vpc.Router)
	}
	var out []Port
	for _, n := range Instances(lab, vpc.Name) {
		p := Port{Instance: n, Subnet: lab.Subnet(n.Instance.Subnet)}
		for _, i := range router.Interfaces {
			if i.Peer == n.Name {
				p.Iface, p.InstanceIface = i.Name, i.PeerIface
				break
			}
		}
		if p.Iface == "" {
			return nil, fmt.Errorf("vpc %q: instance %q has no port on %s", vpc.Name, n.Name, vpc.Router)
		}
		if p.Subnet == nil {
			return nil, fmt.Errorf("instance %q: unknown subnet %q", n.Name, n.Instance.Subnet)
		}
		out = append(out, p)
	}
	return out, nil
}

// Members returns the private IPs of the running instances in a security
// group, in file order: what a rule referencing the group matches now.
func Members(lab *topo.Lab, st *State, group string) []netip.Addr {
	var out []netip.Addr
	for _, n := range lab.Nodes {
		if n.Kind != topo.KindInstance || n.Instance == nil || !st.Running(n.Name) {
			continue
		}
		if slices.Contains(n.Instance.SecurityGroups, group) {
			out = append(out, n.Instance.PrivateIP)
		}
	}
	return out
}

// VPCRouterFilter generates the VPC router's whole filter table: network
// ACLs at the subnets' edges (stateless, first), then conntrack (replies
// always pass), then the source instance's egress rules and the destination
// instance's ingress rules. Everything not allowed is dropped, never
// refused. The rules live in the VPC router, outside the instances, so
// nothing done as root inside an instance changes them.
func VPCRouterFilter(lab *topo.Lab, vpc *topo.VPC, st *State) (*Table, error) {
	ports, err := Ports(lab, vpc)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: "filter"}
	t.add("INPUT", "ACCEPT")
	fwd := t.add("FORWARD", "DROP")
	t.add("OUTPUT", "ACCEPT")

	// AWS's source/destination check: an instance sends only from its own
	// address.
	for _, p := range ports {
		fwd.add(Rule{
			Match:   []string{"-i", p.Iface, "!", "-s", hostPrefix(p.Instance.Instance.PrivateIP)},
			Target:  []string{"-j", "DROP"},
			Comment: p.Instance.Name + ": source/destination check",
			Ref:     RuleRef{Kind: "check", Direction: "egress", Text: "not from " + p.Instance.Instance.PrivateIP.String()},
		})
	}

	// Network ACLs apply where traffic crosses a subnet's boundary, before
	// conntrack: they are stateless.
	var acls []string
	for _, p := range ports {
		if p.Subnet.NetworkACL == "" {
			continue
		}
		acl := p.Subnet.NetworkACL
		if findACL(lab, acl) == nil {
			return nil, fmt.Errorf("subnet %q: unknown network ACL %q", p.Subnet.Name, acl)
		}
		if !slices.Contains(acls, acl) {
			acls = append(acls, acl)
		}
		cidr := p.Subnet.CIDR.Masked().String()
		fwd.add(Rule{
			Match:   []string{"-o", p.Iface, "!", "-s", cidr},
			Target:  []string{"-j", ACLChain(acl, "inbound")},
			Comment: fmt.Sprintf("%s: subnet %s inbound network ACL %s", p.Instance.Name, p.Subnet.Name, acl),
		})
		fwd.add(Rule{
			Match:   []string{"-i", p.Iface, "!", "-d", cidr},
			Target:  []string{"-j", ACLChain(acl, "outbound")},
			Comment: fmt.Sprintf("%s: subnet %s outbound network ACL %s", p.Instance.Name, p.Subnet.Name, acl),
		})
	}

	fwd.add(Rule{
		Match:   []string{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"},
		Target:  []string{"-j", "ACCEPT"},
		Comment: "stateful: replies to allowed traffic",
	})
	fwd.add(Rule{
		Match:   []string{"-m", "conntrack", "--ctstate", "INVALID"},
		Target:  []string{"-j", "DROP"},
		Comment: "conntrack: invalid",
	})
	for _, p := range ports {
		fwd.add(Rule{
			Match:  []string{"-i", p.Iface},
			Target: []string{"-j", InstanceChain(p.Instance.Name, "egress")},
		})
	}
	fwd.add(Rule{Target: []string{"-j", chainToDest}, Comment: "not from an instance: check the destination"})

	toDest := t.add(chainToDest, "")
	for _, p := range ports {
		toDest.add(Rule{
			Match:  []string{"-o", p.Iface},
			Target: []string{"-j", InstanceChain(p.Instance.Name, "ingress")},
		})
	}
	toDest.add(Rule{Target: []string{"-j", "ACCEPT"}, Comment: "towards the internet gateway"})

	for _, p := range ports {
		name := p.Instance.Name
		groups := p.Instance.Instance.SecurityGroups
		for _, dir := range []string{"ingress", "egress"} {
			c := t.add(InstanceChain(name, dir), "")
			for _, g := range groups {
				c.add(Rule{Target: []string{"-j", SGChain(g, dir)}})
			}
			if dir == "egress" && len(groups) == 0 {
				c.add(Rule{
					Target:  []string{"-j", chainToDest},
					Comment: name + ": no security group: all outbound allowed",
					Ref:     RuleRef{Kind: "sg", Direction: dir, Text: "all to 0.0.0.0/0 (no security group)"},
				})
				continue
			}
			c.add(Rule{
				Target:  []string{"-j", "DROP"},
				Comment: fmt.Sprintf("%s %s: no rule matched: drop", name, dir),
				Ref:     RuleRef{Kind: "drop", Direction: dir, Text: "no rule matched: drop"},
			})
		}
	}

	for _, g := range lab.SecurityGroups {
		if g.VPC != vpc.Name {
			continue
		}
		in := t.add(SGChain(g.Name, "ingress"), "")
		for i, r := range g.Ingress {
			rules, err := sgRules(lab, st, g.Name, "ingress", i+1, r)
			if err != nil {
				return nil, err
			}
			in.Rules = append(in.Rules, rules...)
		}
		out := t.add(SGChain(g.Name, "egress"), "")
		if len(g.Egress) == 0 {
			out.add(Rule{
				Target:  []string{"-j", chainToDest},
				Comment: g.Name + " egress: no egress rules: all outbound allowed",
				Ref:     RuleRef{Kind: "sg", Group: g.Name, Direction: "egress", Text: "all to 0.0.0.0/0 (no egress rules)"},
			})
		}
		for i, r := range g.Egress {
			rules, err := sgRules(lab, st, g.Name, "egress", i+1, r)
			if err != nil {
				return nil, err
			}
			out.Rules = append(out.Rules, rules...)
		}
	}

	for _, name := range acls {
		acl := findACL(lab, name)
		for _, dir := range []string{"inbound", "outbound"} {
			rs := acl.Inbound
			if dir == "outbound" {
				rs = acl.Outbound
			}
			c := t.add(ACLChain(name, dir), "")
			for _, r := range sortedACL(rs) {
				text, err := aclRuleText(r, dir)
				if err != nil {
					return nil, fmt.Errorf("network ACL %q %s rule %d: %w", name, dir, r.Number, err)
				}
				m, err := protoMatch(r.Protocol, r.FromPort, r.ToPort)
				if err != nil {
					return nil, fmt.Errorf("network ACL %q %s rule %d: %w", name, dir, r.Number, err)
				}
				if r.CIDR.IsValid() && r.CIDR.Bits() > 0 {
					flag := "-s"
					if dir == "outbound" {
						flag = "-d"
					}
					m = append([]string{flag, r.CIDR.Masked().String()}, m...)
				}
				target := "RETURN"
				if r.Action == "deny" {
					target = "DROP"
				}
				c.add(Rule{
					Match:   m,
					Target:  []string{"-j", target},
					Comment: fmt.Sprintf("%s %s #%d: %s", name, dir, r.Number, text),
					Ref:     RuleRef{Kind: "acl", Group: name, Direction: dir, Number: r.Number, Text: text},
				})
			}
			c.add(Rule{
				Target:  []string{"-j", "DROP"},
				Comment: fmt.Sprintf("%s %s *: deny (default)", name, dir),
				Ref:     RuleRef{Kind: "acl", Group: name, Direction: dir, Text: "* deny (default)"},
			})
		}
	}
	return t, nil
}

// sgRules expands one security group rule: one iptables rule per CIDR, or
// per current member of a referenced group.
func sgRules(lab *topo.Lab, st *State, group, dir string, num int, r topo.SGRule) ([]Rule, error) {
	proto, err := protoMatch(r.Protocol, r.FromPort, r.ToPort)
	if err != nil {
		return nil, fmt.Errorf("security group %q %s rule %d: %w", group, dir, num, err)
	}
	flag, word := "-s", "from"
	target := []string{"-j", "ACCEPT"}
	if dir == "egress" {
		flag, word = "-d", "to"
		target = []string{"-j", chainToDest}
	}
	desc := ""
	if r.Description != "" {
		desc = " (" + r.Description + ")"
	}
	what := protoText(r.Protocol, r.FromPort, r.ToPort)
	var out []Rule
	if r.SecurityGroup != "" {
		text := fmt.Sprintf("%s %s %s", what, word, r.SecurityGroup)
		ref := RuleRef{Kind: "sg", Group: group, Direction: dir, Number: num, Text: text}
		members := Members(lab, st, r.SecurityGroup)
		if len(members) == 0 {
			return []Rule{{
				Target:   target,
				Comment:  fmt.Sprintf("%s %s #%d: %s: no running member%s", group, dir, num, text, desc),
				Disabled: true,
				Ref:      ref,
			}}, nil
		}
		for _, a := range members {
			out = append(out, Rule{
				Match:   append([]string{flag, hostPrefix(a)}, proto...),
				Target:  target,
				Comment: fmt.Sprintf("%s %s #%d: %s (%s)%s", group, dir, num, text, a, desc),
				Ref:     ref,
			})
		}
		return out, nil
	}
	if len(r.CIDRs) == 0 {
		return nil, fmt.Errorf("security group %q %s rule %d: neither cidr nor security_group", group, dir, num)
	}
	for _, c := range r.CIDRs {
		text := fmt.Sprintf("%s %s %s", what, word, c.Masked())
		m := proto
		if c.Bits() > 0 {
			m = append([]string{flag, c.Masked().String()}, proto...)
		}
		out = append(out, Rule{
			Match:   m,
			Target:  target,
			Comment: fmt.Sprintf("%s %s #%d: %s%s", group, dir, num, text, desc),
			Ref:     RuleRef{Kind: "sg", Group: group, Direction: dir, Number: num, Text: text},
		})
	}
	return out, nil
}

// protoMatch is the iptables match for a protocol and port range (0-0 is
// every port).
func protoMatch(proto string, from, to uint16) ([]string, error) {
	switch proto {
	case "tcp", "udp":
		m := []string{"-p", proto, "-m", proto}
		switch {
		case from == 0 && to == 0:
		case from > to:
			return nil, fmt.Errorf("port range %d-%d is reversed", from, to)
		case from == to:
			m = append(m, "--dport", strconv.Itoa(int(from)))
		default:
			m = append(m, "--dport", fmt.Sprintf("%d:%d", from, to))
		}
		return m, nil
	case "icmp":
		return []string{"-p", "icmp"}, nil
	case "all", "-1", "":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown protocol %q (known: tcp, udp, icmp, all)", proto)
}

// protoText says a protocol and port range in words: "tcp 22",
// "tcp 1024-65535", "icmp", "all".
func protoText(proto string, from, to uint16) string {
	switch proto {
	case "tcp", "udp":
		switch {
		case from == 0 && to == 0:
			return proto + " (all ports)"
		case from == to:
			return fmt.Sprintf("%s %d", proto, from)
		default:
			return fmt.Sprintf("%s %d-%d", proto, from, to)
		}
	case "", "-1":
		return "all"
	}
	return proto
}

func aclRuleText(r topo.ACLRule, dir string) (string, error) {
	if r.Action != "allow" && r.Action != "deny" {
		return "", fmt.Errorf("unknown action %q (known: allow, deny)", r.Action)
	}
	word := "from"
	if dir == "outbound" {
		word = "to"
	}
	cidr := "0.0.0.0/0"
	if r.CIDR.IsValid() {
		cidr = r.CIDR.Masked().String()
	}
	return fmt.Sprintf("%s %s %s %s", r.Action, protoText(r.Protocol, r.FromPort, r.ToPort), word, cidr), nil
}

// sortedACL orders ACL rules by number, as AWS evaluates them.
func sortedACL(rs []topo.ACLRule) []topo.ACLRule {
	out := slices.Clone(rs)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

func hostPrefix(a netip.Addr) string {
	return netip.PrefixFrom(a, a.BitLen()).String()
}

func findACL(lab *topo.Lab, name string) *topo.NetworkACL {
	for _, a := range lab.NetworkACLs {
		if a.Name == name {
			return a
		}
	}
	return nil
}
