package topo

// Node returns the node named name, or nil.
func (l *Lab) Node(name string) *Node {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// AS returns the autonomous system named name, or nil.
func (l *Lab) AS(name string) *AS {
	for _, a := range l.ASes {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// VPC returns the VPC named name, or nil.
func (l *Lab) VPC(name string) *VPC {
	for _, v := range l.VPCs {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Subnet returns the subnet named name, or nil.
func (l *Lab) Subnet(name string) *Subnet {
	for _, s := range l.Subnets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SecurityGroup returns the security group named name, or nil.
func (l *Lab) SecurityGroup(name string) *SecurityGroup {
	for _, g := range l.SecurityGroups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// ElasticIP returns the Elastic IP named name, or nil.
func (l *Lab) ElasticIP(name string) *ElasticIP {
	for _, e := range l.ElasticIPs {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Machine returns the machine named name, or nil.
func (l *Lab) Machine(name string) *Machine {
	for _, m := range l.Machines {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Interface returns the node's interface named name, or nil.
func (n *Node) Interface(name string) *Interface {
	for _, i := range n.Interfaces {
		if i.Name == name {
			return i
		}
	}
	return nil
}

// LinkBetween returns the index of the first link joining nodes a and b
// (in either direction), or -1.
func (l *Lab) LinkBetween(a, b string) int {
	for i, k := range l.Links {
		if (k.A.Node == a && k.B.Node == b) || (k.A.Node == b && k.B.Node == a) {
			return i
		}
	}
	return -1
}
