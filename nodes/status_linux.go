package nodes

import (
	"errors"
	"sort"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netemu/netemu/nodes/labpath"
)

// Status reads the share's nodes live from their namespaces and the
// supervisors' status files. A node that cannot be read carries Error.
func Status(st *State) (*LabStatus, error) {
	ls := &LabStatus{Lab: st.Lab, Machine: st.Machine, Dir: st.Dir, Phase: st.Phase, Created: st.Created}
	st.mu.Lock()
	procs := append([]ProcessState(nil), st.Processes...)
	st.mu.Unlock()
	for _, name := range st.Nodes {
		ns := NodeStatus{Name: name, Netns: labpath.NetnsName(st.Lab, name)}
		if n, err := st.Node(name); err == nil {
			ns.Kind, ns.Machine, ns.Hostname = n.Kind, n.Machine, n.Hostname
		}
		ifs, err := liveInterfaces(st, name)
		if err != nil {
			ns.Error = err.Error()
		}
		ns.Interfaces = ifs
		for _, p := range procs {
			if p.Node != name {
				continue
			}
			ps := ProcessStatus{Name: p.Spec.Name, Command: p.Spec.Command, Supervisor: p.PID, LogFile: p.LogFile, Since: p.Started}
			ps.Running = alive(p.PID) && isSupervisorOf(p.PID, st.Dir)
			_, statusPath, _ := processFiles(st, name, p.Spec.Name)
			if s, err := readSupervised(statusPath); err == nil {
				ps.PID, ps.Restarts, ps.LastExit, ps.State = s.PID, s.Restarts, s.LastExit, s.State
				if !s.Since.IsZero() {
					ps.Since = s.Since
				}
			}
			if !ps.Running {
				ps.PID = 0
				if ps.State == "" || ps.State == SupRunning {
					ps.State = "dead"
				}
			}
			ns.Processes = append(ns.Processes, ps)
		}
		ls.Nodes = append(ls.Nodes, ns)
	}
	return ls, nil
}

func liveInterfaces(st *State, node string) ([]InterfaceStatus, error) {
	h, err := nsHandle(st.Lab, node)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	links, err := retryDump(h.LinkList)
	if err != nil {
		return nil, err
	}
	peers := map[string]string{}
	if n, err := st.Node(node); err == nil {
		for _, i := range n.Interfaces {
			peers[i.Name] = i.Peer + ":" + i.PeerIface
		}
	}
	var out []InterfaceStatus
	for _, l := range links {
		a := l.Attrs()
		is := InterfaceStatus{Name: a.Name, Up: a.Flags&unix.IFF_UP != 0 && a.OperState != netlink.OperDown, Peer: peers[a.Name]}
		addrs, err := retryDump(func() ([]netlink.Addr, error) { return h.AddrList(l, netlink.FAMILY_ALL) })
		if err != nil {
			return nil, err
		}
		for _, ad := range addrs {
			if ad.IP.IsLinkLocalUnicast() || ad.IP.IsLoopback() {
				continue
			}
			is.Addrs = append(is.Addrs, ad.IPNet.String())
		}
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool {
		// lo first, then eth0, eth1 … in numeric order.
		a, b := out[i].Name, out[j].Name
		if (a == "lo") != (b == "lo") {
			return a == "lo"
		}
		if len(a) != len(b) && strings.TrimRight(a, "0123456789") == strings.TrimRight(b, "0123456789") {
			return len(a) < len(b)
		}
		return a < b
	})
	return out, nil
}

// retryDump repeats a netlink dump the kernel interrupted (the table
// changed under it), as the results of such a dump may be inconsistent.
func retryDump[T any](dump func() (T, error)) (T, error) {
	var v T
	var err error
	for range 5 {
		v, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}
