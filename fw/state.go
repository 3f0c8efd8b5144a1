// Package fw is the AWS half of netemu's data plane: public and Elastic IP
// allocation, the internet gateway's 1:1 NAT, per-subnet route tables on the
// VPC router, security groups and network ACLs.
//
// Everything that decides what the kernel should hold is pure and lives in
// plain files (allocation, ruleset text, routing plans), so it is unit- and
// golden-tested without root. The _linux.go files apply those decisions
// inside the lab's namespaces: rulesets through iptables-restore (atomic per
// table), policy routes through netlink handles bound to the namespace.
package fw

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"

	"github.com/netemu/netemu/nodes/jsonfile"
	"github.com/netemu/netemu/topo"
)

// StateFile is the name of the AWS state inside a lab's state directory.
const StateFile = "aws.json"

// State is what the AWS half remembers of a running lab between CLI
// invocations (StateDir/aws.json): which instances run, which public IP each
// holds, and where each pool's round-robin cursor is.
type State struct {
	// Backend is the iptables flavour the lab's rules were applied with
	// ("nft" or "legacy"); later commands use the same one.
	Backend   string                    `json:"backend,omitempty"`
	Instances map[string]*InstanceState `json:"instances"`
	// Pools holds one cursor per VPC, by VPC name.
	Pools map[string]*PoolState `json:"pools"`
}

// InstanceState is one instance's addresses.
type InstanceState struct {
	VPC       string     `json:"vpc"`
	Running   bool       `json:"running"`
	PrivateIP netip.Addr `json:"private_ip"`
	// PublicIP is the current public address (invalid when the instance has
	// none or is stopped without an Elastic IP).
	PublicIP netip.Addr `json:"public_ip,omitzero"`
	// Elastic is set when PublicIP is the instance's Elastic IP.
	Elastic bool `json:"elastic,omitempty"`
	// Previous is the auto public IP released at the last stop; the next
	// start avoids it when the pool has any other free address.
	Previous netip.Addr `json:"previous,omitzero"`
}

// PoolState is a VPC pool's allocation cursor.
type PoolState struct {
	// Last is the auto address handed out most recently; the next
	// allocation searches upwards from the one after it, wrapping around.
	Last netip.Addr `json:"last,omitzero"`
}

// ErrPoolExhausted is returned (wrapped) when a pool has no free address.
var ErrPoolExhausted = errors.New("public IP pool exhausted")

// NewState returns an empty state.
func NewState() *State {
	return &State{Instances: map[string]*InstanceState{}, Pools: map[string]*PoolState{}}
}

// LoadState reads StateDir/aws.json. A missing file yields an empty state
// (the lab has no VPC, or the firewall stage has not run yet).
func LoadState(stateDir string) (*State, error) {
	s := NewState()
	if _, err := jsonfile.Read(filepath.Join(stateDir, StateFile), s); err != nil {
		return nil, fmt.Errorf("read AWS state: %w", err)
	}
	if s.Instances == nil {
		s.Instances = map[string]*InstanceState{}
	}
	if s.Pools == nil {
		s.Pools = map[string]*PoolState{}
	}
	return s, nil
}

// Save writes StateDir/aws.json atomically (write then rename), so a crash
// never leaves half a file for the next command.
func (s *State) Save(stateDir string) error {
	if err := jsonfile.Write(filepath.Join(stateDir, StateFile), s); err != nil {
		return fmt.Errorf("write AWS state: %w", err)
	}
	return nil
}

// PublicIP returns an instance's current public IP (invalid when none).
func (s *State) PublicIP(instance string) netip.Addr {
	if is := s.Instances[instance]; is != nil && is.Running {
		return is.PublicIP
	}
	return netip.Addr{}
}

// Running reports whether an instance is running. Instances the state does
// not know yet count as running: they start with the lab.
func (s *State) Running(instance string) bool {
	is := s.Instances[instance]
	return is == nil || is.Running
}

// Instances returns the lab's instances of one VPC in file order.
func Instances(lab *topo.Lab, vpc string) []*topo.Node {
	var out []*topo.Node
	for _, n := range lab.Nodes {
		if n.Kind == topo.KindInstance && n.Instance != nil && n.VPC == vpc {
			out = append(out, n)
		}
	}
	return out
}

// Init records every instance of the VPC the state does not know yet as
// running and gives it its public IP: Elastic IPs first, then auto
// addresses from the bottom of the pool in file order, so the first
// assignment is deterministic.
func (s *State) Init(lab *topo.Lab, vpc *topo.VPC) error {
	for _, n := range Instances(lab, vpc.Name) {
		if s.Instances[n.Name] != nil {
			continue
		}
		s.Instances[n.Name] = &InstanceState{VPC: vpc.Name, PrivateIP: n.Instance.PrivateIP}
		if _, err := s.Start(lab, n.Name); err != nil {
			return err
		}
	}
	return nil
}

