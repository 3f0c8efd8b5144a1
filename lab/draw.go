package lab

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os/exec"
	"strings"

	"github.com/netemu/netemu/topo"
)

// Draw is `netemu graph -o FORMAT`: Graphviz dot (needs nothing), SVG or
// a standalone HTML page (both run Graphviz's dot).
func Draw(l *topo.Lab, format string) ([]byte, error) {
	var out bytes.Buffer
	switch format {
	case "dot":
		out.WriteString(l.DOT())
	case "svg", "html":
		svg, err := renderSVG(l.DOT())
		if err != nil {
			return nil, err
		}
		if format == "svg" {
			out.Write(svg)
		} else {
			writeGraphHTML(&out, l.Name, l.Description, svg)
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
