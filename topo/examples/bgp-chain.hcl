# Three autonomous systems in a chain: a customer, its provider, and the
# provider's provider. The middle AS has two routers (iBGP over RIP).
# `netemu bgp b1` shows the sessions; `netemu exec h1 -- ping 10.3.0.2`.
#
#   h1 ── a1 ══ b1 ── b2 ══ c1 ── h3
#   (AS 65001)  (AS 65002)  (AS 65003)

lab "bgp-chain" {
  description = "Three ASes in a chain"
  timers      = "fast"
  client      = "h1"
}

autonomous_system "a" {
  asn      = 65001
  igp      = "static"
  prefixes = ["10.1.0.0/16"]
}

autonomous_system "b" {
  asn      = 65002
  igp      = "rip"
  prefixes = ["10.2.0.0/16"]
}

autonomous_system "c" {
  asn      = 65003
  igp      = "static"
  prefixes = ["10.3.0.0/16"]
}

router "a1" { as = "a" }
router "b1" { as = "b" }
router "b2" { as = "b" }
router "c1" { as = "c" }

host "h1" {}
host "h3" {}

link "h1" "a1" {
  subnet = "10.1.0.0/24" # h1 10.1.0.1, a1 10.1.0.2
}
link "a1" "b1" {
  relationship = "provider" # b1 is a1's provider
}
link "b1" "b2" {}
link "b2" "c1" {
  relationship = "provider"
}
link "c1" "h3" {
  subnet = "10.3.0.0/24" # c1 10.3.0.1, h3 10.3.0.2
}
