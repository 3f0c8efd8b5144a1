package k8s

import (
	"sort"
	"strings"

	"github.com/netemu/netemu/lab"
)

// Report is the Lab as `status --kubeconfig -o json` prints it, in the
// schema of every other command (lab/report.go), not the CRD's camelCase.
func (l *Lab) Report() lab.K8sLabReport {
	st := l.Status
	r := lab.K8sLabReport{Lab: l.Name, File: l.Spec.File, Generation: l.Generation, Phase: st.Phase, Message: st.Message,
		Deleting: l.Deleting, Converged: st.Converged, Machines: []lab.K8sMachineReport{}, Nodes: []lab.K8sNodeReport{},
		Intent: lab.K8sIntentReport{StoppedInstances: l.Spec.StoppedInstances, StoppedNodes: l.Spec.StoppedNodes}}
	for _, m := range st.Machines {
		sh := st.Shares[m.Name]
		r.Machines = append(r.Machines, lab.K8sMachineReport{Machine: m.Name, Address: m.Address, Phase: sh.Phase, Message: sh.Message,
			Converged: sh.Converged, Nodes: append([]string{}, st.Placement[m.Name]...), AppliedGeneration: sh.Applied, UpdatedAt: sh.Updated})
		for _, n := range st.Placement[m.Name] {
			nr := lab.K8sNodeReport{Name: n, Machine: m.Name}
			nr.PublicIP, nr.Elastic, nr.Stopped = PublicIP(st.PublicIPs[n])
			r.Nodes = append(r.Nodes, nr)
		}
	}
	sort.Slice(r.Nodes, func(i, j int) bool { return r.Nodes[i].Name < r.Nodes[j].Name })
	for _, x := range st.Lost {
		r.Lost = append(r.Lost, lab.K8sLostReport{Machine: x.Machine, Nodes: x.Nodes})
	}
	for _, d := range l.Spec.DownLinks {
		r.Intent.DownLinks = append(r.Intent.DownLinks, lab.K8sLinkReport(d))
	}
	return r
}

// PublicIP reads an instance's public IP as the agents record it
// (lab.PublicText: "-", "stopped", "ADDR" or "ADDR (elastic)").
func PublicIP(text string) (addr string, elastic, stopped bool) {
	switch text {
	case "", "-":
		return "", false, false
	case "stopped":
		return "", false, true
	}
	addr, elastic = strings.CutSuffix(text, " (elastic)")
	return addr, elastic, false
}
