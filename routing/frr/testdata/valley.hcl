# Five single-router ASes where BGP policy decides what is routed where:
# valley-free export, LOCAL_PREF by relationship, and named policies with
# prefix lists, communities, AS path regexes and prepends. The same file
# must give the same kernel routes with netemu's daemons and with FRR's
# (tests/frr_mode_test.go; expectations in routing/frr/policy_test.go).
#
#              t (65005)
#              │ provider of p1
#   c (65003) ─ p1 (65001) ══ peer ══ p2 (65002) ─ d (65004)
#        └──────── customer of p2 ───────┘         customer of p2
#
# - c is a customer of p1 and of p2; d of p2; p1 and p2 peer; t is p1's
#   provider. Routes p1 learns from t or p2 never reach p2 or t
#   (valley-free), nor does c pass one provider's routes to the other.
# - c prepends three times towards p1, yet p1 reaches c directly: a
#   customer's route (LOCAL_PREF 200) beats the peer's shorter path (100).
# - c prefers p1 for d's main prefix (import policy, LOCAL_PREF 300) over
#   p2's shorter path.
# - d marks its second prefix with a community towards p2, and p2 does
#   not export marked routes to p1.
# - t rejects paths ending in c's AS (as_path regex).

lab "frr-valley" {
  timers = "fast"
}

autonomous_system "p1" {
  asn      = 65001
  igp      = "static"
  prefixes = ["10.1.0.0/16"]
}
autonomous_system "p2" {
  asn      = 65002
  igp      = "static"
  prefixes = ["10.2.0.0/16"]
}
autonomous_system "c" {
  asn      = 65003
  igp      = "static"
  prefixes = ["10.3.0.0/16"]
}
autonomous_system "d" {
  asn      = 65004
  igp      = "static"
  prefixes = ["10.4.0.0/16", "10.44.0.0/16"]
}
autonomous_system "t" {
  asn      = 65005
  igp      = "static"
  prefixes = ["10.5.0.0/16"]
}

prefix_list "d-main" {
  entry { prefix = "10.4.0.0/16" }
}
prefix_list "d-second" {
  entry {
    prefix = "10.44.0.0/16"
    le     = 24
  }
}

policy "c-from-p1" {
  term "prefer-p1-for-d" {
    prefix_list    = "d-main"
    set_local_pref = 300
  }
}
policy "c-to-p1" {
  term "longer" { prepend = 3 }
}
policy "d-to-p2" {
  term "mark" {
    prefix_list     = "d-second"
    add_communities = ["65004:100"]
    action          = "next"
  }
  term "med" { set_med = 7 }
}
policy "p2-to-p1" {
  term "no-marked" {
    community = "65004:100"
    action    = "reject"
  }
}
policy "t-from-p1" {
  term "no-c" {
    as_path = "65003$"
    action  = "reject"
  }
  default = "accept"
}

router "p1" { as = "p1" }
router "p2" {
  as = "p2"
  bgp {
    neighbor "p1" { export = "p2-to-p1" }
  }
}
router "c" {
  as = "c"
  bgp {
    neighbor "p1" {
      import = "c-from-p1"
      export = "c-to-p1"
    }
  }
}
router "d" {
  as = "d"
  bgp {
    neighbor "p2" { export = "d-to-p2" }
  }
}
router "t" {
  as = "t"
  bgp {
    neighbor "p1" { import = "t-from-p1" }
  }
}

link "p1" "t" { relationship = "provider" }
link "p1" "p2" { relationship = "peer" }
link "p1" "c" { relationship = "customer" }
link "p2" "c" { relationship = "customer" }
link "p2" "d" { relationship = "customer" }