// Start marks an instance running and gives it a public IP: its Elastic IP,
// or an auto address that differs from the one it held before whenever the
// pool has another free address. It returns the public IP (invalid for
// public_ip = "none"). Starting a running instance changes nothing.
func (s *State) Start(lab *topo.Lab, name string) (netip.Addr, error) {
	n := lab.Node(name)
	if n == nil || n.Kind != topo.KindInstance || n.Instance == nil {
		return netip.Addr{}, fmt.Errorf("%q is not an instance of lab %s", name, lab.Name)
	}
	vpc := lab.VPC(n.VPC)
	if vpc == nil {
		return netip.Addr{}, fmt.Errorf("instance %q: unknown VPC %q", name, n.VPC)
	}
	is := s.Instances[name]
	if is == nil {
		is = &InstanceState{VPC: vpc.Name, PrivateIP: n.Instance.PrivateIP}
		s.Instances[name] = is
	}
	if is.Running {
		return is.PublicIP, nil
	}
	switch {
	case n.Instance.ElasticIP != "":
		eip := lab.ElasticIP(n.Instance.ElasticIP)
		if eip == nil {
			return netip.Addr{}, fmt.Errorf("instance %q: unknown Elastic IP %q", name, n.Instance.ElasticIP)
		}
		is.PublicIP, is.Elastic = eip.Address, true
	case n.Instance.PublicIP == "none":
		is.PublicIP, is.Elastic = netip.Addr{}, false
	default:
		a, err := s.allocate(lab, vpc, is.Previous)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("instance %q: %w", name, err)
		}
		is.PublicIP, is.Elastic = a, false
	}
	is.Running = true
	return is.PublicIP, nil
}

// Stop marks an instance stopped and releases its auto public IP (an
// Elastic IP stays attached, as on AWS).
func (s *State) Stop(lab *topo.Lab, name string) error {
	n := lab.Node(name)
	if n == nil || n.Kind != topo.KindInstance {
		return fmt.Errorf("%q is not an instance of lab %s", name, lab.Name)
	}
	is := s.Instances[name]
	if is == nil {
		is = &InstanceState{VPC: n.VPC, PrivateIP: n.Instance.PrivateIP}
		s.Instances[name] = is
	}
	if !is.Running {
		return nil
	}
	is.Running = false
	if !is.Elastic && is.PublicIP.IsValid() {
		is.Previous = is.PublicIP
		is.PublicIP = netip.Addr{}
	}
	return nil
}

// PoolBounds returns the first and last address handed out from a pool:
// the network and broadcast addresses of a pool of four or more addresses
// are skipped, as a reader would expect of "usable" addresses.
func PoolBounds(pool netip.Prefix) (first, last netip.Addr) {
	pool = pool.Masked()
	first = pool.Addr()
	last = first
	hostBits := first.BitLen() - pool.Bits()
	// Walk to the broadcast address by setting the host bits.
	b := last.AsSlice()
	for i := 0; i < hostBits; i++ {
		byteIdx := len(b) - 1 - i/8
		b[byteIdx] |= 1 << (i % 8)
	}
	last, _ = netip.AddrFromSlice(b)
	if hostBits >= 2 {
		first, last = first.Next(), last.Prev()
	}
	return first, last
}

// allocate picks the next free auto address of the VPC's pool after the
// cursor, wrapping around, skipping Elastic IPs and addresses in use, and
// avoiding avoid unless it is the only free one.
func (s *State) allocate(lab *topo.Lab, vpc *topo.VPC, avoid netip.Addr) (netip.Addr, error) {
	pool := vpc.PublicIPPool
	if !pool.IsValid() {
		return netip.Addr{}, fmt.Errorf("vpc %q has no public_ip_pool", vpc.Name)
	}
	taken := map[netip.Addr]bool{}
	for _, e := range lab.ElasticIPs {
		if e.Address.IsValid() {
			taken[e.Address] = true
		}
	}
	for _, is := range s.Instances {
		if is.Running && is.PublicIP.IsValid() {
			taken[is.PublicIP] = true
		}
	}
	first, last := PoolBounds(pool)
	ps := s.Pools[vpc.Name]
	if ps == nil {
		ps = &PoolState{}
		s.Pools[vpc.Name] = ps
	}
	start := first
	if ps.Last.IsValid() && pool.Contains(ps.Last) && ps.Last.Less(last) && !ps.Last.Less(first) {
		start = ps.Last.Next()
	}
	// Visit every address of the pool once, from start, wrapping at last.
	var fallback netip.Addr
	for a := start; ; {
		if !taken[a] {
			if a != avoid {
				ps.Last = a
				return a, nil
			}
			fallback = a
		}
		if a == last {
			a = first
		} else {
			a = a.Next()
		}
		if a == start {
			break
		}
	}
	if fallback.IsValid() {
		ps.Last = fallback
		return fallback, nil
	}
	return netip.Addr{}, fmt.Errorf("vpc %q: %w: all of %s is in use or reserved for Elastic IPs", vpc.Name, ErrPoolExhausted, pool)
}
