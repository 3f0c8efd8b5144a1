package ui

import (
	"context"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Local is the Backend of one share on this machine. Its actions are the
// lab package's, the ones the CLI runs: a cut from the page is `netemu
// link down`, a trace is `netemu trace`, ssh is `netemu ssh`.
type Local struct {
	State *nodes.State
	Log   hclog.Logger
}

func (l *Local) share() string { return labpath.ShareName(l.State.Lab, l.State.Machine) }

// LinkDown implements Backend.
func (l *Local) LinkDown(ctx context.Context, a, b string, silent bool) error {
	_, err := lab.SetLink(ctx, lab.LinkOptions{Lab: l.share(), A: a, B: b, Down: true, Silent: silent, Log: l.Log})
	return err
}

// LinkUp implements Backend.
func (l *Local) LinkUp(ctx context.Context, a, b string) error {
	_, err := lab.SetLink(ctx, lab.LinkOptions{Lab: l.share(), A: a, B: b, Log: l.Log})
	return err
}

// Trace implements Backend.
func (l *Local) Trace(_ context.Context, from, to string) (*converge.Path, error) {
	return lab.Trace(l.State, from, to)
}

// NodeDetails is what a click on a node shows.
type NodeDetails struct {
	Node   string              `json:"node"`
	Kind   string              `json:"kind"`
	Routes []nodes.KernelRoute `json:"routes"`
	Agent  *AgentDetails       `json:"agent,omitempty"`
	Error  string              `json:"error,omitempty"`
	Ifaces []InterfaceDetail   `json:"interfaces"`
}

// AgentDetails are a router agent's sessions and neighbours.
type AgentDetails struct {
	BGP   []SessionDetail   `json:"bgp"`
	RIP   []NeighbourDetail `json:"rip"`
	OSPF  []OSPFDetail      `json:"ospf"`
	BFD   []BFDDetail       `json:"bfd"`
	Error string            `json:"error,omitempty"`
}

// OSPFDetail is one OSPF neighbour of a router.
type OSPFDetail struct {
	Addr     string `json:"addr"`
	Iface    string `json:"iface"`
	RouterID string `json:"router_id"`
	State    string `json:"state"`
}

// BFDDetail is one BFD session of a router.
type BFDDetail struct {
	Peer  string `json:"peer"` // "ADDR on IFACE" or "ADDR from LOCAL (multihop)"
	State string `json:"state"`
}

// SessionDetail is one BGP session of a router.
type SessionDetail struct {
	Peer  string `json:"peer"`
	ASN   uint32 `json:"asn"`
	State string `json:"state"`
}

// NeighbourDetail is one RIP neighbour of a router.
type NeighbourDetail struct {
	Addr      string    `json:"addr"`
	Iface     string    `json:"iface"`
	LastHeard time.Time `json:"last_heard"`
}

// InterfaceDetail is one interface of the node as the file describes it.
type InterfaceDetail struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
	Peer string `json:"peer"`
}

// Details implements Backend.
func (l *Local) Details(ctx context.Context, node string) (any, error) {
	n, err := l.State.Node(node)
	if err != nil {
		return nil, err
	}
	d := NodeDetails{Node: node, Kind: string(n.Kind), Routes: []nodes.KernelRoute{}, Ifaces: []InterfaceDetail{}}
	for _, ifc := range n.Interfaces {
		d.Ifaces = append(d.Ifaces, InterfaceDetail{Name: ifc.Name, Addr: ifc.Addr.String(), Peer: ifc.Peer + ":" + ifc.PeerIface})
	}
	if rs, err := nodes.Routes(l.State, node); err != nil {
		d.Error = err.Error()
	} else {
		d.Routes = rs
	}
	if n.Kind == topo.KindRouter && l.State.Model.Daemons != "none" {
		v := converge.Ask(ctx, node, labpath.NodeDir(l.State.Dir, node))
		a := &AgentDetails{BGP: []SessionDetail{}, RIP: []NeighbourDetail{}, OSPF: []OSPFDetail{}, BFD: []BFDDetail{}}
		for _, x := range v.BGPSessions {
			a.BGP = append(a.BGP, SessionDetail{Peer: x.Peer.String(), ASN: x.ASN, State: x.State})
		}
		for _, x := range v.RIPNeighbours {
			a.RIP = append(a.RIP, NeighbourDetail{Addr: x.Addr.String(), Iface: x.Iface, LastHeard: x.LastHeard})
		}
		for _, x := range v.OSPFNeighbours {
			a.OSPF = append(a.OSPF, OSPFDetail{Addr: x.Addr.String(), Iface: x.Iface, RouterID: x.RouterID, State: x.State})
		}
		if v.Err != nil {
			a.Error = v.Err.Error()
		} else if st, err := agent.Dial(converge.AgentSocket(labpath.NodeDir(l.State.Dir, node))).BFD(ctx); err == nil && st != nil {
			for _, x := range st.Sessions {
				a.BFD = append(a.BFD, BFDDetail{Peer: x.Key.String(), State: x.State.String()})
			}
		}
		d.Agent = a
	}
	return d, nil
}

// Shell implements Backend: a login shell inside the node, as `netemu
// exec NODE` starts one.
func (l *Local) Shell(node string) (*exec.Cmd, error) {
	if _, err := l.State.Node(node); err != nil {
		return nil, err
	}
	return inNode(l.State, node, "/bin/bash", "-l")
}

// inNode is argv inside node's namespaces with the environment `netemu
// exec` gives it (a host's HOME is its home in the lab).
func inNode(st *nodes.State, node string, argv ...string) (*exec.Cmd, error) {
	cmd := nodes.Command(st, node, argv...)
	if cmd.Err != nil {
		return nil, cmd.Err
	}
	cmd.Env = os.Environ()
	if cmd.Dir != "" {
		cmd.Env = append(cmd.Env, "HOME="+cmd.Dir)
	}
	return cmd, nil
}

// SSH implements Backend: ssh from the lab's client host with the
// instance's key, as `netemu ssh INSTANCE` runs it.
func (l *Local) SSH(instance string) (*exec.Cmd, error) {
	p, err := lab.SSH(l.State.Lab, lab.SSHTarget{Name: instance, User: svc.LoginUser}, nil)
	if err != nil {
		return nil, err
	}
	return inNode(p.State, p.Client, p.Argv...)
}
