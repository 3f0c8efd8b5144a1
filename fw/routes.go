package fw

import (
	"fmt"
	"net/netip"

	"github.com/netemu/netemu/topo"
)

// Policy routing on the VPC router: one route table per subnet, as AWS
// gives each subnet a route table. Rule LocalPriority looks up the main
// table while suppressing its default route, so every VPC-local route
// (the /32s to instances, the gateway link) wins first for every source;
// then each subnet's rule sends its traffic to its own table, which holds
// only the default route: via the internet gateway for a public subnet, a
// blackhole for a private one (no Internet route: packets are dropped, as
// on AWS, not answered with an ICMP error). Doing it here, rather than in
// the gateway's filter, keeps `ip rule` / `ip route show table N` inside
// the VPC router a faithful picture of the subnets' route tables.
const (
	LocalPriority = 1000
	// SubnetPriority is the priority of the first subnet's rule; subnet i
	// uses SubnetPriority+i and table SubnetTable+i.
	SubnetPriority = 1001
	SubnetTable    = 101
)

// SubnetRoute is one subnet's route table on the VPC router.
type SubnetRoute struct {
	Subnet   string
	From     netip.Prefix
	Priority int
	Table    int
	// Gateway is the internet gateway's address for a public subnet;
	// invalid for a private one (blackhole default).
	Gateway netip.Addr
}

// PolicyRoutes returns the VPC's subnet route tables in file order.
func PolicyRoutes(lab *topo.Lab, vpc *topo.VPC) ([]SubnetRoute, error) {
	gw, err := igwAddr(lab, vpc)
	if err != nil {
		return nil, err
	}
	var out []SubnetRoute
	i := 0
	for _, s := range lab.Subnets {
		if s.VPC != vpc.Name {
			continue
		}
		r := SubnetRoute{Subnet: s.Name, From: s.CIDR.Masked(), Priority: SubnetPriority + i, Table: SubnetTable + i}
		if s.Public {
			r.Gateway = gw
		}
		out = append(out, r)
		i++
	}
	return out, nil
}

// igwAddr is the internet gateway's address on its link to the VPC router.
func igwAddr(lab *topo.Lab, vpc *topo.VPC) (netip.Addr, error) {
	igw := lab.Node(vpc.IGW)
	if igw == nil {
		return netip.Addr{}, fmt.Errorf("vpc %q: no internet gateway node %q in the model", vpc.Name, vpc.IGW)
	}
	for _, i := range igw.Interfaces {
		if i.Peer == vpc.Router {
			return i.Addr.Addr(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("vpc %q: no link between %s and %s", vpc.Name, vpc.IGW, vpc.Router)
}
