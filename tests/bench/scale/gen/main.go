package main

import (
	"os"
	"strconv"

	"github.com/netemu/netemu/tests/labtest"
)

func main() {
	a, _ := strconv.Atoi(os.Args[2])
	s, _ := strconv.Atoi(os.Args[3])
	l, _ := strconv.Atoi(os.Args[4])
	os.Stdout.Write(labtest.FabricHCL(os.Args[1], a, s, l))
}
