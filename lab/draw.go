package lab

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/netemu/netemu/fw"
	"github.com/netemu/netemu/lab/view"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/nodes/fault"
	"github.com/netemu/netemu/nodes/labpath"
	"github.com/netemu/netemu/routing/agent"
	"github.com/netemu/netemu/routing/converge"
	"github.com/netemu/netemu/topo"
)

// LiveGraph is a running share as the live view shows it at this moment:
// each link's carrier (read in every local node's namespace) and the
// faults in force, instances running or stopped with their current
// public IP, and the sessions and adjacencies the routers' agents report
// (an agent that does not answer in time leaves its sessions unknown).
func LiveGraph(ctx context.Context, st *nodes.State, log hclog.Logger) (view.Graph, error) {
	if st.Model == nil {
		return view.Graph{}, fmt.Errorf("lab %s: its state has no model to draw; give the lab's FILE", st.Lab)
	}
	lab := st.Model
	local := map[string]bool{}
	for _, n := range st.Nodes {
		local[n] = true
	}
	g := view.New(lab, func(n string) bool { return local[n] })
	ls, err := nodes.Status(st)
	if err != nil {
		return g, fmt.Errorf("lab %s: read the nodes: %w", st.Lab, err)
	}
	oper := map[string]bool{}
	for _, n := range ls.Nodes {
		if n.Error != "" {
			continue
		}
		for _, ifc := range n.Interfaces {
			oper[n.Name+":"+ifc.Name] = ifc.Up
		}
	}
	f, err := fault.Load(st.Dir)
	if err != nil {
		return g, fmt.Errorf("lab %s: read faults: %w", st.Lab, err)
	}
	for i := range g.Links {
		kind := ""
		for _, x := range f.Active {
			if view.FaultMatches(x, g.Links[i]) {
				kind = x.Kind
			}
		}
		g.Links[i].State = view.LinkState(g.Links[i], func(end string) (bool, bool) {
			up, ok := oper[end]
			return up, ok
		}, kind)
	}
	aws, err := fw.LoadState(st.Dir)
	if err != nil {
		return g, fmt.Errorf("lab %s: read AWS state: %w", st.Lab, err)
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if in := aws.Instances[n.Name]; n.Instance && in != nil {
			n.Running, n.Elastic = in.Running, in.Elastic
			if in.Running && in.PublicIP.IsValid() {
				n.PublicIP = in.PublicIP.String()
			}
		}
	}
	var routers []string
	for _, n := range lab.Nodes {
		if n.Kind == topo.KindRouter && local[n.Name] {
			routers = append(routers, n.Name)
		}
	}
	if lab.Daemons == "" || lab.Daemons == topo.DaemonsNetemu {
		dir := func(node string) string { return labpath.NodeDir(st.Dir, node) }
		for _, v := range converge.Gather(ctx, dir, routers) {
			if v.Err != nil {
				log.Debug("agent did not answer; its sessions stay unknown", "node", v.Node, "error", v.Err)
				continue
			}
			g.ApplyView(lab, v)
			actx, cancel := context.WithTimeout(ctx, 3*time.Second)
			s, err := agent.Dial(converge.AgentSocket(dir(v.Node))).BFD(actx)
			cancel()
			if err == nil && s != nil {
				g.ApplyBFD(lab, v.Node, s.Sessions)
			}
		}
	}
	return g, nil
}

// Draw is `netemu graph -o FORMAT`: Graphviz dot (needs nothing), SVG or
// a standalone HTML page (both run Graphviz's dot). g is the lab as drawn:
// view.New of a file, or LiveGraph of a running share; description heads
// the HTML page.
func Draw(g view.Graph, description, format string) ([]byte, error) {
	var out bytes.Buffer
	switch format {
	case "dot":
		out.WriteString(g.DOT())
	case "svg", "html":
		svg, err := renderSVG(g.DOT())
		if err != nil {
			return nil, err
		}
		if format == "svg" {
			out.Write(svg)
		} else {
			writeGraphHTML(&out, g.Lab, description, svg)
		}
	default:
		return nil, fmt.Errorf("unknown output %q: use dot, svg or html", format)
	}
	return out.Bytes(), nil
}

// renderSVG runs Graphviz's dot on the graph.
func renderSVG(dot string) ([]byte, error) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		return nil, fmt.Errorf("drawing SVG needs Graphviz's dot (Debian package graphviz); `netemu graph -o dot` works without it")
	}
	c := exec.Command(bin, "-Tsvg")
	c.Stdin = strings.NewReader(dot)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	svg, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("graphviz dot: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return svg, nil
}

func writeGraphHTML(w io.Writer, name, description string, svg []byte) {
	// Drop the XML prologue: the SVG is inlined into the page.
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:]
	}
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>netemu lab %s</title>\n", html.EscapeString(name))
	fmt.Fprintf(w, "<style>body{font-family:sans-serif;margin:1em} svg{max-width:100%%;height:auto}</style></head>\n")
	fmt.Fprintf(w, "<body><h1>%s</h1>\n", html.EscapeString(name))
	if description != "" {
		fmt.Fprintf(w, "<p>%s</p>\n", html.EscapeString(description))
	}
	w.Write(svg)
	fmt.Fprintf(w, "\n</body></html>\n")
}
