package lab

import (
	"context"
	"fmt"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// SGView is an instance's effective security group and network ACL
// rules, with the packet and byte counters of its VPC router's firewall
// (`netemu sg -o json` prints it).
type SGView struct {
	Lab       string             `json:"lab"`
	Instance  string             `json:"instance"`
	PrivateIP string             `json:"private_ip"`
	PublicIP  string             `json:"public_ip,omitempty"`
	Rules     []fw.EffectiveRule `json:"rules"`
	// Node and AWS (public IPs) are for the table.
	Node *topo.Node `json:"-"`
	AWS  *fw.State  `json:"-"`
}

// SecurityGroups reads the rules that apply to instance name now.
func SecurityGroups(ctx context.Context, st *nodes.State, name string) (*SGView, error) {
	lab := st.Model
	n := lab.Node(name)
	if n == nil || n.Kind != topo.KindInstance {
		return nil, fmt.Errorf("%s is not an instance of lab %s (security groups belong to instances)", name, lab.Name)
	}
	vpc := lab.VPC(n.VPC)
	if vpc == nil {
		return nil, fmt.Errorf("instance %s: unknown VPC %q", name, n.VPC)
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return nil, err
	}
	if aws.Backend == "" {
		return nil, fmt.Errorf("lab %s has no security group rules yet (the firewall stage of `up` did not run)", lab.Name)
	}
	save, err := fw.Save(ctx, aws.Backend, Netns(lab.Name)(vpc.Router), "filter")
	if err != nil {
		return nil, err
	}
	counters, err := fw.ParseCounters(save, "filter")
	if err != nil {
		return nil, fmt.Errorf("read counters of %s: %w", vpc.Router, err)
	}
	rules, err := fw.Effective(lab, aws, name, counters)
	if err != nil {
		return nil, err
	}
	v := &SGView{Lab: lab.Name, Instance: name, PrivateIP: n.Instance.PrivateIP.String(), Rules: rules, Node: n, AWS: aws}
	if pub := aws.PublicIP(name); pub.IsValid() {
		v.PublicIP = pub.String()
	}
	return v, nil
}
