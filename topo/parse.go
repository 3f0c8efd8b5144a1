package topo

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Options tune parsing. The zero value is what the CLI uses.
type Options struct {
	// LookPath resolves a process's command[0]; nil means exec.LookPath.
	// Tests inject their own so results do not depend on the machine.
	LookPath func(file string) (string, error)
	// Source overrides Lab.Source (e.g. "embedded:aws-ssh").
	Source string
}

// DiagError is the error Load and Parse return for a bad file: every
// diagnostic found, with the files needed to print source snippets.
type DiagError struct {
	Diags hcl.Diagnostics
	Files map[string]*hcl.File
}

// Error renders every diagnostic compiler-style, one "file:line:col:"
// heading each (so editors and grep can jump to it), with the source line
// and a marker under the offending text.
func (e *DiagError) Error() string {
	var buf bytes.Buffer
	for i, d := range e.Diags {
		if i > 0 {
			buf.WriteByte('\n')
		}
		writeDiagnostic(&buf, d, e.Files)
	}
	return strings.TrimRight(buf.String(), "\n")
}

// Load reads and validates the topology file at path.
func Load(path string) (*Lab, error) {
	return LoadWith(path, Options{})
}

// LoadWith is Load with options.
func LoadWith(path string, opts Options) (*Lab, error) {
	src, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	if opts.Source == "" {
		opts.Source = path
	}
	return ParseWith(src, path, opts)
}

// readLimited reads path, refusing a file over MaxFileSize before reading it.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > MaxFileSize {
		return nil, errTooLarge(path, fi.Size())
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	if len(src) > MaxFileSize {
		return nil, errTooLarge(path, int64(len(src)))
	}
	return src, nil
}

// safeBuild runs the builder. After decode errors its input is partial
// (fields of bad attributes left zero); should that trip it, the decode
// errors alone are reported.
func (b *builder) safeBuild(raw *fileHCL, partial bool) (lab *Lab, diags hcl.Diagnostics) {
	if partial {
		defer func() {
			if recover() != nil {
				lab, diags = nil, nil
			}
		}()
	}
	lab = b.build(raw)
	return lab, b.diags
}

// Parse validates the topology in src; filename names it in diagnostics.
func Parse(src []byte, filename string) (*Lab, error) {
	return ParseWith(src, filename, Options{})
}

// ParseWith is Parse with options.
func ParseWith(src []byte, filename string, opts Options) (*Lab, error) {
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.Source == "" {
		opts.Source = filename
	}
	if len(src) > MaxFileSize {
		return nil, errTooLarge(filename, int64(len(src)))
	}
	p := hclparse.NewParser()
	f, diags := p.ParseHCL(src, filename)
	if diags.HasErrors() {
		sortDiags(diags)
		return nil, &DiagError{Diags: collapse(diags), Files: p.Files()}
	}
	// Every error of the file in one run: a block that fails to decode
	// (a wrong type) does not stop the checks of the others.
	var raw fileHCL
	decode := gohcl.DecodeBody(f.Body, nil, &raw)
	diags = append(diags, decode...)
	b := newBuilder(f, opts)
	lab, built := b.safeBuild(&raw, decode.HasErrors())
	if decode.HasErrors() {
		built = afterDecodeErrors(f.Body, decode, built)
	}
	diags = append(diags, built...)
	if diags.HasErrors() {
		sortDiags(diags)
		return nil, &DiagError{Diags: collapse(diags), Files: p.Files()}
	}
	// Every machine of a multi-host lab needs the same complete placement,
	// so it is part of the model, not a step callers may forget.
	Place(lab)
	return lab, nil
}

// sortDiags puts diagnostics in file order, whatever phase found them (gohcl
// reports in map order), so output is stable and reads top to bottom.
func sortDiags(d hcl.Diagnostics) {
	key := func(x *hcl.Diagnostic) (string, int) {
		if x.Subject == nil {
			return "", -1
		}
		return x.Subject.Filename, x.Subject.Start.Byte
	}
	sort.SliceStable(d, func(i, j int) bool {
		fi, bi := key(d[i])
		fj, bj := key(d[j])
		if fi != fj {
			return fi < fj
		}
		if bi != bj {
			return bi < bj
		}
		if d[i].Summary != d[j].Summary {
			return d[i].Summary < d[j].Summary
		}
		return d[i].Detail < d[j].Detail
	})
}
