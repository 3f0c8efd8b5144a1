package k8s

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The API group and kind of a lab.
const (
	Group    = "netemu.dev"
	Version  = "v1alpha1"
	Kind     = "Lab"
	Resource = "labs"
	// FinalizerPrefix + machine is the finalizer each machine holds until
	// its share is gone.
	FinalizerPrefix = "netemu.dev/machine-"
)

// LabGVR is the Lab resource.
var LabGVR = schema.GroupVersionResource{Group: Group, Version: Version, Resource: Resource}

// Phases of a lab and of a share.
const (
	PhasePending  = "Pending"  // no machines chosen yet
	PhaseBuilding = "Building" // some share is being built
	PhaseReady    = "Ready"    // every share is up
	PhaseFailed   = "Failed"   // a share failed to build (its message says why)
	PhaseDegraded = "Degraded" // a machine (Node) of the lab is gone
	PhaseDeleting = "Deleting" // `down`: shares are being removed
)

// LinkIntent is a link the user wants down.
type LinkIntent struct {
	A      string `json:"a"`
	B      string `json:"b"`
	Silent bool   `json:"silent,omitempty"`
}

// Spec is what the user wants: the file, and the faults and stopped
// instances in force.
type Spec struct {
	// Source is the lab's HCL file, verbatim.
	Source string `json:"source"`
	// File names it in diagnostics.
	File             string       `json:"file,omitempty"`
	StoppedInstances []string     `json:"stoppedInstances,omitempty"`
	DownLinks        []LinkIntent `json:"downLinks,omitempty"`
	StoppedNodes     []string     `json:"stoppedNodes,omitempty"`
}

// Machine is a machine of the lab: a Kubernetes Node and its InternalIP.
type Machine struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Share is one machine's share as its agent last reported it.
type Share struct {
	Phase   string `json:"phase"`
	Message string `json:"message,omitempty"`
	// Converged: routing had converged when the share came up (or the
	// lab runs no routing daemons).
	Converged bool `json:"converged"`
	// PublicIPs is every instance's public IP as this machine keeps it
	// ("stopped" for a stopped one): all shares must agree.
	PublicIPs map[string]string `json:"publicIPs,omitempty"`
	// Applied is the spec generation the share last reconciled to.
	Applied int64  `json:"appliedGeneration,omitempty"`
	Updated string `json:"updated,omitempty"`
}

// Lost is a machine of the lab whose Node is gone, and what it held.
type Lost struct {
	Machine string   `json:"machine"`
	Nodes   []string `json:"nodes"`
}

// Status is what the agents report.
type Status struct {
	Phase   string `json:"phase,omitempty"`
	Message string `json:"message,omitempty"`
	// Machines are fixed once, by the first agent to hold the Lease.
	Machines []Machine `json:"machines,omitempty"`
	// Placement maps machine → the lab nodes it runs.
	Placement map[string][]string `json:"placement,omitempty"`
	Shares    map[string]Share    `json:"shares,omitempty"`
	// PublicIPs are the instances' public IPs (the shares' agreed view).
	PublicIPs map[string]string `json:"publicIPs,omitempty"`
	Lost      []Lost            `json:"lost,omitempty"`
	// Printer columns.
	MachineCount int    `json:"machineCount,omitempty"`
	NodeCount    int    `json:"nodeCount,omitempty"`
	Converged    string `json:"converged,omitempty"` // "2/3" shares
}

// Lab is a Lab object, decoded.
type Lab struct {
	Name            string
	UID             string
	Generation      int64
	ResourceVersion string
	Deleting        bool
	Finalizers      []string
	Spec            Spec
	Status          Status
	obj             *unstructured.Unstructured
}

// decodeLab reads a Lab object.
func decodeLab(u *unstructured.Unstructured) (*Lab, error) {
	l := &Lab{
		Name:            u.GetName(),
		UID:             string(u.GetUID()),
		Generation:      u.GetGeneration(),
		ResourceVersion: u.GetResourceVersion(),
		Deleting:        u.GetDeletionTimestamp() != nil,
		Finalizers:      u.GetFinalizers(),
		obj:             u,
	}
	if err := fromMap(u.Object["spec"], &l.Spec); err != nil {
		return nil, fmt.Errorf("lab %s: spec: %w", l.Name, err)
	}
	if err := fromMap(u.Object["status"], &l.Status); err != nil {
		return nil, fmt.Errorf("lab %s: status: %w", l.Name, err)
	}
	return l, nil
}

// fromMap decodes an unstructured value (nil: nothing) into out.
func fromMap(v any, out any) error {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// toMap is a struct as an unstructured map.
func toMap(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(data, &m)
}

// newLabObject is a new Lab object with spec.
func newLabObject(name string, spec Spec) (*unstructured.Unstructured, error) {
	sm, err := toMap(spec)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": Group + "/" + Version,
		"kind":       Kind,
		"metadata":   map[string]any{"name": name},
		"spec":       sm,
	}}
	return u, nil
}

// HasFinalizer reports whether machine still holds the lab.
func (l *Lab) HasFinalizer(machine string) bool {
	return slices.Contains(l.Finalizers, FinalizerPrefix+machine)
}

// Machine returns the lab's machine named name, or nil.
func (s *Status) Machine(name string) *Machine {
	for i := range s.Machines {
		if s.Machines[i].Name == name {
			return &s.Machines[i]
		}
	}
	return nil
}

// summarise recomputes the lab's phase and printer columns from its
// shares; deleting and lost machines win over the shares' own phases.
func (s *Status) summarise(deleting bool) {
	s.MachineCount = len(s.Machines)
	s.NodeCount = 0
	for _, ns := range s.Placement {
		s.NodeCount += len(ns)
	}
	conv, ready, failed := 0, 0, []string{}
	for _, m := range s.Machines {
		sh, ok := s.Shares[m.Name]
		if !ok {
			continue
		}
		if sh.Converged && sh.Phase == PhaseReady {
			conv++
		}
		switch sh.Phase {
		case PhaseReady:
			ready++
		case PhaseFailed:
			failed = append(failed, m.Name)
		}
	}
	if len(s.Machines) > 0 {
		s.Converged = fmt.Sprintf("%d/%d", conv, len(s.Machines))
	}
	// The public IPs: the view of the machines that are ready, which
	// agree unless one is behind.
	s.PublicIPs = nil
	for _, m := range s.Machines {
		if sh := s.Shares[m.Name]; sh.Phase == PhaseReady {
			for k, v := range sh.PublicIPs {
				if s.PublicIPs == nil {
					s.PublicIPs = map[string]string{}
				}
				s.PublicIPs[k] = v
			}
		}
	}
	s.Message = ""
	switch {
	case deleting:
		s.Phase = PhaseDeleting
	case len(s.Lost) > 0:
		s.Phase = PhaseDegraded
		var ms []string
		for _, l := range s.Lost {
			ms = append(ms, fmt.Sprintf("machine %s (nodes %v)", l.Machine, l.Nodes))
		}
		sort.Strings(ms)
		s.Message = fmt.Sprintf("Node(s) gone: %v", ms)
	case len(s.Machines) == 0:
		s.Phase = PhasePending
	case len(failed) > 0:
		s.Phase = PhaseFailed
		s.Message = fmt.Sprintf("share(s) failed on %v", failed)
	case ready == len(s.Machines):
		s.Phase = PhaseReady
	default:
		s.Phase = PhaseBuilding
	}
}
