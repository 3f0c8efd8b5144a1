package fw

import (
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/topo"
)

// IGWIfaces returns the internet gateway's interface towards the edge router
// and the one towards the VPC router.
func IGWIfaces(lab *topo.Lab, vpc *topo.VPC) (edge, inside string, err error) {
	igw := lab.Node(vpc.IGW)
	if igw == nil {
		return "", "", fmt.Errorf("vpc %q: no internet gateway node %q in the model", vpc.Name, vpc.IGW)
	}
	for _, i := range igw.Interfaces {
		switch i.Peer {
		case vpc.Edge:
			edge = i.Name
		case vpc.Router:
			inside = i.Name
		}
	}
	if edge == "" || inside == "" {
		return "", "", fmt.Errorf("vpc %q: %s needs links to %s and %s", vpc.Name, vpc.IGW, vpc.Edge, vpc.Router)
	}
	return edge, inside, nil
}

// Mapping is one instance's 1:1 translation on the internet gateway.
type Mapping struct {
	Instance string     `json:"instance"`
	Private  netip.Addr `json:"private_ip"`
	Public   netip.Addr `json:"public_ip"`
}

// Mappings returns the running instances of the VPC that hold a public IP,
// in file order.
func Mappings(lab *topo.Lab, vpc *topo.VPC, st *State) []Mapping {
	var out []Mapping
	for _, n := range Instances(lab, vpc.Name) {
		if pub := st.PublicIP(n.Name); pub.IsValid() {
			out = append(out, Mapping{Instance: n.Name, Private: n.Instance.PrivateIP, Public: pub})
		}
	}
	return out
}

// IGWTables generates the internet gateway's nat and filter tables. The nat
// table translates one to one: a packet to a public IP has its destination
// rewritten to the private IP (the client's source is untouched), and a
// packet from the private IP leaves with the public IP as its source, so
// the instance only ever sees its private address. Packets that come back
// into the VPC for another instance's public IP are translated both ways
// too, so replies return through the gateway. The filter table forwards
// only what the translation covers, as AWS's gateway does: an instance
// without a public IP does not reach the Internet through it, and nothing
// reaches a private address from outside.
func IGWTables(lab *topo.Lab, vpc *topo.VPC, st *State) (nat, filter *Table, err error) {
	edge, inside, err := IGWIfaces(lab, vpc)
	if err != nil {
		return nil, nil, err
	}
	maps := Mappings(lab, vpc, st)

	nat = &Table{Name: "nat"}
	pre := nat.add("PREROUTING", "ACCEPT")
	nat.add("INPUT", "ACCEPT")
	nat.add("OUTPUT", "ACCEPT")
	post := nat.add("POSTROUTING", "ACCEPT")
	for _, m := range maps {
		pre.add(Rule{
			Match:   []string{"-d", hostPrefix(m.Public)},
			Target:  []string{"-j", "DNAT", "--to-destination", m.Private.String()},
			Comment: fmt.Sprintf("%s: %s -> %s", m.Instance, m.Public, m.Private),
		})
	}
	for _, m := range maps {
		post.add(Rule{
			Match:   []string{"-s", hostPrefix(m.Private), "-o", edge},
			Target:  []string{"-j", "SNAT", "--to-source", m.Public.String()},
			Comment: fmt.Sprintf("%s: leaves as %s", m.Instance, m.Public),
		})
		// Hairpin: to another instance's public IP, back into the VPC.
		post.add(Rule{
			Match:   []string{"-s", hostPrefix(m.Private), "-o", inside, "-m", "conntrack", "--ctstate", "DNAT"},
			Target:  []string{"-j", "SNAT", "--to-source", m.Public.String()},
			Comment: fmt.Sprintf("%s: to a public IP of the VPC, as %s", m.Instance, m.Public),
		})
	}

	filter = &Table{Name: "filter"}
	filter.add("INPUT", "ACCEPT")
	fwd := filter.add("FORWARD", "DROP")
	filter.add("OUTPUT", "ACCEPT")
	fwd.add(Rule{
		Match:   []string{"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"},
		Target:  []string{"-j", "ACCEPT"},
		Comment: "replies",
	})
	for _, m := range maps {
		fwd.add(Rule{
			Match:   []string{"-i", inside, "-s", hostPrefix(m.Private)},
			Target:  []string{"-j", "ACCEPT"},
			Comment: fmt.Sprintf("%s: has public IP %s", m.Instance, m.Public),
		})
	}
	fwd.add(Rule{
		Match:   []string{"-i", inside},
		Target:  []string{"-j", "DROP"},
		Comment: "from the VPC without a public IP",
	})
	fwd.add(Rule{
		Match:   []string{"-i", edge, "-o", inside, "-m", "conntrack", "--ctstate", "DNAT"},
		Target:  []string{"-j", "ACCEPT"},
		Comment: "to a public IP (1:1 NAT)",
	})
	fwd.add(Rule{Target: []string{"-j", "DROP"}, Comment: "not translated: drop"})
	return nat, filter, nil
}
