package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/nodes/svc"
	"github.com/netemu/netemu/topo"
)

// InstanceChange is what StopInstance or StartInstance did, in words.
type InstanceChange struct {
	// Message is the one-line result ("web stopped (private …)").
	Message string
	// Hint names the other machines that must run the same command (a
	// multi-host lab, not fanned out): every machine keeps each
	// instance's public IP. Set even when the change fails.
	Hint string
	// Warning explains a failed start whose instance is on the network
	// anyway.
	Warning string
}

// Report is `instance stop|start -o json` of the change c made to the
// instance o names; a start also gives the new public IP.
func (c *InstanceChange) Report(o InstanceOptions, start bool) ChangeReport {
	r := ChangeReport{Command: "instance stop", Target: o.Name, Message: c.Message, Hint: c.Hint, Warning: c.Warning}
	if start {
		r.Command = "instance start"
		if st, err := Share(Query{Lab: o.Lab, Node: o.Name}); err == nil {
			r.PublicIP = PublicIPOf(st, o.Name)
		}
	}
	return r
}

// InstanceOptions say which instance to stop or start, and where.
type InstanceOptions struct {
	// Lab is --lab (LAB or LAB@MACHINE), "" for the only lab here.
	Lab string
	// Name is the instance.
	Name string
	// FannedOut is set on the commands --all-machines runs on each
	// machine: they need not tell the user to run them elsewhere too.
	FannedOut bool
	Log       hclog.Logger
}

// instanceShare is the share instance stop|start acts on: the one --lab
// LAB@MACHINE names, else the one running the instance, else the only
// share of the lab here (which may run just the instance's VPC, or
// neither and keep only the bookkeeping).
func instanceShare(labFlag, name string) (*nodes.State, error) {
	if _, machine := labpath.SplitShareName(labFlag); machine == "" {
		if st, err := Share(Query{Lab: labFlag, Node: name}); err == nil {
			return st, nil
		}
	}
	st, err := Share(Query{Lab: labFlag})
	if err != nil {
		return nil, err
	}
	if err := isInstance(st.Model, name); err != nil {
		return nil, err
	}
	return st, nil
}

func isInstance(lab *topo.Lab, name string) error {
	if n := lab.Node(name); n == nil || n.Kind != topo.KindInstance {
		return fmt.Errorf("%s is not an instance of lab %s", name, lab.Name)
	}
	return nil
}

// InstanceFanOut is `instance stop|start --all-machines`: the command
// run over ssh on every machine of the lab, not only those running a part
// of the instance: each keeps every instance's public IP.
func InstanceFanOut(o InstanceOptions, start bool) (FanOut, error) {
	lab, err := MultiHost(o.Lab)
	if err != nil {
		return FanOut{}, err
	}
	if err := isInstance(lab, o.Name); err != nil {
		return FanOut{}, err
	}
	verb := map[bool]string{false: "stop", true: "start"}[start]
	return FanOut{Lab: lab, Machines: MachineNames(lab), What: "instance " + verb + " " + o.Name,
		Remote: func(m string) string {
			return ShareCommand(lab.Name, m, []string{"instance", verb, "--fanned-out", o.Name})
		}}, nil
}

// StopInstance stops an instance as EC2 does: its programs, its link and
// its auto public IP (an Elastic IP stays). On this machine it changes
// what this share runs: the instance, its VPC's router and gateway, and
// the public IP bookkeeping every share keeps.
func StopInstance(ctx context.Context, o InstanceOptions) (*InstanceChange, error) {
	return changeInstance(ctx, o, false)
}

// StartInstance starts a stopped instance; its new public IP is in the
// message.
func StartInstance(ctx context.Context, o InstanceOptions) (*InstanceChange, error) {
	return changeInstance(ctx, o, true)
}

