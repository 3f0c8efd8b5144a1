package main

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netemu/netemu/lab"
	"github.com/netemu/netemu/nodes"
	"github.com/netemu/netemu/topo"
)

// newGraphCmd is `netemu graph [FILE] [-o dot|svg|html]`: the topology as
// a drawing. dot needs nothing; svg and html run Graphviz's dot.
func newGraphCmd(g *globals) *cobra.Command {
	var output, file string
	cmd := &cobra.Command{
		Use:   "graph [FILE]",
		Short: "Draw the topology: Graphviz dot, SVG or a standalone HTML page",
		Long: "Draws the lab in FILE, else the running lab (--lab, or the only one up), else the embedded\n" +
			"seed lab: routers grouped by AS, a VPC's nodes by VPC, every link with its interfaces and\n" +
			"addresses, eBGP links in bold. -o svg and -o html\n" +
			"need Graphviz's dot (Debian package graphviz); -o dot prints its input.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := graphLab(g, args)
			if err != nil {
				return err
			}
			var out bytes.Buffer
			switch output {
			case "dot":
				out.WriteString(l.DOT())
			case "svg", "html":
				svg, err := renderSVG(l.DOT())
				if err != nil {
					return err
				}
				if output == "svg" {
					out.Write(svg)
				} else {
					writeGraphHTML(&out, l.Name, l.Description, svg)
				}
			default:
				return fmt.Errorf("unknown output %q: use dot, svg or html", output)
			}
			if file == "" || file == "-" {
				_, err = os.Stdout.Write(out.Bytes())
				return err
			}
			if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
				return fmt.Errorf("graph: %w", err)
			}
			fmt.Fprintf(os.Stderr, "wrote %s\n", file)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "dot", "format: dot, svg or html")
	cmd.Flags().StringVarP(&file, "write", "w", "", "write to this file instead of stdout")
	return cmd
}

// graphLab is the lab to draw: FILE, else the running lab the other
// commands would act on (--lab names one, which must be up), else — with
// no lab up — the embedded seed lab. Without this, `netemu graph --lab X`
// silently drew the seed lab.
func graphLab(g *globals, args []string) (*topo.Lab, error) {
	if len(args) == 1 {
		return lab.Load(args[0])
	}
	states, _ := nodes.ListStates()
	if g.lab == "" && len(states) == 0 {
		return lab.Load("")
	}
	st, err := selectShare(g, nil)
	if err != nil {
		return nil, err
	}
	if st.Model == nil {
		return nil, fmt.Errorf("lab %s: its state has no model to draw; give the lab's FILE", st.Lab)
	}
	return st.Model, nil
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
