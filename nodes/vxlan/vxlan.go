// Package vxlan carries a lab's links between machines: a link whose ends
// sit on two machines becomes a kernel VXLAN tunnel between the machines'
// addresses. There is no coordinator: every machine derives the same VNIs,
// ports and names from the same file, so both ends agree without talking.
//
// This file is the pure part (VNIs, names, the cut links of a lab); the
// kernel work lives in vxlan_linux.go.
package vxlan

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"path/filepath"

	"github.com/netemu/netemu/nodes/jsonfile"
	"github.com/netemu/netemu/topo"
)

// DefaultPort is the IANA VXLAN port, used when the lab does not set one.
const DefaultPort = 4789

// Overhead is what VXLAN over IPv4 adds to every frame: outer IPv4 (20),
// UDP (8), VXLAN (8) and the inner Ethernet header (14).
const Overhead = 50

// Overhead6 is the same over an IPv6 underlay (a 40-byte outer header).
const Overhead6 = 70

// MaxVNI is the largest 24-bit VNI. VNI 0 is avoided: some equipment treats
// it as "no VNI".
const MaxVNI = 1<<24 - 1

// Cross is one link of a lab cut by the placement, seen from one machine.
type Cross struct {
	Link int    `json:"link"` // index into Lab.Links
	Name string `json:"name"` // "a:eth0–b:eth1" as the file names it
	VNI  uint32 `json:"vni"`
	// BaseVNI differs from VNI when the hashed VNI collided with an
	// earlier link's and was moved.
	BaseVNI       uint32        `json:"base_vni"`
	Port          uint16        `json:"port"`
	Local         topo.Endpoint `json:"local"`
	Remote        topo.Endpoint `json:"remote"`
	LocalMachine  string        `json:"local_machine"`
	RemoteMachine string        `json:"remote_machine"`
	LocalAddr     netip.Addr    `json:"local_addr"`
	RemoteAddr    netip.Addr    `json:"remote_addr"`
}

// Port is the lab's VXLAN UDP port.
func Port(lab *topo.Lab) uint16 {
	if lab.VXLANPort != 0 {
		return lab.VXLANPort
	}
	return DefaultPort
}

// linkKey names a link the same way on every machine: lab and both ends.
func linkKey(lab string, l *topo.Link) string {
	return lab + "/" + l.A.Node + ":" + l.A.Iface + "-" + l.B.Node + ":" + l.B.Iface
}

// BaseVNI hashes lab and link into 1..MaxVNI (FNV-1a).
func BaseVNI(lab string, l *topo.Link) uint32 {
	h := fnv.New32a()
	h.Write([]byte(linkKey(lab, l)))
	return h.Sum32()%MaxVNI + 1
}

// machines maps each node to its machine (labs have thousands of nodes;
// Lab.Node is a linear search).
func machines(lab *topo.Lab) map[string]string {
	m := make(map[string]string, len(lab.Nodes))
	for _, n := range lab.Nodes {
		m[n.Name] = n.Machine
	}
	return m
}

func cut(m map[string]string, l *topo.Link) bool {
	a, aok := m[l.A.Node]
	b, bok := m[l.B.Node]
	return aok && bok && a != b
}

// VNIs assigns a VNI to every cut link of lab (ends placed on different
// machines), keyed by link index. A hashed VNI already taken by an earlier
// cut link (in file order) moves up to the next free one, so every machine
// resolves collisions identically.
func VNIs(lab *topo.Lab) map[int]uint32 {
	m := machines(lab)
	out := map[int]uint32{}
	used := map[uint32]bool{}
	for i, l := range lab.Links {
		if !cut(m, l) {
			continue
		}
		v := BaseVNI(lab.Name, l)
		for used[v] {
			v = v%MaxVNI + 1
		}
		used[v] = true
		out[i] = v
	}
	return out
}

// CrossLinks lists lab's cut links with an end on machine, that end as
// Local; with machine "" every cut link, A as Local. Placement must have
// run (topo.Parse does it).
func CrossLinks(lab *topo.Lab, machine string) []Cross {
	vnis := VNIs(lab)
	port := Port(lab)
	mach := machines(lab)
	var out []Cross
	for i, l := range lab.Links {
		v, ok := vnis[i]
		if !ok {
			continue
		}
		local, remote := l.A, l.B
		if machine != "" {
			switch machine {
			case mach[l.A.Node]:
			case mach[l.B.Node]:
				local, remote = l.B, l.A
			default:
				continue
			}
		}
		lm, rm := mach[local.Node], mach[remote.Node]
		c := Cross{
			Link:          i,
			Name:          l.A.Node + ":" + l.A.Iface + "–" + l.B.Node + ":" + l.B.Iface,
			VNI:           v,
			BaseVNI:       BaseVNI(lab.Name, l),
			Port:          port,
			Local:         local,
			Remote:        remote,
			LocalMachine:  lm,
			RemoteMachine: rm,
		}
		if m := lab.Machine(lm); m != nil {
			c.LocalAddr = m.Address
		}
		if m := lab.Machine(rm); m != nil {
			c.RemoteAddr = m.Address
		}
		out = append(out, c)
	}
	return out
}

// TempName is the VXLAN device's name in the underlay namespace, before it
// moves into its node: short (10 bytes, IFNAMSIZ is 16) and unique per lab,
// machine and link, so two shares on one box never race for a name.
func TempName(lab, machine string, link int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s@%s/%d", lab, machine, link)
	return fmt.Sprintf("nx%08x", h.Sum32())
}

// TunnelMTU is the MTU of a tunnel over an underlay device of mtu, to a
// remote machine of the given address family.
func TunnelMTU(underlay int, remote netip.Addr) int {
	if remote.Is6() && !remote.Is4In6() {
		return underlay - Overhead6
	}
	return underlay - Overhead
}

// Record is what a share built for one cut link, kept in the state
// directory so `status` can show it.
type Record struct {
	Cross
	Underlay    string `json:"underlay"` // the underlay device towards the remote machine
	UnderlayMTU int    `json:"underlay_mtu"`
	MTU         int    `json:"mtu"`
}

// RecordsFile is the share's record of its tunnels.
func RecordsFile(stateDir string) string { return filepath.Join(stateDir, "vxlan.json") }

// Load reads a share's tunnel records; none when the share has no tunnels.
func Load(stateDir string) ([]Record, error) {
	var rs []Record
	if _, err := jsonfile.Read(RecordsFile(stateDir), &rs); err != nil {
		return nil, fmt.Errorf("read tunnel records: %w", err)
	}
	return rs, nil
}

func save(stateDir string, rs []Record) error {
	if err := jsonfile.Write(RecordsFile(stateDir), rs); err != nil {
		return fmt.Errorf("write tunnel records: %w", err)
	}
	return nil
}
