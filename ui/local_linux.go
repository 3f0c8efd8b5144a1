package ui

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// Local is a Backend for one share on this machine, built from the
// packages the CLI uses. Each operation may be replaced by the caller's
// own (cmd/netemu passes the lab package's, so the page and the CLI share
// one code path).
type Local struct {
	State *nodes.State
	Log   hclog.Logger
	// LinkFunc, when set, replaces the fault injector for link down|up
	// (verb "down" or "up").
	LinkFunc func(ctx context.Context, verb, a, b string, silent bool) error
	// TraceFunc, when set, replaces the trace.
	TraceFunc func(ctx context.Context, from, to string) (*converge.Path, error)
	// SSHFunc builds `netemu ssh INSTANCE`'s command; without it the page
	// offers no ssh.
	SSHFunc func(instance string) (*exec.Cmd, error)
}

func (l *Local) injector() *fault.Injector {
	log := l.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &fault.Injector{Lab: l.State.Model, StateDir: l.State.Dir, Machine: l.State.Machine, Log: log}
}

// LinkDown implements Backend.
func (l *Local) LinkDown(ctx context.Context, a, b string, silent bool) error {
	if l.LinkFunc != nil {
		return l.LinkFunc(ctx, "down", a, b, silent)
	}
	return l.injector().LinkDown(a, b, silent)
}

// LinkUp implements Backend.
func (l *Local) LinkUp(ctx context.Context, a, b string) error {
	if l.LinkFunc != nil {
		return l.LinkFunc(ctx, "up", a, b, false)
	}
	return l.injector().LinkUp(a, b)
}

// Trace implements Backend: the kernel's route lookups hop by hop, with
// the internet gateway's 1:1 NAT applied, as `netemu trace` does.
func (l *Local) Trace(ctx context.Context, from, to string) (*converge.Path, error) {
	if l.TraceFunc != nil {
		return l.TraceFunc(ctx, from, to)
	}
	lab := l.State.Model
	aws, err := fw.LoadState(l.State.Dir)
	if err != nil {
		aws = nil
	}
	publicIP := func(node string) netip.Addr {
		if aws == nil {
			return netip.Addr{}
		}
		return aws.PublicIP(node)
	}
	dst, err := converge.Address(lab, from, to, publicIP)
	if err != nil {
		return nil, err
	}
	kt := converge.NewKernelTables(lab.Name)
	defer kt.Close()
	return converge.Trace(lab, kt, from, dst, converge.TraceOptions{Translate: natAt(lab, aws)})
}

// natAt maps an instance's public IP to its private one at its VPC's
// internet gateway.
func natAt(lab *topo.Lab, aws *fw.State) func(node string, dst netip.Addr) netip.Addr {
	return func(node string, dst netip.Addr) netip.Addr {
		n := lab.Node(node)
		if n == nil || n.Kind != topo.KindIGW || aws == nil {
			return dst
		}
		for _, v := range lab.VPCs {
			if v.IGW != node {
				continue
			}
			for _, m := range fw.Mappings(lab, v, aws) {
				if m.Public == dst {
					return m.Private
				}
			}
		}
		return dst
	}
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
	Error string            `json:"error,omitempty"`
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
		a := &AgentDetails{BGP: []SessionDetail{}, RIP: []NeighbourDetail{}}
		for _, x := range v.BGPSessions {
			a.BGP = append(a.BGP, SessionDetail{Peer: x.Peer.String(), ASN: x.ASN, State: x.State})
		}
		for _, x := range v.RIPNeighbours {
			a.RIP = append(a.RIP, NeighbourDetail{Addr: x.Addr.String(), Iface: x.Iface, LastHeard: x.LastHeard})
		}
		if v.Err != nil {
			a.Error = v.Err.Error()
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
	cmd := nodes.Command(l.State, node, "/bin/bash", "-l")
	if cmd.Err != nil {
		return nil, cmd.Err
	}
	cmd.Env = os.Environ()
	if cmd.Dir != "" {
		cmd.Env = append(cmd.Env, "HOME="+cmd.Dir)
	}
	return cmd, nil
}

// SSH implements Backend.
func (l *Local) SSH(instance string) (*exec.Cmd, error) {
	if l.SSHFunc == nil {
		return nil, errors.New("ssh is not offered by this server")
	}
	cmd, err := l.SSHFunc(instance)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", instance, err)
	}
	return cmd, nil
}
