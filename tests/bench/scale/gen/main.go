// Command gen prints a generated lab: `gen fabric NAME ASES SPINES
// LEAVES` (labtest.FabricHCL) or `gen hosts NAME N PER_ROUTER`
// (labtest.HostsHCL), to try a big lab by hand.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/netemu/netemu/tests/labtest"
)

func main() {
	num := func(i int) int {
		if i >= len(os.Args) {
			usage()
		}
		n, err := strconv.Atoi(os.Args[i])
		if err != nil || n < 1 {
			usage()
		}
		return n
	}
	if len(os.Args) < 3 {
		usage()
	}
	switch os.Args[1] {
	case "fabric":
		os.Stdout.Write(labtest.FabricHCL(os.Args[2], num(3), num(4), num(5)))
	case "hosts":
		os.Stdout.Write(labtest.HostsHCL(os.Args[2], num(3), num(4)))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gen fabric NAME ASES SPINES LEAVES | gen hosts NAME N PER_ROUTER")
	os.Exit(2)
}