func changeInstance(ctx context.Context, o InstanceOptions, start bool) (*InstanceChange, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	log := o.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	name := o.Name
	verb := map[bool]string{false: "stop", true: "start"}[start]
	st, err := instanceShare(o.Lab, name)
	if err != nil {
		return nil, err
	}
	st, unlock, err := Lock(ctx, st)
	if err != nil {
		return nil, err
	}
	defer unlock()
	lab := st.Model
	if err := isInstance(lab, name); err != nil {
		return nil, err
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return nil, err
	}
	local := func(node string) bool { return slices.Contains(st.Nodes, node) }
	ns := Netns(lab.Name)
	priv := lab.Node(name).Instance.PrivateIP
	res := &InstanceChange{}
	if !o.FannedOut {
		if others := instanceOthers(lab, st.Machine); len(others) > 0 {
			res.Hint = instanceHint(lab, name, verb, st.Machine, others)
		}
	}
	if !start {
		if !aws.Running(name) {
			res.Message = fmt.Sprintf("%s is already stopped", name)
			return res, nil
		}
		old := aws.PublicIP(name)
		elastic := aws.Instances[name] != nil && aws.Instances[name].Elastic
		if local(name) {
			if err := svc.StopInstance(st, svc.NodesRunner{}, name); err != nil {
				return res, fmt.Errorf("stop %s: services: %w", name, err)
			}
			if err := nodes.StopNodeProcesses(st, name); err != nil {
				return res, fmt.Errorf("stop %s: processes: %w", name, err)
			}
		}
		if err := fw.StopInstanceHere(ctx, lab, aws, name, ns, local, log); err != nil {
			return res, err
		}
		if err := aws.Save(st.Dir); err != nil {
			return res, err
		}
		// A stopped instance has no public name; the VPC's DNS and metadata
		// on this machine follow.
		if err := svc.RefreshNames(st); err != nil {
			return res, fmt.Errorf("stop %s: names: %w", name, err)
		}
		switch pub := aws.PublicIP(name); {
		case old.IsValid() && elastic:
			// As on AWS, an Elastic IP stays with the stopped instance.
			res.Message = fmt.Sprintf("%s stopped (private %s; Elastic IP %s kept for its next start)", name, priv, old)
		case old.IsValid() && !pub.IsValid():
			res.Message = fmt.Sprintf("%s stopped (private %s; public IP %s released)", name, priv, old)
		default:
			res.Message = fmt.Sprintf("%s stopped (private %s)", name, priv)
		}
		return res, nil
	}
	if aws.Running(name) {
		res.Message = fmt.Sprintf("%s is already running (private %s, public %s)", name, priv, PublicText(aws, name))
		return res, nil
	}
	if _, err := fw.StartInstanceHere(ctx, lab, aws, name, ns, local, log); err != nil {
		return res, err
	}
	if err := aws.Save(st.Dir); err != nil {
		return res, err
	}
	if err := svc.RefreshNames(st); err != nil {
		return res, fmt.Errorf("start %s: names: %w", name, err)
	}
	if local(name) {
		if err := svc.StartInstance(ctx, st, svc.NodesRunner{}, name, log); err != nil {
			res.Warning = fmt.Sprintf("%s is on the network but its services did not start", name)
			return res, fmt.Errorf("start %s: services: %w", name, err)
		}
	}
	res.Message = fmt.Sprintf("%s started: private %s, public %s", name, priv, PublicText(aws, name))
	return res, nil
}

// instanceOthers lists the lab's machines other than this one.
func instanceOthers(lab *topo.Lab, machine string) []string {
	var out []string
	for _, m := range MachineNames(lab) {
		if m != machine {
			out = append(out, m)
		}
	}
	return out
}

// instanceHint tells the user which machines must run the same command:
// all of them keep the public IP bookkeeping, and the instance and its
// VPC's router may each be on another one.
func instanceHint(lab *topo.Lab, name, verb, machine string, others []string) string {
	inst := lab.Node(name)
	where := fmt.Sprintf("%s runs on %s", name, inst.Machine)
	if vpc := lab.VPC(inst.VPC); vpc != nil {
		if r := lab.Node(vpc.Router); r != nil {
			where += fmt.Sprintf(", its VPC %s on %s", vpc.Name, r.Machine)
		}
	}
	return fmt.Sprintf("instance %s %s done on %s only (%s; every machine keeps each instance's public IP): run the same command on %s too, or use --all-machines",
		verb, name, machine, where, machineList(others))
}

// machineList is "m1, m2 and m3".
func machineList(ms []string) string {
	if len(ms) <= 1 {
		return strings.Join(ms, "")
	}
	return strings.Join(ms[:len(ms)-1], ", ") + " and " + ms[len(ms)-1]
}

// PublicText is an instance's public IP as the tables show it.
func PublicText(aws *fw.State, name string) string {
	is := aws.Instances[name]
	switch {
	case is == nil:
		return "-"
	case !is.Running:
		return "stopped"
	case !is.PublicIP.IsValid():
		return "-"
	case is.Elastic:
		return is.PublicIP.String() + " (elastic)"
	}
	return is.PublicIP.String()
}
