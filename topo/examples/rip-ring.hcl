# Four routers in a ring, one RIP autonomous system, a host at each side.
# Cut a link (`netemu link down r1 r2`) and watch RIP route around it:
# `netemu rip r1`, `netemu exec left -- ping 10.9.2.2`.
#
#   left ── r1 ── r2
#           │      │
#           r4 ── r3 ── right

lab "rip-ring" {
  description = "Four RIP routers in a ring"
  timers      = "fast"
}

autonomous_system "ring" {
  asn      = 65001
  igp      = "rip"
  prefixes = ["10.9.0.0/16"]
}

router "r1" { as = "ring" }
router "r2" { as = "ring" }
router "r3" { as = "ring" }
router "r4" { as = "ring" }

host "left" {}
host "right" {}

link "r1" "r2" {}
link "r2" "r3" {}
link "r3" "r4" {}
link "r4" "r1" {}

link "r1" "left" {
  subnet = "10.9.1.0/24" # r1 10.9.1.1, left 10.9.1.2
}
link "r3" "right" {
  subnet = "10.9.2.0/24" # r3 10.9.2.1, right 10.9.2.2
}
