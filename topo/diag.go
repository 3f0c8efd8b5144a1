package topo

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// writeDiagnostic renders one diagnostic as
//
//	file.hcl:12:16: error: Invalid ports: ports "0": a port must be between 1 and 65535.
//	   12 |     ports    = "0"
//	      |                ^^^
func writeDiagnostic(buf *bytes.Buffer, d *hcl.Diagnostic, files map[string]*hcl.File) {
	sev := "error"
	if d.Severity == hcl.DiagWarning {
		sev = "warning"
	}
	msg := d.Summary
	if d.Detail != "" {
		msg += ": " + d.Detail
	}
	if d.Subject == nil {
		fmt.Fprintf(buf, "%s: %s\n", sev, msg)
		return
	}
	r := *d.Subject
	fmt.Fprintf(buf, "%s:%d:%d: %s: %s\n", r.Filename, r.Start.Line, r.Start.Column, sev, msg)
	f := files[r.Filename]
	if f == nil {
		return
	}
	line, ok := sourceLine(f.Bytes, r.Start.Line)
	if !ok {
		return
	}
	fmt.Fprintf(buf, "%5d | %s\n", r.Start.Line, line)
	// Underline the subject on its first line; keep tabs so the marker lines
	// up with the source whatever the tab width.
	start := r.Start.Column - 1
	end := len(line)
	if r.End.Line == r.Start.Line && r.End.Column-1 > start {
		end = r.End.Column - 1
	}
	if start > len(line) {
		start = len(line)
	}
	if end > len(line) {
		end = len(line)
	}
	var pad strings.Builder
	for _, c := range line[:start] {
		if c == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	n := end - start
	if n < 1 {
		n = 1
	}
	fmt.Fprintf(buf, "      | %s%s\n", pad.String(), strings.Repeat("^", n))
}

// sourceLine returns line n (1-based) of src without its newline.
func sourceLine(src []byte, n int) (string, bool) {
	lines := bytes.Split(src, []byte("\n"))
	if n < 1 || n > len(lines) {
		return "", false
	}
	return strings.TrimRight(string(lines[n-1]), "\r"), true
}
