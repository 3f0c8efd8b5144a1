package topo

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Seed is the example lab `netemu up` builds when given no file.
const Seed = "aws-ssh"

// SeedStatic is the seed lab's network with static routes and no routing
// daemons (daemons = "none"): usable before, and without, BGP and RIP.
const SeedStatic = "aws-ssh-static"

//go:embed examples/*.hcl
var examplesFS embed.FS

// Examples lists the embedded example labs by name, sorted.
func Examples() []string {
	entries, err := fs.ReadDir(examplesFS, "examples")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".hcl") {
			out = append(out, strings.TrimSuffix(e.Name(), ".hcl"))
		}
	}
	sort.Strings(out)
	return out
}

// ExampleSource returns the HCL text of an embedded example.
func ExampleSource(name string) ([]byte, error) {
	src, err := examplesFS.ReadFile(path.Join("examples", name+".hcl"))
	if err != nil {
		return nil, fmt.Errorf("no example lab %q (known: %s)", name, strings.Join(Examples(), ", "))
	}
	return src, nil
}

// LoadExample parses and validates an embedded example lab.
func LoadExample(name string) (*Lab, error) {
	return LoadExampleWith(name, Options{})
}

// LoadExampleWith is LoadExample with options.
func LoadExampleWith(name string, opts Options) (*Lab, error) {
	src, err := ExampleSource(name)
	if err != nil {
		return nil, err
	}
	if opts.Source == "" {
		opts.Source = "embedded:" + name
	}
	return ParseWith(src, name+".hcl", opts)
}
