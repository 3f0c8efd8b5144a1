package topo

import (
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// VPC subnets follow AWS's limits on size.
const (
	minSubnetBits = 16
	maxSubnetBits = 28
)

func (b *builder) buildVPCs(f *fileHCL) {
	seen := names{}
	for _, r := range f.VPCs {
		if !b.unique(seen, "vpc", r.Name, r.DefRange, MaxNodeName-len("-router")) {
			continue
		}
		v := &VPC{Name: r.Name, Edge: r.Edge, Router: r.Name + "-router", IGW: r.Name + "-igw", Range: r.DefRange}
		if p, prob := parsePrefix(r.CIDR); prob != "" {
			b.errf(attr(r.Body, "cidr", r.DefRange), "Invalid CIDR", "vpc %q cidr: %s", r.Name, prob)
		} else {
			v.CIDR = p
		}
		if p, prob := parsePrefix(r.PublicIPPool); prob != "" {
			b.errf(attr(r.Body, "public_ip_pool", r.DefRange), "Invalid CIDR", "vpc %q public_ip_pool: %s", r.Name, prob)
		} else {
			for _, o := range b.lab.VPCs {
				if o.PublicIPPool.IsValid() && o.PublicIPPool.Overlaps(p) {
					b.errf(attr(r.Body, "public_ip_pool", r.DefRange), "Overlapping public IP pools",
						"public_ip_pool %s overlaps the pool %s of vpc %q (%s).", p, o.PublicIPPool, o.Name, where(o.Range))
				}
			}
			v.PublicIPPool = p
		}
		if _, ok := b.routerRaw[r.Edge]; !ok {
			detail := "No router %q is defined; edge names the router the internet gateway hangs off."
			if _, isNode := b.nodeDecl[r.Edge]; isNode {
				detail = "%q is not a router; edge names the router the internet gateway hangs off."
			}
			b.errf(attr(r.Body, "edge", r.DefRange), "Unknown edge router", detail, r.Edge)
		}
		for _, n := range []string{v.IGW, v.Router} {
			if prev, dup := b.nodeDecl[n]; dup {
				b.errf(b.label(r.DefRange, 0), "Duplicate node name",
					"vpc %q creates the node %q, but a node of that name is already defined at %s.", r.Name, n, where(prev))
			}
			b.nodeDecl[n] = r.DefRange
		}
		b.lab.VPCs = append(b.lab.VPCs, v)
	}
	// A public pool inside some VPC's private range would route private
	// addresses on the Internet side.
	for _, v := range b.lab.VPCs {
		for _, o := range b.lab.VPCs {
			if v.PublicIPPool.IsValid() && o.CIDR.IsValid() && v.PublicIPPool.Overlaps(o.CIDR) {
				b.errf(attr(b.vpcBody(f, v.Name), "public_ip_pool", v.Range), "Overlapping subnets",
					"public_ip_pool %s of vpc %q overlaps the cidr %s of vpc %q.", v.PublicIPPool, v.Name, o.CIDR, o.Name)
			}
		}
	}
}

func (b *builder) vpcBody(f *fileHCL, name string) hcl.Body {
	for _, r := range f.VPCs {
		if r.Name == name {
			return r.Body
		}
	}
	return nil
}

// resolveVPC finds the VPC an object belongs to: the one named, or the only
// one when the file has exactly one.
func (b *builder) resolveVPC(kind, name string, v *string, body hcl.Body, def hcl.Range) string {
	if v != nil {
		if b.lab.VPC(*v) == nil {
			b.errf(attr(body, "vpc", def), "Unknown VPC", "%s %q: no vpc %q is defined.", kind, name, *v)
			return ""
		}
		return *v
	}
	switch len(b.lab.VPCs) {
	case 1:
		return b.lab.VPCs[0].Name
	case 0:
		b.errf(&def, "Missing VPC", "%s %q needs a vpc, and the file defines none.", kind, name)
	default:
		b.errf(&def, "Missing VPC", "%s %q: the file has %d VPCs; say which with vpc = \"NAME\".", kind, name, len(b.lab.VPCs))
	}
	return ""
}

func (b *builder) buildACLs(f *fileHCL) {
	seen := names{}
	for _, r := range f.NetworkACLs {
		if !b.unique(seen, "network_acl", r.Name, r.DefRange, MaxName) {
			continue
		}
		acl := &NetworkACL{Name: r.Name, Range: r.DefRange}
		acl.VPC = b.resolveVPC("network_acl", r.Name, r.VPC, r.Body, r.DefRange)
		acl.Inbound = b.aclRules(r.Inbound, "inbound")
		acl.Outbound = b.aclRules(r.Outbound, "outbound")
		b.lab.NetworkACLs = append(b.lab.NetworkACLs, acl)
	}
}

func (b *builder) aclRules(raws []*aclRuleHCL, dir string) []ACLRule {
	var out []ACLRule
	numbers := map[int64]hcl.Range{}
	for _, r := range raws {
		rule := ACLRule{Number: int(r.Number), Action: r.Action, Protocol: r.Protocol, Range: r.DefRange}
		if r.Number < 1 || r.Number > 32766 {
			b.errf(attr(r.Body, "number", r.DefRange), "Rule number out of range", "%s rule number %d is out of range: use 1 to 32766.", dir, r.Number)
		} else if prev, dup := numbers[r.Number]; dup {
			b.errf(attr(r.Body, "number", r.DefRange), "Duplicate rule number", "%s rule number %d is already used at %s.", dir, r.Number, where(prev))
		}
		numbers[r.Number] = r.DefRange
		if p := oneOf("action", r.Action, "allow", "deny"); p != "" {
			b.errf(attr(r.Body, "action", r.DefRange), "Invalid action", "%s", p)
		}
		rule.FromPort, rule.ToPort = b.protoPorts(r.Protocol, r.Ports, r.Body, r.DefRange)
		if p, prob := parsePrefix(r.CIDR); prob != "" {
			b.errf(attr(r.Body, "cidr", r.DefRange), "Invalid CIDR", "cidr: %s", prob)
		} else {
			rule.CIDR = p
		}
		out = append(out, rule)
	}
	return out
}

// protoPorts validates a rule's protocol and ports. tcp and udp without
// ports mean every port; icmp and all take none.
func (b *builder) protoPorts(proto string, ports *string, body hcl.Body, def hcl.Range) (uint16, uint16) {
	if p := oneOf("protocol", proto, "tcp", "udp", "icmp", "all"); p != "" {
		b.errf(attr(body, "protocol", def), "Invalid protocol", "%s", p)
		return 0, 0
	}
	if proto == "icmp" || proto == "all" {
		if ports != nil {
			b.errf(attr(body, "ports", def), "Ports not allowed", "protocol %q has no ports; remove ports.", proto)
		}
		return 0, 0
	}
	if ports == nil {
		return 1, 65535
	}
	from, to, prob := parsePorts(*ports)
	if prob != "" {
		b.errf(attr(body, "ports", def), "Invalid ports", "%s", prob)
	}
	return from, to
}

func (b *builder) buildSubnets(f *fileHCL) {
	seen := names{}
	for _, r := range f.Subnets {
		if !b.unique(seen, "subnet", r.Name, r.DefRange, MaxName) {
			continue
		}
		s := &Subnet{Name: r.Name, Public: r.Public != nil && *r.Public, Range: r.DefRange}
		s.VPC = b.resolveVPC("subnet", r.Name, r.VPC, r.Body, r.DefRange)
		b.vpcOf[r.Name] = s.VPC
		p, prob := parsePrefix(r.CIDR)
		if prob != "" {
			b.errf(attr(r.Body, "cidr", r.DefRange), "Invalid CIDR", "subnet %q cidr: %s", r.Name, prob)
		} else if p.Bits() < minSubnetBits || p.Bits() > maxSubnetBits {
			b.errf(attr(r.Body, "cidr", r.DefRange), "Invalid subnet size", "subnet %q: %s is a /%d; a VPC subnet is a /%d to a /%d, as in AWS.", r.Name, p, p.Bits(), minSubnetBits, maxSubnetBits)
		} else {
			s.CIDR = p
			if v := b.lab.VPC(s.VPC); v != nil && v.CIDR.IsValid() {
				if !v.CIDR.Contains(p.Addr()) || v.CIDR.Bits() > p.Bits() {
					b.errf(attr(r.Body, "cidr", r.DefRange), "Subnet outside its VPC", "subnet %q: %s is not inside the cidr %s of vpc %q.", r.Name, p, v.CIDR, v.Name)
				}
			}
			for _, o := range b.lab.Subnets {
				if o.VPC == s.VPC && o.CIDR.IsValid() && o.CIDR.Overlaps(p) {
					b.errf(attr(r.Body, "cidr", r.DefRange), "Overlapping subnets", "subnet %q: %s overlaps subnet %q (%s) at %s.", r.Name, p, o.Name, o.CIDR, where(o.Range))
				}
			}
		}
		if r.NetworkACL != nil {
			s.NetworkACL = *r.NetworkACL
			var acl *NetworkACL
			for _, a := range b.lab.NetworkACLs {
				if a.Name == *r.NetworkACL {
					acl = a
				}
			}
			switch {
			case acl == nil:
				b.errf(attr(r.Body, "network_acl", r.DefRange), "Unknown network ACL", "No network_acl %q is defined.", *r.NetworkACL)
			case acl.VPC != "" && s.VPC != "" && acl.VPC != s.VPC:
				b.errf(attr(r.Body, "network_acl", r.DefRange), "Network ACL of another VPC", "network_acl %q belongs to vpc %q, subnet %q to vpc %q.", acl.Name, acl.VPC, r.Name, s.VPC)
			}
		}
		b.lab.Subnets = append(b.lab.Subnets, s)
	}
}

func (b *builder) buildKeyPairs(f *fileHCL) {
	seen := names{}
	for _, r := range f.KeyPairs {
		if b.unique(seen, "key_pair", r.Name, r.DefRange, MaxName) {
			b.lab.KeyPairs = append(b.lab.KeyPairs, &KeyPair{Name: r.Name, Range: r.DefRange})
		}
	}
}

func (b *builder) buildSecurityGroups(f *fileHCL) {
	seen := names{}
	var raws []*sgHCL
	for _, r := range f.SecurityGroups {
		if !b.unique(seen, "security_group", r.Name, r.DefRange, MaxName) {
			continue
		}
		sg := &SecurityGroup{Name: r.Name, Range: r.DefRange}
		sg.VPC = b.resolveVPC("security_group", r.Name, r.VPC, r.Body, r.DefRange)
		b.lab.SecurityGroups = append(b.lab.SecurityGroups, sg)
		raws = append(raws, r)
	}
	for i, r := range raws {
		sg := b.lab.SecurityGroups[i]
		sg.Ingress = b.sgRules(sg, r.Ingress, "ingress")
		sg.Egress = b.sgRules(sg, r.Egress, "egress")
	}
}

func (b *builder) sgRules(sg *SecurityGroup, raws []*sgRuleHCL, dir string) []SGRule {
	var out []SGRule
	for _, r := range raws {
		rule := SGRule{Protocol: r.Protocol, Description: str(r.Description), Range: r.DefRange}
		rule.FromPort, rule.ToPort = b.protoPorts(r.Protocol, r.Ports, r.Body, r.DefRange)
		if rule.Protocol == "icmp" || rule.Protocol == "all" {
			rule.FromPort, rule.ToPort = 0, 0
		}
		sources := 0
		for _, set := range []bool{r.CIDR != nil, r.CIDRs != nil, r.SecurityGroup != nil} {
			if set {
				sources++
			}
		}
		if sources != 1 {
			b.errf(&r.DefRange, "Invalid rule", "security_group %q, %s rule: give exactly one of cidr, cidrs or security_group.", sg.Name, dir)
		}
		if r.CIDR != nil {
			if p, prob := parsePrefix(*r.CIDR); prob != "" {
				b.errf(attr(r.Body, "cidr", r.DefRange), "Invalid CIDR", "cidr: %s", prob)
			} else {
				rule.CIDRs = append(rule.CIDRs, p)
			}
		}
		for i, c := range r.CIDRs {
			if p, prob := parsePrefix(c); prob != "" {
				b.errf(elem(r.Body, "cidrs", i, r.DefRange), "Invalid CIDR", "cidrs: %s", prob)
			} else {
				rule.CIDRs = append(rule.CIDRs, p)
			}
		}
		if r.SecurityGroup != nil {
			rule.SecurityGroup = *r.SecurityGroup
			o := b.lab.SecurityGroup(*r.SecurityGroup)
			switch {
			case o == nil:
				b.errf(attr(r.Body, "security_group", r.DefRange), "Unknown security group", "No security_group %q is defined.", *r.SecurityGroup)
			case o.VPC != "" && sg.VPC != "" && o.VPC != sg.VPC:
				b.errf(attr(r.Body, "security_group", r.DefRange), "Security group of another VPC",
					"security_group %q belongs to vpc %q, but %q belongs to vpc %q.", o.Name, o.VPC, sg.Name, sg.VPC)
			}
		}
		out = append(out, rule)
	}
	return out
}

func (b *builder) buildElasticIPs(f *fileHCL) {
	seen := names{}
	used := map[netip.Addr]hcl.Range{}
	var pending []*ElasticIP
	for _, r := range f.ElasticIPs {
		if !b.unique(seen, "elastic_ip", r.Name, r.DefRange, MaxName) {
			continue
		}
		e := &ElasticIP{Name: r.Name, Range: r.DefRange}
		e.VPC = b.resolveVPC("elastic_ip", r.Name, r.VPC, r.Body, r.DefRange)
		v := b.lab.VPC(e.VPC)
		if r.Address != nil {
			a, prob := parseAddr(*r.Address)
			switch {
			case prob != "":
				b.errf(attr(r.Body, "address", r.DefRange), "Invalid address", "elastic_ip %q: %s", r.Name, prob)
			case v != nil && v.PublicIPPool.IsValid() && !v.PublicIPPool.Contains(a):
				b.errf(attr(r.Body, "address", r.DefRange), "Address outside the pool",
					"elastic_ip %q: %s is not in the public_ip_pool %s of vpc %q.", r.Name, a, v.PublicIPPool, v.Name)
			default:
				if prev, dup := used[a]; dup {
					b.errf(attr(r.Body, "address", r.DefRange), "Duplicate address", "elastic_ip %q: %s is already the address of the elastic_ip at %s.", r.Name, a, where(prev))
				}
				used[a] = r.DefRange
				e.Address = a
			}
		} else if v != nil {
			pending = append(pending, e)
		}
		b.lab.ElasticIPs = append(b.lab.ElasticIPs, e)
	}
	// Allocate from the top of the pool down, leaving the pool's first and
	// last addresses alone, so automatic public IPs (drawn from the bottom)
	// rarely meet them.
	for _, e := range pending {
		v := b.lab.VPC(e.VPC)
		if !v.PublicIPPool.IsValid() {
			continue
		}
		size := prefixSize(v.PublicIPPool)
		for i := size - 2; i >= 1 && i < size; i-- {
			a := nthAddr(v.PublicIPPool, i)
			if _, taken := used[a]; !taken {
				e.Address = a
				used[a] = e.Range
				break
			}
		}
		if !e.Address.IsValid() {
			b.errf(&e.Range, "Public IP pool exhausted", "elastic_ip %q: no free address left in %s.", e.Name, v.PublicIPPool)
		}
	}
}

// buildInstance fills an instance node from its block.
func (b *builder) buildInstance(n *Node, r *instanceHCL, eipUsers map[string]hcl.Range, ips map[string]map[netip.Addr]hcl.Range) {
	inst := &Instance{Subnet: r.Subnet, PublicIP: PublicIPAuto, Range: r.DefRange}
	n.Instance = inst
	b.buildInstanceMetadata(inst, r)
	s := b.lab.Subnet(r.Subnet)
	if s == nil {
		b.errf(attr(r.Body, "subnet", r.DefRange), "Unknown subnet", "instance %q: no subnet %q is defined.", r.Name, r.Subnet)
	} else {
		n.VPC = s.VPC
		if !s.Public {
			// As AWS's map-public-ip-on-launch: only a public subnet hands
			// out public IPs unless the instance asks for one.
			inst.PublicIP = PublicIPNone
		}
	}
	if r.PrivateIP != nil {
		a, prob := parseAddr(*r.PrivateIP)
		subj := attr(r.Body, "private_ip", r.DefRange)
		switch {
		case prob != "":
			b.errf(subj, "Invalid address", "instance %q private_ip: %s", r.Name, prob)
		case s == nil || !s.CIDR.IsValid():
		case !s.CIDR.Contains(a):
			b.errf(subj, "Address outside its subnet", "instance %q: private_ip %s is not inside subnet %q (%s).", r.Name, a, s.Name, s.CIDR)
		case reservedInSubnet(s.CIDR, a):
			b.errf(subj, "Reserved address", "instance %q: AWS reserves %s in subnet %q (%s): the first four addresses and the last; use %s to %s.",
				r.Name, a, s.Name, s.CIDR, nthAddr(s.CIDR, 4), nthAddr(s.CIDR, prefixSize(s.CIDR)-2))
		default:
			if ips[s.VPC] == nil {
				ips[s.VPC] = map[netip.Addr]hcl.Range{}
			}
			if prev, dup := ips[s.VPC][a]; dup {
				b.errf(subj, "Duplicate address", "instance %q: private_ip %s is already used by the instance at %s.", r.Name, a, where(prev))
			}
			ips[s.VPC][a] = r.DefRange
			inst.PrivateIP = a
		}
	}
	if r.PublicIP != nil {
		if p := oneOf("public_ip", *r.PublicIP, PublicIPAuto, PublicIPNone); p != "" {
			b.errf(attr(r.Body, "public_ip", r.DefRange), "Invalid public_ip", "%s", p)
		} else {
			inst.PublicIP = *r.PublicIP
		}
	}
	if r.ElasticIP != nil {
		inst.ElasticIP = *r.ElasticIP
		subj := attr(r.Body, "elastic_ip", r.DefRange)
		e := b.lab.ElasticIP(*r.ElasticIP)
		switch {
		case e == nil:
			b.errf(subj, "Unknown Elastic IP", "instance %q: no elastic_ip %q is defined.", r.Name, *r.ElasticIP)
		case e.VPC != "" && n.VPC != "" && e.VPC != n.VPC:
			b.errf(subj, "Elastic IP of another VPC", "elastic_ip %q belongs to vpc %q, instance %q to vpc %q.", e.Name, e.VPC, r.Name, n.VPC)
		default:
			if prev, dup := eipUsers[e.Name]; dup {
				b.errf(subj, "Elastic IP attached twice", "elastic_ip %q is already attached to the instance at %s.", e.Name, where(prev))
			}
			eipUsers[e.Name] = r.DefRange
		}
		if r.PublicIP == nil {
			inst.PublicIP = PublicIPAuto
		} else if *r.PublicIP == PublicIPNone {
			b.errf(attr(r.Body, "public_ip", r.DefRange), "Conflicting public IP", "instance %q has an elastic_ip, so public_ip cannot be \"none\".", r.Name)
		}
	}
	if r.KeyPair != nil {
		inst.KeyPair = *r.KeyPair
		found := false
		for _, k := range b.lab.KeyPairs {
			found = found || k.Name == *r.KeyPair
		}
		if !found {
			b.errf(attr(r.Body, "key_pair", r.DefRange), "Unknown key pair", "instance %q: no key_pair %q is defined.", r.Name, *r.KeyPair)
		}
	}
	for i, g := range r.SecurityGroups {
		inst.SecurityGroups = append(inst.SecurityGroups, g)
		subj := elem(r.Body, "security_groups", i, r.DefRange)
		sg := b.lab.SecurityGroup(g)
		switch {
		case sg == nil:
			b.errf(subj, "Unknown security group", "instance %q: no security_group %q is defined.", r.Name, g)
		case sg.VPC != "" && n.VPC != "" && sg.VPC != n.VPC:
			b.errf(subj, "Security group of another VPC", "security_group %q belongs to vpc %q, instance %q to vpc %q.", g, sg.VPC, r.Name, n.VPC)
		}
		for _, prev := range r.SecurityGroups[:i] {
			if prev == g {
				b.errf(subj, "Duplicate security group", "instance %q lists security_group %q twice.", r.Name, g)
			}
		}
	}
	kinds := map[string]hcl.Range{}
	for _, sv := range r.Services {
		if !KnownServiceKind(sv.Kind) {
			b.errf(b.label(sv.DefRange, 0), "Unknown service", "service %q is not known; the known kinds are %s.", sv.Kind, strings.Join(ServiceKinds(), ", "))
			continue
		}
		if prev, dup := kinds[sv.Kind]; dup {
			b.errf(b.label(sv.DefRange, 0), "Duplicate service", "instance %q already runs service %q (%s).", r.Name, sv.Kind, where(prev))
			continue
		}
		kinds[sv.Kind] = sv.DefRange
		svc := &Service{Kind: sv.Kind, Range: sv.DefRange}
		switch {
		case sv.MTA != nil && sv.Kind != "smtp":
			b.errf(attr(sv.Body, "mta", sv.DefRange), "Attribute not allowed", "mta applies to service \"smtp\" only, not %q.", sv.Kind)
		case sv.MTA != nil:
			if p := oneOf("mta", *sv.MTA, MTASendmail, MTAOpenSMTPD); p != "" {
				b.errf(attr(sv.Body, "mta", sv.DefRange), "Invalid mta", "%s", p)
			} else {
				svc.MTA = *sv.MTA
			}
		case sv.Kind == "smtp":
			svc.MTA = MTASendmail
		}
		n.Services = append(n.Services, svc)
	}
}

// reservedInSubnet: AWS reserves the first four addresses of a subnet and
// the last.
func reservedInSubnet(s netip.Prefix, a netip.Addr) bool {
	off := uint64(addrToU32(a) - addrToU32(s.Addr()))
	return off < 4 || off == prefixSize(s)-1
}

// allocatePrivateIPs gives instances without private_ip the first free
// address of their subnet, after the reserved ones.
func (b *builder) allocatePrivateIPs(ips map[string]map[netip.Addr]hcl.Range) {
	for _, n := range b.lab.Nodes {
		if n.Kind != KindInstance || n.Instance.PrivateIP.IsValid() {
			continue
		}
		if _, given := b.instRaw[n.Name]; given && b.instRaw[n.Name].PrivateIP != nil {
			continue // invalid: already reported
		}
		s := b.lab.Subnet(n.Instance.Subnet)
		if s == nil || !s.CIDR.IsValid() {
			continue
		}
		if ips[s.VPC] == nil {
			ips[s.VPC] = map[netip.Addr]hcl.Range{}
		}
		for i := uint64(4); i < prefixSize(s.CIDR)-1; i++ {
			a := nthAddr(s.CIDR, i)
			if _, taken := ips[s.VPC][a]; !taken {
				n.Instance.PrivateIP = a
				ips[s.VPC][a] = n.Range
				break
			}
		}
		if !n.Instance.PrivateIP.IsValid() {
			b.errf(&n.Range, "Subnet full", "instance %q: no free address left in subnet %q (%s).", n.Name, s.Name, s.CIDR)
		}
	}
	for _, n := range b.lab.Nodes {
		if n.Kind == KindInstance && n.Instance.PrivateIP.IsValid() {
			n.Hostname = instanceHostname(n.Instance.PrivateIP)
		}
	}
}
