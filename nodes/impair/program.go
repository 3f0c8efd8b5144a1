package impair

import (
	"github.com/cilium/ebpf/asm"
)

// tc actions a direct-action classifier returns.
const (
	tcActOK = 0
	// tcActStolen drops the frame but tells the sender it was sent, as
	// netem does for its losses (NET_XMIT_SUCCESS): with TC_ACT_SHOT a
	// local sender would get ENOBUFS and send again (ping counts nothing
	// lost, TCP retries at once), which no real lossy link does.
	tcActStolen = 4
)

// offsetof(struct __sk_buff, mark).
const skbMarkOff = 8

// Program is the egress classifier of a fallback plan, in direct-action
// mode: frames carrying Mark pass (the delay line's own); then the loss
// drops its share; then, with a delay line, every frame left is
// redirected to the TAP tapIndex (the line reads it there); else it
// passes. Generated here, so no compiler is needed at run time.
func Program(p Plan, tapIndex int) asm.Instructions {
	in := asm.Instructions{
		// r6 = skb; if skb->mark == Mark: pass.
		asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMem(asm.R2, asm.R6, skbMarkOff, asm.Word),
		asm.JEq.Imm(asm.R2, Mark, "pass"),
	}
	switch {
	case p.DropAll:
		// Nothing after the drop but "pass": the verifier refuses
		// unreachable instructions.
		return append(in, asm.Mov.Imm(asm.R0, tcActStolen), asm.Return(),
			asm.Mov.Imm(asm.R0, tcActOK).WithSymbol("pass"), asm.Return())
	case p.Loss > 0:
		// r0 = bpf_get_prandom_u32(); if r0 >= threshold: keep, else drop.
		// The threshold does not fit a signed 32-bit immediate, so it is
		// compared from a register.
		in = append(in,
			asm.FnGetPrandomU32.Call(),
			asm.LoadImm(asm.R1, int64(p.Loss), asm.DWord),
			asm.JGE.Reg(asm.R0, asm.R1, "keep"),
			asm.Mov.Imm(asm.R0, tcActStolen),
			asm.Return(),
		)
	}
	keep := asm.Instructions{}
	if p.Line != nil {
		// return bpf_redirect(tapIndex, 0): TC_ACT_REDIRECT, to the TAP's
		// egress, which hands the frame to the line's file descriptor.
		keep = append(keep,
			asm.Mov.Imm(asm.R1, int32(tapIndex)),
			asm.Mov.Imm(asm.R2, 0),
			asm.FnRedirect.Call(),
			asm.Return(),
		)
	} else {
		keep = append(keep, asm.Mov.Imm(asm.R0, tcActOK), asm.Return())
	}
	keep[0] = keep[0].WithSymbol("keep")
	in = append(in, keep...)
	in = append(in, asm.Mov.Imm(asm.R0, tcActOK).WithSymbol("pass"), asm.Return())
	return in
}
