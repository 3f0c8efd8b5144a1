package fault

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/netemu/netemu/nodes/labpath"
)

// errNoNft: without nft no ingress drop can have been installed either.
var errNoNft = errors.New("a silent fault on a tunnel end needs nft (Debian package nftables) to drop what the end receives")

// haveNft reports whether the nft program is installed.
func haveNft() bool {
	_, err := exec.LookPath("nft")
	return err == nil
}

// runNft applies an nft script inside the end's node namespace.
func (in *Injector) runNft(e *endHandle, script string) error {
	if !haveNft() {
		return errNoNft
	}
	cmd := exec.Command("nsenter", "--net="+labpath.NetnsPath(in.Lab.Name, e.node), "--", "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("node %q: nft on %s: %w: %s", e.node, e.link.Attrs().Name, err, bytes.TrimSpace(out))
	}
	return nil
}

// dropIngress makes a tunnel end drop every frame it receives.
func (in *Injector) dropIngress(e *endHandle) error {
	return in.runNft(e, ingressDropScript(e.link.Attrs().Name))
}

// undropIngress removes dropIngress's table, if the end has one.
func (in *Injector) undropIngress(e *endHandle) error {
	if err := in.runNft(e, ingressClearScript(e.link.Attrs().Name)); err != nil && !errors.Is(err, errNoNft) {
		return err
	}
	return nil
}
